from __future__ import annotations

import json
import unittest
from itertools import islice

from microgpt_torch import MicrogptTorchError
from microgpt_torch.batches import batch_order_json, parse_batch_order, seeded_stream_steps, share, step_tensors, target_count
from microgpt_torch.token_file import TokenFile, encode_token_file

from .helpers import TempDirTest

# microgpt's streamLoader over ids 0 … 999 (so each x[b, 0] is the window's start), blockSize 16, batchSize 4,
# seed 42, valFraction 0.1: its first three batches' starts.
MICROGPT_STREAM_STARTS = [[654, 114, 25, 759], [281, 250, 228, 142], [754, 104, 692, 758]]


class SeededStream(unittest.TestCase):
    def test_windows_equal_microgpts_stream_loader(self):
        steps = list(islice(seeded_stream_steps(42, 1000, 16, 4, 0.1), 3))
        self.assertEqual([list(s.starts) for s in steps], MICROGPT_STREAM_STARTS)
        self.assertTrue(all(s.T == 16 and s.lengths == (17,) * 4 for s in steps))

    def test_skipping_resumes_the_same_sequence(self):
        resumed = next(seeded_stream_steps(42, 1000, 16, 4, 0.1, skip=2))
        self.assertEqual(list(resumed.starts), MICROGPT_STREAM_STARTS[2])

    def test_a_split_shorter_than_a_window_is_refused(self):
        with self.assertRaisesRegex(MicrogptTorchError, "train split has 16 tokens, fewer than one window of 17"):
            next(seeded_stream_steps(0, 20, 16, 1, 0.2))


class Shares(unittest.TestCase):
    def test_contiguous_shares_cover_the_batch(self):
        for B in range(1, 9):
            for W in range(1, B + 1):
                rows = [share(B, W, r) for r in range(W)]
                self.assertEqual(rows[0][0], 0)
                self.assertEqual(rows[-1][1], B)
                self.assertTrue(all(a[1] == b[0] for a, b in zip(rows, rows[1:])))
                self.assertTrue(max(h - lo for lo, h in rows) - min(h - lo for lo, h in rows) <= 1)

    def test_fewer_sequences_than_processes_is_refused(self):
        with self.assertRaisesRegex(MicrogptTorchError, "batchSize 2 is smaller than the 3 processes"):
            share(2, 3, 0)


class BatchOrderFiles(TempDirTest):
    def test_windows_and_padding(self):
        path = self.path("t.tok")
        with open(path, "wb") as handle:
            handle.write(encode_token_file(list(range(100)), 100))
        tokens = TokenFile(path)
        self.addCleanup(tokens.close)
        data = {"format": "microgpt-batches", "version": 1, "batchSize": 2, "tokenCount": 100,
                "steps": [{"T": 4, "starts": [10, 50]}, {"T": 4, "starts": [0, 90], "lengths": [5, 3]}]}
        B, steps = parse_batch_order(json.loads(json.dumps(data)), 100, 8)
        self.assertEqual(B, 2)
        x, y = step_tensors(tokens, steps[0], range(0, 2))
        self.assertEqual(x.tolist(), [[10, 11, 12, 13], [50, 51, 52, 53]])
        self.assertEqual(y.tolist(), [[11, 12, 13, 14], [51, 52, 53, 54]])
        x, y = step_tensors(tokens, steps[1], range(1, 2))
        self.assertEqual(x.tolist(), [[90, 91, 0, 0]])
        self.assertEqual(y.tolist(), [[91, 92, -1, -1]])
        self.assertEqual([target_count(s) for s in steps], [8, 6])
        self.assertEqual(batch_order_json(2, steps, 100), data)

    def test_refusals_name_the_field(self):
        good = {"format": "microgpt-batches", "version": 1, "batchSize": 2, "steps": [{"T": 4, "starts": [0, 5]}]}
        cases = [
            ({"format": "other"}, "format must be \"microgpt-batches\""),
            ({"version": 2}, "version must be 1"),
            ({"batchSize": 0}, "batchSize must be a positive integer"),
            ({"tokenCount": 99}, "tokenCount must be the token file's count 100"),
            ({"steps": []}, "steps must be a non-empty array"),
            ({"steps": [{"T": 9, "starts": [0, 5]}]}, "steps[0].T must be an integer in [1, 8]"),
            ({"steps": [{"T": 4, "starts": [0]}]}, "steps[0].starts must be 2 integers"),
            ({"steps": [{"T": 4, "starts": [0, 5], "lengths": [6, 2]}]}, "steps[0].lengths must be 2 integers in [2, 5]"),
            ({"steps": [{"T": 4, "starts": [0, 96]}]}, "window [96, 101)"),
        ]
        for change, words in cases:
            with self.subTest(words=words), self.assertRaises(MicrogptTorchError) as caught:
                parse_batch_order({**good, **change}, 100, 8, "b.json")
            self.assertIn(words, str(caught.exception))
            self.assertTrue(str(caught.exception).startswith("b.json: "))


if __name__ == "__main__":
    unittest.main()
