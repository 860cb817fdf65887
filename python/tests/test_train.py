from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import unittest
from itertools import islice

import torch
import torch.nn.functional as F

from microgpt_torch import from_pretrained, load_tokenizer
from microgpt_torch.batches import Step, batch_order_json, seeded_stream_steps, step_tensors
from microgpt_torch.token_file import TokenFile, encode_token_file

from .helpers import FIXTURES, SHAKESPEARE, run_module

SOURCE = os.path.join(FIXTURES, "gpt2-tiny")
OPTIMIZER = ["--optimizer", "adamw", "--lr", "2e-3", "--min-lr", "2e-4", "--schedule", "cosine", "--warmup-steps", "2", "--beta1", "0.9",
             "--beta2", "0.95", "--eps", "1e-8", "--weight-decay", "0.1", "--clip", "1.0"]
#: Float32 losses of one and of several processes differ only in summation order.
FLOAT32_TOLERANCE = 1e-5


def metrics(folder: str) -> list[dict]:
    with open(os.path.join(folder, "metrics.jsonl"), encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


class Training(unittest.TestCase):
    """Runs the trainer as its users do (python -m, and torchrun with 2 CPU processes on gloo)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="microgpt-torch-train-")
        with open(SHAKESPEARE, encoding="utf-8") as handle:
            ids = load_tokenizer(SOURCE).encode(handle.read()[:20_000])
        cls.tokens = os.path.join(cls.dir, "shakespeare.tok")
        with open(cls.tokens, "wb") as handle:
            handle.write(encode_token_file(ids, 300))
        cls.count = len(ids)
        # Random windows of 32 (+1), 4 a step; and document-like batches: 3 sequences, padded, shares of 2 and 1.
        cls.windows = cls.batch_file("windows.json", 4, list(islice(seeded_stream_steps(1, len(ids), 32, 4), 5)))
        g = torch.Generator().manual_seed(2)
        padded = [Step(24, tuple(torch.randint(0, len(ids) - 30, (3,), generator=g).tolist()), tuple(torch.randint(2, 26, (3,), generator=g).tolist())) for _ in range(5)]
        cls.padded = cls.batch_file("padded.json", 3, padded)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def batch_file(cls, name: str, B: int, steps: list[Step]) -> str:
        path = os.path.join(cls.dir, name)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(batch_order_json(B, steps, cls.count), handle)
        return path

    def train(self, out: str, *args: str, processes: int | None = None) -> str:
        folder = os.path.join(self.dir, out)
        done = run_module("train", "--from", SOURCE, "--tokens", self.tokens, "--out", folder, *args, torchrun=processes)
        self.assertEqual(done.returncode, 0, done.stderr[-3000:])
        return folder

    def assertSameRuns(self, a: str, b: str, tolerance: float):
        ma, mb = metrics(a), metrics(b)
        self.assertEqual(len(ma), len(mb))
        for x, y in zip(ma, mb):
            self.assertEqual((x["step"], x["lr"], x["tokens"]), (y["step"], y["lr"], y["tokens"]))
            self.assertLessEqual(abs(x["loss"] - y["loss"]), tolerance, (x, y))
            self.assertLessEqual(abs(x["gradNorm"] - y["gradNorm"]), tolerance * max(1.0, x["gradNorm"]), (x, y))
        wa, wb = from_pretrained(a).state_dict(), from_pretrained(b).state_dict()
        for name in wa:
            if name.endswith("attn.c_attn.bias"):
                # The key bias adds q·b_k to every score of a query, which softmax ignores: its gradient is 0 but
                # for rounding noise, which Adam scales up to lr-sized steps that differ from run to run (and
                # change no output). Compare the query and value biases only.
                C = wa[name].numel() // 3
                wa[name], wb[name] = (torch.cat([w[:C], w[2 * C :]]) for w in (wa[name], wb[name]))
            self.assertLessEqual(float((wa[name] - wb[name]).abs().max()), tolerance, name)

    def test_two_processes_take_the_steps_of_one(self):
        one = self.train("one", "--batches", self.windows, *OPTIMIZER)
        two = self.train("two", "--batches", self.windows, *OPTIMIZER, processes=2)
        self.assertSameRuns(one, two, FLOAT32_TOLERANCE)
        losses = [m["loss"] for m in metrics(two)]
        self.assertEqual(len(losses), 5)
        self.assertLess(losses[-1], losses[0])  # it learns
        self.assertTrue(all(os.path.exists(os.path.join(two, f)) for f in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")))
        # Import the result and sample from it.
        sample = run_module("sample", "--model", two, "--prompt", "ROMEO:", "--max-new-tokens", "20", "--temperature", "0.8", "--seed", "3")
        self.assertEqual(sample.returncode, 0, sample.stderr)
        self.assertTrue(sample.stdout.startswith("ROMEO:"))
        greedy = run_module("sample", "--model", two, "--ids", "1,2,3", "--max-new-tokens", "5", "--temperature", "0", "--json", "--no-stop")
        model = from_pretrained(two)
        context = [299, 1, 2, 3]
        for _ in range(5):
            context.append(int(model(torch.tensor([context]))[0][0, -1].argmax()))
        self.assertEqual(json.loads(greedy.stdout)["ids"], context[4:])

    def test_unequal_shares_padding_and_micro_batches_keep_the_full_batch_gradient(self):
        two = self.train("padded-two", "--batches", self.padded, *OPTIMIZER, processes=2)
        one = self.train("padded-one", "--batches", self.padded, *OPTIMIZER, "--micro-batch", "1")
        self.assertSameRuns(one, two, FLOAT32_TOLERANCE)

    def test_float64_steps_equal_microgpts_adamw_written_out(self):
        run = self.train("f64", "--batches", self.windows, *OPTIMIZER, "--dtype", "float64")
        got = [m["loss"] for m in metrics(run)]
        self.assertEqual(len(got), 5)
        for k, (a, b) in enumerate(zip(got, self.reference_losses())):
            self.assertLessEqual(abs(a - b), 1e-9, f"step {k + 1}: {a} vs {b}")

    def reference_losses(self) -> list[float]:
        """microgpt's training step in float64, by hand: mean loss, global-norm clip, nanoGPT's cosine, AdamW
        (p *= 1 - lr·wd on matrices, then Adam with bias correction)."""
        model = from_pretrained(SOURCE, dtype=torch.float64).train()
        params = list(model.parameters())
        moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
        tokens = TokenFile(self.tokens)
        self.addCleanup(tokens.close)
        with open(self.windows, encoding="utf-8") as handle:
            steps = [Step(s["T"], tuple(s["starts"]), (s["T"] + 1,) * 4) for s in json.load(handle)["steps"]]
        losses = []
        for k, step in enumerate(steps):
            x, y = step_tensors(tokens, step, range(4))
            loss = F.cross_entropy(model(x)[0].reshape(-1, 300), y.reshape(-1), ignore_index=-1)
            model.zero_grad()
            loss.backward()
            losses.append(float(loss))
            norm = math.sqrt(sum(float((p.grad**2).sum()) for p in params))
            scale = 1.0 / (norm + 1e-6) if norm > 1.0 else 1.0
            lr = 2e-3 * (k + 1) / 3 if k < 2 else 2e-4 + 0.5 * (1 + math.cos(math.pi * (k - 2) / 3)) * (2e-3 - 2e-4)
            with torch.no_grad():
                for p, (m, v) in zip(params, moments):
                    g = p.grad * scale
                    if p.dim() >= 2:
                        p.mul_(1 - lr * 0.1)
                    m.mul_(0.9).add_(0.1 * g)
                    v.mul_(0.95).add_(0.05 * g * g)
                    p.sub_(lr * (m / (1 - 0.9 ** (k + 1))) / (torch.sqrt(v / (1 - 0.95 ** (k + 1))) + 1e-8))
        return losses

    def test_seeded_windows_resume_like_a_batch_order_file(self):
        seeded = self.train("seeded", "--seed", "7", "--batch", "2", "--block-size", "16", "--val-fraction", "0.1", "--steps", "5", "--start-step", "2", *OPTIMIZER)
        steps = list(islice(seeded_stream_steps(7, self.count, 16, 2, 0.1), 5))[2:]
        listed = self.train("listed", "--batches", self.batch_file("seeded.json", 2, steps), "--steps", "5", "--start-step", "2", *OPTIMIZER)
        self.assertEqual(metrics(seeded), metrics(listed))
        self.assertEqual([m["step"] for m in metrics(seeded)], [3, 4, 5])

    def test_mistakes_are_one_error_line(self):
        folder = os.path.join(self.dir, "taken")
        os.makedirs(folder)
        open(os.path.join(folder, "model.safetensors"), "w").close()
        cases = [
            (["--out", folder], "already holds a model"),
            (["--out", os.path.join(self.dir, "x"), "--batch", "5"], "--batch 5 differs from"),
            (["--out", os.path.join(self.dir, "y"), "--steps", "9"], "has 5 steps; the run needs 9"),
            (["--out", os.path.join(self.dir, "z"), "--steps", "5", "--start-step", "5"], "--start-step 5 leaves nothing to do"),
            (["--out", os.path.join(self.dir, "w"), "--micro-batch", "0"], "--micro-batch must be ≥ 1"),
        ]
        for extra, words in cases:
            done = run_module("train", "--from", SOURCE, "--tokens", self.tokens, "--batches", self.windows, *extra)
            with self.subTest(words=words):
                self.assertEqual(done.returncode, 1)
                self.assertIn(words, done.stderr)
                self.assertTrue(done.stderr.startswith("error: "), done.stderr)
                self.assertNotIn("Traceback", done.stderr)


if __name__ == "__main__":
    unittest.main()
