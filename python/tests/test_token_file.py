from __future__ import annotations

import unittest

import torch

from microgpt_torch import MicrogptTorchError
from microgpt_torch.token_file import TokenFile, encode_token_file

from .helpers import TempDirTest

# microgpt's encodeTokenFile([1, 2, 65535, 0], 65536, hash of 32 × 0x07) and ([70000, 3], 70001, zeros), in hex.
MICROGPT_UINT16 = "4d475054544f4b00010000000100000004000000000000000000010007070707070707070707070707070707070707070707070707070707070707070000000001000200ffff0000"
MICROGPT_UINT32 = "4d475054544f4b0001000000020000000200000000000000711101000000000000000000000000000000000000000000000000000000000000000000000000007011010003000000"


class TokenFiles(TempDirTest):
    def write(self, data: bytes) -> str:
        path = self.path("t.tok")
        with open(path, "wb") as handle:
            handle.write(data)
        return path

    def test_bytes_equal_microgpts(self):
        self.assertEqual(encode_token_file([1, 2, 65535, 0], 65536, bytes([7]) * 32).hex(), MICROGPT_UINT16)
        self.assertEqual(encode_token_file([70000, 3], 70001).hex(), MICROGPT_UINT32)

    def test_windows_of_both_widths(self):
        for vocab in (500, 70001):
            ids = [(i * 7919) % vocab for i in range(1000)]
            tokens = TokenFile(self.write(encode_token_file(ids, vocab)))
            self.assertEqual((len(tokens), tokens.header.vocab_size, tokens.header.dtype), (1000, vocab, "uint16" if vocab <= 65536 else "uint32"))
            self.assertTrue(torch.equal(tokens.window(990, 10), torch.tensor(ids[990:])))
            with self.assertRaisesRegex(MicrogptTorchError, r"window \[995, 1001\) is outside the 1000 ids"):
                tokens.window(995, 6)
            tokens.close()

    def test_bad_headers_name_the_field(self):
        good = encode_token_file([1, 2, 3], 10)
        cases = [
            (b"XGPTTOK\0" + good[8:], "magic"),
            (good[:8] + b"\x02" + good[9:], "version"),
            (good[:12] + b"\x03" + good[13:], "dtype"),
            (good[:-2], "size: expected 70 bytes for 3 uint16 ids, found 68 bytes"),
            (good[:60] + b"\x01" + good[61:], "reserved"),
            (good[:20], "header"),
        ]
        for data, words in cases:
            with self.subTest(words=words), self.assertRaises(MicrogptTorchError) as caught:
                TokenFile(self.write(data))
            self.assertIn(words, str(caught.exception))
            self.assertIn("t.tok", str(caught.exception))

    def test_ids_outside_the_vocabulary_are_not_written(self):
        with self.assertRaisesRegex(MicrogptTorchError, r"id 10 at position 1 is outside \[0, 10\)"):
            encode_token_file([1, 10], 10)


if __name__ == "__main__":
    unittest.main()
