from __future__ import annotations

import json
import os
import unittest

from microgpt_torch.logits import float32_from_base64

from .helpers import FIXTURES, run_module


class LogitsCommand(unittest.TestCase):
    def test_prints_the_expected_files_results(self):
        with open(os.path.join(FIXTURES, "gpt2-tiny-gelu-untied-expected.json"), encoding="utf-8") as handle:
            data = json.load(handle)
        ids = [s["ids"] for s in data["sequences"][:2]]
        done = run_module("logits", "--model", os.path.join(FIXTURES, "gpt2-tiny-gelu-untied"), "--sequences", json.dumps(ids))
        self.assertEqual(done.returncode, 0, done.stderr)
        printed = json.loads(done.stdout)
        self.assertEqual((printed["format"], printed["dtype"]), ("microgpt-logits", "float64"))
        for got, want in zip(printed["sequences"], data["runs"][0]["results"]):
            self.assertLessEqual(float((float32_from_base64(got["logits"]) - float32_from_base64(want["logits"])).abs().max()), 1e-6)
            self.assertEqual(got["loss"], want["loss"])

    def test_mistakes_are_one_error_line(self):
        cases = [
            (["--model", os.path.join(FIXTURES, "gpt2-tiny"), "--sequences", "[[1, 2], []]"], "non-empty arrays of ids"),
            (["--model", os.path.join(FIXTURES, "gpt2-tiny"), "--sequences", "[[1, 300]]"], "ids must be in [0, 300)"),
            (["--model", FIXTURES, "--sequences", "[[1]]"], "config.json: not found"),
        ]
        for args, words in cases:
            done = run_module("logits", *args)
            with self.subTest(words=words):
                self.assertEqual(done.returncode, 1)
                self.assertTrue(done.stderr.startswith("error: "), done.stderr)
                self.assertIn(words, done.stderr)


class SampleCommand(unittest.TestCase):
    def test_a_folder_without_a_tokenizer_needs_ids_and_json(self):
        folder = os.path.join(FIXTURES, "gpt2-tiny-f16")
        done = run_module("sample", "--model", folder, "--prompt", "hi")
        self.assertEqual(done.returncode, 1)
        self.assertIn("has no tokenizer.json", done.stderr)
        done = run_module("sample", "--model", folder, "--ids", "5", "--json", "--max-new-tokens", "3", "--no-stop")
        self.assertEqual(done.returncode, 0, done.stderr)
        line = json.loads(done.stdout)
        self.assertEqual((line["prompt"], len(line["ids"]), line["text"]), ([299, 5], 3, None))


if __name__ == "__main__":
    unittest.main()
