from __future__ import annotations

import json
import unittest

import torch

from microgpt_torch import GPT2Config, GPT2LMHeadModel, MicrogptTorchError
from microgpt_torch.optim import Settings, clip_grad_norm, make_optimizer, schedule, settings_from_json, with_overrides

# microgpt's scheduleOf at steps 0, 5, 9, 10, 11, 50, 99, 100, 101: cosine (steps 100, warmup 10, lr 1e-3, minLr
# 1e-4) and linear (steps 100, lr 1e-2, minLr 1e-3).
MICROGPT_SCHEDULES = [[0.00009090909090909092, 0.010000000000000002], [0.0005454545454545455, 0.00955], [0.0009090909090909091, 0.00919], [0.001, 0.0091], [0.000999725872158593, 0.00901], [0.0006281416799501188, 0.0055000000000000005], [0.00010027412784140692, 0.00109], [0.0001, 0.001], [0.0001, 0.001]]


class Schedules(unittest.TestCase):
    def test_equal_microgpts(self):
        cosine = schedule(Settings(steps=100, schedule="cosine", warmup_steps=10, lr=1e-3, min_lr=1e-4))
        linear = schedule(Settings(steps=100, schedule="linear", lr=1e-2, min_lr=1e-3))
        for step, (c, l) in zip([0, 5, 9, 10, 11, 50, 99, 100, 101], MICROGPT_SCHEDULES):
            self.assertAlmostEqual(cosine(step), c, delta=1e-18)  # C's and V8's cos may differ in the last bit
            self.assertEqual(linear(step), l)
        self.assertEqual(schedule(Settings(schedule="constant", lr=0.5))(1000), 0.5)


class Optimizers(unittest.TestCase):
    def model(self, tied: bool) -> GPT2LMHeadModel:
        return GPT2LMHeadModel(GPT2Config(vocab_size=10, n_positions=4, n_embd=4, n_layer=1, n_head=1, tie_word_embeddings=tied, bos_token_id=None, eos_token_id=None))

    def test_weight_decay_falls_on_matrices_and_embeddings_only(self):
        for tied in (True, False):
            model = self.model(tied)
            optimizer = make_optimizer(model, Settings(optimizer="adamw", weight_decay=0.1, beta1=0.9, beta2=0.95, eps=1e-6))
            self.assertIsInstance(optimizer, torch.optim.AdamW)
            decay, rest = optimizer.param_groups
            names = {id(p): n for n, p in model.named_parameters()}
            self.assertEqual(sorted(names[id(p)] for p in decay["params"]), sorted(
                ["transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_proj.weight",
                 "transformer.h.0.mlp.c_fc.weight", "transformer.h.0.mlp.c_proj.weight"] + ([] if tied else ["lm_head.weight"])))
            self.assertEqual((decay["weight_decay"], rest["weight_decay"], decay["betas"], decay["eps"]), (0.1, 0.0, (0.9, 0.95), 1e-6))
            self.assertTrue(all(p.dim() == 1 for p in rest["params"]))

    def test_adam_has_no_weight_decay(self):
        optimizer = make_optimizer(self.model(True), Settings())
        self.assertIsInstance(optimizer, torch.optim.Adam)
        self.assertEqual([g["weight_decay"] for g in optimizer.param_groups], [0.0, 0.0])
        self.assertEqual(optimizer.param_groups[0]["betas"], (0.85, 0.99))

    def test_clipping_scales_every_gradient_by_max_over_norm(self):
        a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))
        a.grad, b.grad = torch.tensor([3.0, 0.0]), torch.tensor([4.0])
        self.assertEqual(clip_grad_norm([a, b], 10.0), 5.0)
        self.assertEqual(a.grad.tolist(), [3.0, 0.0])
        self.assertEqual(clip_grad_norm([a, b], 1.0), 5.0)
        self.assertAlmostEqual(float(b.grad[0]), 4.0 / (5.0 + 1e-6), places=6)
        before = b.grad.clone()
        self.assertAlmostEqual(clip_grad_norm([a, b], 0.0), 1.0, places=5)  # max 0: measured, not clipped
        self.assertTrue(torch.equal(b.grad, before))


class SettingsFiles(unittest.TestCase):
    def test_microgpt_settings_and_trainer_state(self):
        microgpt = {"steps": 2000, "batchSize": 12, "data": "stream", "valFraction": 0.1, "optimizer": "adamw", "lr": 1e-3, "minLr": 1e-4,
                    "schedule": "cosine", "warmupSteps": 100, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8, "weightDecay": 0.1, "clip": 1,
                    "evalEvery": 250, "evalBatches": 20, "ckptEvery": 0, "seed": 42, "dtype": "float32"}
        settings, step = settings_from_json(json.loads(json.dumps(microgpt)), "s.json")
        self.assertEqual((settings.batch_size, settings.warmup_steps, settings.weight_decay, settings.min_lr, step), (12, 100, 0.1, 1e-4, 0))
        _, step = settings_from_json({"step": 700, "settings": microgpt, "loader": None, "history": {}}, "trainer_state.json")
        self.assertEqual(step, 700)

    def test_refusals(self):
        with self.assertRaisesRegex(MicrogptTorchError, "s.json: unknown training setting 'learningRate'"):
            settings_from_json({"learningRate": 1}, "s.json")
        with self.assertRaisesRegex(MicrogptTorchError, "s.json: training: beta2 must be a number in"):
            settings_from_json({"beta2": 1.0}, "s.json")
        with self.assertRaisesRegex(MicrogptTorchError, r"warmup_steps must be less than steps \(10\)"):
            with_overrides(Settings(), steps=10, schedule="cosine", warmup_steps=10)
        with self.assertRaisesRegex(MicrogptTorchError, r"min_lr must be at most lr"):
            with_overrides(Settings(), min_lr=1.0)


if __name__ == "__main__":
    unittest.main()
