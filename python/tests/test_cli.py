from __future__ import annotations

import json
import os
import unittest

from microgpt_torch.logits import float32_from_base64

from .helpers import FIXTURES, TempDirTest, run_module


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


class OnnxExportCommand(TempDirTest):
    """The graph's numbers are checked in ONNX Runtime by tooling/bench's onnxruntime test (no onnxruntime here)."""

    def test_writes_the_cached_step_graph_and_describes_it(self):
        out = self.path("tiny.onnx")
        done = run_module("onnx_export", "--model", os.path.join(FIXTURES, "gpt2-tiny"), "--out", out)
        self.assertEqual(done.returncode, 0, done.stderr)
        printed = json.loads(done.stdout)
        self.assertEqual(printed["bytes"], os.path.getsize(out))
        self.assertEqual((printed["n_layer"], printed["n_head"], printed["head_dim"], printed["vocab_size"]), (2, 4, 8, 300))
        self.assertEqual(printed["inputs"], ["input_ids", "past_key_0", "past_value_0", "past_key_1", "past_value_1"])
        self.assertEqual(printed["outputs"], ["logits", "present_key_0", "present_value_0", "present_key_1", "present_value_1"])
        with open(out, "rb") as handle:
            graph = handle.read()
        for name in printed["inputs"] + printed["outputs"]:
            self.assertIn(name.encode(), graph)

    def test_an_unwritable_out_is_one_error_line(self):
        done = run_module("onnx_export", "--model", os.path.join(FIXTURES, "gpt2-tiny"), "--out", self.path("missing", "tiny.onnx"))
        self.assertEqual(done.returncode, 1)
        self.assertTrue(done.stderr.startswith("error: --out "), done.stderr)
        self.assertIn("cannot write", done.stderr)
