"""microgpt's optimizer, in PyTorch: its training settings (the same names and defaults as TrainSettings in
packages/model/src/train/settings.ts), its learning-rate schedules (the same formulas in the same order),
Adam or AdamW with weight decay on matrices and embeddings only (nanoGPT's configure_optimizers), and its
gradient clipping (the global norm, scaled by max / (norm + 1e-6) when above max)."""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, fields, replace
from typing import Callable

import torch

from .errors import MicrogptTorchError, describe


@dataclass(frozen=True)
class Settings:
    """The training settings that change what a step computes, with microgpt's defaults (microgpt.py's run)."""

    steps: int = 1000
    batch_size: int = 1
    optimizer: str = "adam"
    lr: float = 0.01
    min_lr: float = 0.0
    schedule: str = "linear"
    warmup_steps: int = 0
    beta1: float = 0.85
    beta2: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0
    clip: float = 0.0
    seed: int = 42
    val_fraction: float = 0.0
    dtype: str = "float32"

    def check(self) -> None:
        """Raises MicrogptTorchError naming the first bad field (microgpt's rules and messages)."""
        def bad(field: str, expected: str) -> MicrogptTorchError:
            return MicrogptTorchError(f"training: {field} must be {expected}, found {describe(getattr(self, field))}")

        for field, least in (("steps", 1), ("batch_size", 1), ("warmup_steps", 0), ("seed", 0)):
            value = getattr(self, field)
            if not (isinstance(value, int) and not isinstance(value, bool) and value >= least):
                raise bad(field, f"an integer ≥ {least}")
        for field in ("lr", "min_lr", "eps", "weight_decay", "clip"):
            value = getattr(self, field)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0):
                raise bad(field, "a finite number ≥ 0")
        for field in ("beta1", "beta2", "val_fraction"):
            value = getattr(self, field)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1):
                raise bad(field, "a number in [0, 1)")
        choices = {"optimizer": ("adam", "adamw"), "schedule": ("constant", "linear", "cosine"), "dtype": ("float32", "float64")}
        for field, allowed in choices.items():
            if getattr(self, field) not in allowed:
                raise bad(field, " or ".join(repr(a) for a in allowed))
        if self.min_lr > self.lr:
            raise bad("min_lr", f"at most lr ({self.lr})")
        if self.schedule == "cosine" and self.warmup_steps >= self.steps:
            raise bad("warmup_steps", f"less than steps ({self.steps})")


#: microgpt's TrainSettings names -> ours; the others it has (data, evalEvery, …) do not change a step.
_CAMEL = {"batchSize": "batch_size", "minLr": "min_lr", "warmupSteps": "warmup_steps", "weightDecay": "weight_decay", "valFraction": "val_fraction"}
_OTHER_MICROGPT = {"data", "evalEvery", "evalBatches", "ckptEvery"}


def settings_from_json(data: object, where: str) -> tuple[Settings, int]:
    """Settings from microgpt's JSON: a TrainSettings object, or a trainer_state.json ({step, settings, …}),
    whose step is returned as the step to continue from (0 for plain settings).

    Raises MicrogptTorchError naming ``where`` for an unknown field or a bad value.
    """
    step = 0
    if isinstance(data, dict) and isinstance(data.get("settings"), dict):
        step = data.get("step", 0)
        if not (isinstance(step, int) and not isinstance(step, bool) and step >= 0):
            raise MicrogptTorchError(f"{where}: step must be an integer ≥ 0, found {describe(step)}")
        data = data["settings"]
    if not isinstance(data, dict):
        raise MicrogptTorchError(f"{where}: expected microgpt's training settings (a JSON object), found {describe(data)}")
    ours = {f.name for f in fields(Settings)}
    values = {}
    for key, value in data.items():
        name = _CAMEL.get(key, key)
        if name in ours:
            values[name] = value
        elif key not in _OTHER_MICROGPT:
            raise MicrogptTorchError(f"{where}: unknown training setting '{key}'")
    settings = Settings(**values)
    try:
        settings.check()
    except MicrogptTorchError as error:
        raise MicrogptTorchError(f"{where}: {error}") from None
    return settings, step


def read_settings(path: str | os.PathLike) -> tuple[Settings, int]:
    """settings_from_json of a file. Raises MicrogptTorchError when it cannot be read or is not JSON."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise MicrogptTorchError(f"{path}: cannot read the settings file ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MicrogptTorchError(f"{path}: not JSON ({error})") from None
    return settings_from_json(data, str(path))


def with_overrides(settings: Settings, **overrides: object) -> Settings:
    """``settings`` with the overrides that are not None, checked."""
    result = replace(settings, **{k: v for k, v in overrides.items() if v is not None})
    result.check()
    return result


def schedule(settings: Settings) -> Callable[[int], float]:
    """The learning rate of each 0-based step: constant; linear, lr → min_lr at ``steps`` (microgpt.py's
    decay); or cosine, nanoGPT's get_lr (linear warmup, cosine to min_lr at ``steps``)."""
    s = settings
    if s.schedule == "constant":
        return lambda step: s.lr
    if s.schedule == "linear":
        return lambda step: s.min_lr if step >= s.steps else s.min_lr + (s.lr - s.min_lr) * (1 - step / s.steps)

    def cosine(step: int) -> float:
        if step < s.warmup_steps:
            return (s.lr * (step + 1)) / (s.warmup_steps + 1)
        if step > s.steps:
            return s.min_lr
        ratio = (step - s.warmup_steps) / (s.steps - s.warmup_steps)
        return s.min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (s.lr - s.min_lr)

    return cosine


def make_optimizer(model: torch.nn.Module, settings: Settings) -> torch.optim.Optimizer:
    """Adam (no weight decay, as microgpt's adam) or AdamW with ``weight_decay`` on the parameters of 2+
    dimensions (matrices and embeddings) and none on biases and LayerNorm gains."""
    params = list(model.parameters())  # shared (tied) parameters appear once
    decay = [p for p in params if p.dim() >= 2]
    rest = [p for p in params if p.dim() < 2]
    betas = (settings.beta1, settings.beta2)
    if settings.optimizer == "adam":
        return torch.optim.Adam([{"params": decay}, {"params": rest}], lr=settings.lr, betas=betas, eps=settings.eps, weight_decay=0.0)
    groups = [{"params": decay, "weight_decay": settings.weight_decay}, {"params": rest, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=settings.lr, betas=betas, eps=settings.eps)


def clip_grad_norm(params: list[torch.nn.Parameter], max_norm: float) -> float:
    """The global L2 norm of the gradients (each gradient's Σg² in its dtype, summed across them in float64),
    scaling all of them by max_norm / (norm + 1e-6) when the norm exceeds max_norm > 0; a non-finite norm
    scales nothing."""
    grads = [p.grad for p in params if p.grad is not None]
    norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
    if max_norm > 0 and math.isfinite(norm) and norm > max_norm:
        scale = max_norm / (norm + 1e-6)
        for g in grads:
            g.mul_(scale)
    return norm
