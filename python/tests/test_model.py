from __future__ import annotations

import json
import os
import shutil
import unittest

import torch

from microgpt_torch import GPT2Config, GPT2LMHeadModel, MicrogptTorchError, from_pretrained, load_safetensors, next_token_loss, read_config, save_pretrained
from microgpt_torch.logits import float32_from_base64, score
from microgpt_torch.safetensors_io import save_safetensors

from . import reference_gpt2
from .helpers import FIXTURES, TempDirTest

try:
    import transformers
except ImportError:
    transformers = None

EXPECTED = ("gpt2-tiny-expected.json", "gpt2-tiny-gelu-untied-expected.json")


def expected(name: str) -> dict:
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return json.load(handle)


class FixtureLogits(unittest.TestCase):
    """The committed fixtures are what this code computes, and that is what GPT-2's equations give."""

    def test_every_run_of_the_expected_files_is_reproduced(self):
        for name in EXPECTED:
            data = expected(name)
            ids = [s["ids"] for s in data["sequences"]]
            for run in data["runs"]:
                dtype = getattr(torch, run["dtype"])
                results = score(from_pretrained(os.path.join(FIXTURES, run["folder"]), dtype=dtype), ids)
                # float64 results were rounded to float32 when written; float32 ones may differ in summation order elsewhere.
                tolerance = 1e-6 if dtype == torch.float64 else 2e-5
                for got, want, seq in zip(results, run["results"], data["sequences"]):
                    with self.subTest(file=name, folder=run["folder"], dtype=run["dtype"], sequence=seq["name"]):
                        diff = (float32_from_base64(got["logits"]) - float32_from_base64(want["logits"])).abs().max()
                        self.assertLessEqual(float(diff), tolerance)
                        self.assertEqual(got["shape"], [len(seq["ids"]), read_config(os.path.join(FIXTURES, run["folder"])).vocab_size])
                        if want["loss"] is None:
                            self.assertIsNone(got["loss"])
                        else:
                            self.assertAlmostEqual(got["loss"], want["loss"], delta=tolerance)

    def test_the_model_computes_gpt2s_equations(self):
        for folder in ("gpt2-tiny", "gpt2-tiny-gelu-untied"):
            path = os.path.join(FIXTURES, folder)
            with open(os.path.join(path, "config.json"), encoding="utf-8") as handle:
                config = json.load(handle)
            weights, _ = load_safetensors(os.path.join(path, "model.safetensors"))
            model = from_pretrained(path, dtype=torch.float64)
            for ids in ([5], list(range(0, 280, 7)), [int(i) for i in torch.randint(0, 300, (64,), generator=torch.Generator().manual_seed(3))]):
                with self.subTest(folder=folder, T=len(ids)):
                    want = reference_gpt2.forward(weights, config, ids)
                    got = model(torch.tensor([ids]))[0][0]
                    self.assertLess(float((got - want).abs().max()), 1e-10)

    def test_the_fixture_logits_are_not_trivial(self):
        data = expected("gpt2-tiny-expected.json")
        logits = float32_from_base64(data["runs"][0]["results"][3]["logits"])
        self.assertGreater(float(logits.std()), 0.5)  # far from an init's near-zero logits
        self.assertLess(data["observed"]["maxAbsDiffFloat32VsFloat64"], 1e-4)

    def test_an_independent_gpt2_computes_the_same_logits_for_a_batch(self):
        """transformers' own GPT2LMHeadModel when it is installed; without it (it is optional), GPT-2's equations
        written out separately (tests/reference_gpt2.py), one row of the batch at a time. Never skipped."""
        for folder in ("gpt2-tiny", "gpt2-tiny-gelu-untied"):
            path = os.path.join(FIXTURES, folder)
            ours = from_pretrained(path, dtype=torch.float64)
            ids = torch.randint(0, 300, (2, 64), generator=torch.Generator().manual_seed(4))
            with torch.no_grad():
                got = ours(ids)[0]
                if transformers is not None:
                    against = "transformers"
                    want = transformers.GPT2LMHeadModel.from_pretrained(path, torch_dtype=torch.float64).eval()(ids).logits
                else:
                    against = "reference_gpt2"
                    with open(os.path.join(path, "config.json"), encoding="utf-8") as handle:
                        config = json.load(handle)
                    weights, _ = load_safetensors(os.path.join(path, "model.safetensors"))
                    want = torch.stack([reference_gpt2.forward(weights, config, row.tolist()) for row in ids])
            with self.subTest(folder=folder, against=against):
                self.assertEqual(tuple(got.shape), (2, 64, 300))
                self.assertLess(float((got - want).abs().max()), 1e-10)


def tiny_config(**overrides) -> GPT2Config:
    base = dict(vocab_size=40, n_positions=12, n_embd=8, n_layer=2, n_head=2, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=39, eos_token_id=39)
    return GPT2Config(**{**base, **overrides})


HF_NAMES = [
    "transformer.wte.weight", "transformer.wpe.weight", "transformer.ln_f.weight", "transformer.ln_f.bias",
    *[f"transformer.h.{i}.{part}" for i in range(2) for part in (
        "ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight", "attn.c_proj.bias",
        "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias")],
]


class SaveLoad(TempDirTest):
    def test_tied_and_untied_folders_hold_hfs_names_and_layout(self):
        for tied in (True, False):
            with self.subTest(tied=tied):
                model = GPT2LMHeadModel(tiny_config(tie_word_embeddings=tied))
                folder = self.path(f"tied-{tied}")
                save_pretrained(model, folder)
                tensors, metadata = load_safetensors(os.path.join(folder, "model.safetensors"))
                self.assertEqual(metadata, {"format": "pt"})
                self.assertEqual(sorted(tensors), sorted(HF_NAMES + ([] if tied else ["lm_head.weight"])))
                self.assertEqual(list(tensors["transformer.h.0.attn.c_attn.weight"].shape), [8, 24])  # Conv1D: [in, out]
                self.assertEqual(list(tensors["transformer.h.1.mlp.c_fc.weight"].shape), [8, 32])
                with open(os.path.join(folder, "config.json"), encoding="utf-8") as handle:
                    config = json.load(handle)
                self.assertEqual((config["model_type"], config["architectures"], config["tie_word_embeddings"]), ("gpt2", ["GPT2LMHeadModel"], tied))
                self.assertEqual(read_config(folder), model.config)
                again = from_pretrained(folder)
                for name, t in model.state_dict().items():
                    self.assertTrue(torch.equal(again.state_dict()[name], t), name)
                self.assertEqual(again.lm_head.weight is again.transformer.wte.weight, tied)

    def test_half_precision_folders_hold_the_rounded_weights(self):
        model = GPT2LMHeadModel(tiny_config())
        for dtype in ("float16", "bfloat16"):
            save_pretrained(model, self.path(dtype), dtype)
            loaded = from_pretrained(self.path(dtype))
            rounded = model.transformer.wte.weight.to(getattr(torch, dtype)).float()
            self.assertTrue(torch.equal(loaded.transformer.wte.weight, rounded), dtype)
            self.assertEqual(read_config(self.path(dtype)).n_embd, 8)

    def test_openai_layout_without_prefix_and_with_mask_buffers_loads(self):
        model = GPT2LMHeadModel(tiny_config())
        save_pretrained(model, self.path("hf"))
        tensors, _ = load_safetensors(self.path("hf", "model.safetensors"))
        hub = {name.removeprefix("transformer."): t for name, t in tensors.items()}
        hub["h.0.attn.bias"] = torch.ones(1, 1, 12, 12)
        hub["h.1.attn.masked_bias"] = torch.tensor(-1e4)
        save_safetensors(self.path("hf", "model.safetensors"), hub, {"format": "pt"})
        ids = torch.tensor([[1, 2, 3]])
        self.assertTrue(torch.equal(from_pretrained(self.path("hf"))(ids)[0], model.eval()(ids)[0]))

    def test_bad_folders_are_named(self):
        model = GPT2LMHeadModel(tiny_config())
        save_pretrained(model, self.path("ok"))
        weights = self.path("ok", "model.safetensors")
        tensors, _ = load_safetensors(weights)

        def refused(change, *words):
            folder = self.path("bad")
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(self.path("ok"), folder)
            change(folder)
            with self.assertRaises(MicrogptTorchError) as caught:
                from_pretrained(folder)
            for word in words:
                self.assertIn(word, str(caught.exception))

        def rewrite(folder, table):
            save_safetensors(os.path.join(folder, "model.safetensors"), table, {"format": "pt"})

        def edit_config(folder, **fields):
            path = os.path.join(folder, "config.json")
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
            data.update(fields)
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(data, handle)

        refused(lambda f: rewrite(f, {k: v for k, v in tensors.items() if k != "transformer.ln_f.bias"}), "missing tensor 'transformer.ln_f.bias'")
        refused(lambda f: rewrite(f, {**tensors, "transformer.wpe.weight": torch.zeros(11, 8)}), "'transformer.wpe.weight'", "[11, 8]", "[12, 8]")
        refused(lambda f: rewrite(f, {**tensors, "lm_head.weight": torch.zeros(40, 8)}), "lm_head.weight differs")
        refused(lambda f: rewrite(f, {**tensors, "transformer.h.0.attn.q_attn.weight": torch.zeros(8, 8)}), "unexpected tensor 'transformer.h.0.attn.q_attn.weight'")
        refused(lambda f: edit_config(f, tie_word_embeddings=False), "missing tensor 'lm_head.weight'")
        refused(lambda f: edit_config(f, model_type="llama"), "config.json", "model_type")
        refused(lambda f: edit_config(f, n_head=3), "n_embd (8) must be divisible by n_head (3)")
        refused(lambda f: edit_config(f, activation_function="gelu_10"), "activation_function")
        refused(lambda f: os.remove(os.path.join(f, "config.json")), "config.json: not found")


class Cache(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.model = GPT2LMHeadModel(tiny_config(initializer_range=0.5)).double().eval()

    def test_feeding_one_position_at_a_time_gives_the_full_passes_logits(self):
        ids = torch.randint(0, 40, (2, 12))
        full, _ = self.model(ids)
        logits, cache = self.model(ids[:, :5], use_cache=True)
        parts = [logits]
        for t in range(5, 12):
            logits, cache = self.model(ids[:, t : t + 1], past=cache, use_cache=True)
            parts.append(logits)
        self.assertLess(float((torch.cat(parts, dim=1) - full).abs().max()), 1e-12)
        self.assertEqual(cache[0][0].shape, (2, 2, 12, 4))

    def test_greedy_generation_equals_recomputing_the_window_each_step(self):
        from microgpt_torch.generate import generate

        window, keep = 12, 6
        for new in (5, 30):  # inside the window, then sliding past it several times
            prompt = [3, 1, 4]
            got = generate(self.model, prompt, new, temperature=0)
            cached, want = list(prompt), []
            for _ in range(new):
                token = int(self.model(torch.tensor([cached]))[0][0, -1].argmax())
                want.append(token)
                cached = cached + [token] if len(cached) < window else (cached + [token])[-keep:]
            self.assertEqual(got, want)

    def test_generation_stops_after_the_stop_id_and_samples_reproducibly(self):
        from microgpt_torch.generate import generate

        a = generate(self.model, [1], 20, temperature=1.0, generator=torch.Generator().manual_seed(5))
        b = generate(self.model, [1], 20, temperature=1.0, generator=torch.Generator().manual_seed(5))
        self.assertEqual(a, b)
        stop = a[3]
        self.assertEqual(generate(self.model, [1], 20, temperature=1.0, generator=torch.Generator().manual_seed(5), stop_id=stop)[-1], stop)
        top1 = generate(self.model, [1], 10, temperature=1.0, top_k=1, generator=torch.Generator().manual_seed(9))
        self.assertEqual(top1, generate(self.model, [1], 10, temperature=0))

    def test_positions_and_ids_out_of_range_are_refused(self):
        with self.assertRaisesRegex(MicrogptTorchError, "exceed n_positions 12"):
            self.model(torch.zeros(1, 13, dtype=torch.long))
        with self.assertRaisesRegex(MicrogptTorchError, r"ids must be in \[0, 40\)"):
            self.model(torch.tensor([[40]]))

    def test_hf_loss_is_the_mean_next_token_cross_entropy(self):
        ids = torch.tensor([[1, 2, 3, 4]])
        logits, _ = self.model(ids)
        logp = torch.log_softmax(logits[0], dim=-1)
        want = -(logp[0, 2] + logp[1, 3] + logp[2, 4]) / 3
        self.assertAlmostEqual(float(next_token_loss(logits, ids)), float(want), places=12)


if __name__ == "__main__":
    unittest.main()
