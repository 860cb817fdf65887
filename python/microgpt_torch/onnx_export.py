"""The model of a Hugging Face GPT-2 folder as an ONNX graph with its KV cache as inputs and outputs, so that
ONNX Runtime generates one position per new token, as PyTorch's ``use_cache`` does.

    python -m microgpt_torch.onnx_export --model exported/ --out model.onnx

The graph (opset 17, float32) takes ``input_ids`` (int64, [batch, sequence]) and, per layer i,
``past_key_i`` / ``past_value_i`` (float32, [batch, n_head, past, head_dim]; past may be 0), and gives
``logits`` ([batch, sequence, vocab_size]) and ``present_key_i`` / ``present_value_i`` (the cache including
these positions). Position ids start at ``past``. Prints one JSON line: the file and the graph's names and sizes.
"""
from __future__ import annotations

import argparse
import json
import os
import warnings

import torch
from torch import nn

from .cli import run_main
from .errors import MicrogptTorchError
from .hf_folder import from_pretrained
from .model import GPT2LMHeadModel

#: The ONNX opset written: 17 has LayerNormalization; PyTorch 1.13 writes up to 17.
OPSET = 17


class CachedStep(nn.Module):
    """``model``'s forward with the cache flattened into tensors (ONNX inputs and outputs are flat)."""

    def __init__(self, model: GPT2LMHeadModel):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, *past_flat: torch.Tensor) -> tuple[torch.Tensor, ...]:
        past = [(past_flat[2 * i], past_flat[2 * i + 1]) for i in range(len(past_flat) // 2)]
        logits, presents = self.model(input_ids, past=past, use_cache=True)
        return (logits, *[t for kv in presents for t in kv])


def cache_names(n_layer: int, prefix: str) -> list[str]:
    """``{prefix}_key_0, {prefix}_value_0, …`` for every layer."""
    return [f"{prefix}_{part}_{i}" for i in range(n_layer) for part in ("key", "value")]


@torch.no_grad()
def export_onnx(model: GPT2LMHeadModel, path: str) -> dict[str, object]:
    """Writes ``model`` (float32) to ``path`` as the cached-step graph described above; returns what it wrote.

    Traced with a 2-token input after 3 cached positions, so that no size of the trace is mistaken for a
    constant of the graph (every size is a dynamic axis). Raises MicrogptTorchError when the file cannot be written.
    """
    config = model.config
    model = model.to(torch.float32).eval()
    past_names, present_names = cache_names(config.n_layer, "past"), cache_names(config.n_layer, "present")
    ids = torch.zeros((1, 2), dtype=torch.long)
    past = [torch.zeros((1, config.n_head, 3, config.head_dim)) for _ in past_names]
    axes: dict[str, dict[int, str]] = {"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}}
    axes.update({name: {0: "batch", 2: "past"} for name in past_names})
    axes.update({name: {0: "batch", 2: "total"} for name in present_names})
    try:
        with warnings.catch_warnings():
            # The forward's argument checks read sizes as Python numbers; the graph has no such checks.
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            torch.onnx.export(CachedStep(model), (ids, *past), path, input_names=["input_ids", *past_names], output_names=["logits", *present_names], dynamic_axes=axes, opset_version=OPSET)
    except OSError as error:
        raise MicrogptTorchError(f"--out {path}: cannot write ({error.strerror})") from None
    return {"out": path, "bytes": os.path.getsize(path), "opset": OPSET, "n_layer": config.n_layer, "n_head": config.n_head, "head_dim": config.head_dim, "vocab_size": config.vocab_size, "n_positions": config.n_positions, "inputs": ["input_ids", *past_names], "outputs": ["logits", *present_names]}


def main(argv: list[str] | None = None) -> None:
    """Runs the command line."""
    p = argparse.ArgumentParser(prog="python -m microgpt_torch.onnx_export", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="HF GPT-2 folder")
    p.add_argument("--out", required=True, help="the .onnx file to write")
    args = p.parse_args(argv)
    print(json.dumps(export_onnx(from_pretrained(args.model, torch.float32), args.out)))


if __name__ == "__main__":
    run_main(main)
