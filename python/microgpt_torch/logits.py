"""The logits and next-token loss that this GPT-2 computes for token sequences, as JSON: the check that an
exported folder computes what microgpt computes.

    python -m microgpt_torch.logits --model exported/ --sequences '[[0, 5, 9], [3]]' --dtype float64

prints {"format": "microgpt-logits", "version": 1, "dtype": "float64", "sequences": [{"ids": [...],
"shape": [T, V], "logits": base64 of little-endian float32, row-major, "loss": mean next-token loss or null
for T = 1}, ...]} (float64 results are rounded to float32 only when written).
"""
from __future__ import annotations

import argparse
import base64
import json
import sys

import torch

from .cli import run_main
from .errors import MicrogptTorchError, describe
from .hf_folder import from_pretrained
from .model import GPT2LMHeadModel, next_token_loss
from .safetensors_io import tensor_bytes


def float32_base64(values: torch.Tensor) -> str:
    """Base64 of ``values`` as little-endian float32, row-major."""
    return base64.b64encode(tensor_bytes(values.to(torch.float32))).decode("ascii")


def float32_from_base64(text: str) -> torch.Tensor:
    """The float32 values of float32_base64's text, as a 1-D tensor."""
    raw = torch.frombuffer(bytearray(base64.b64decode(text)), dtype=torch.uint8)
    if sys.byteorder == "big":
        raw = raw.view(-1, 4).flip(1).reshape(-1)
    return raw.view(torch.float32).clone()


@torch.no_grad()
def score(model: GPT2LMHeadModel, sequences: list[list[int]]) -> list[dict[str, object]]:
    """Per sequence (each run alone, batch 1): its ids, the logits' shape [T, V] and base64, and the mean
    next-token cross-entropy (HF's loss for labels = input_ids; None when T = 1)."""
    device = next(model.parameters()).device
    out = []
    for ids in sequences:
        x = torch.tensor([ids], device=device)
        logits, _ = model(x)
        loss = float(next_token_loss(logits, x)) if len(ids) > 1 else None
        out.append({"ids": ids, "shape": list(logits.shape[1:]), "logits": float32_base64(logits[0]), "loss": loss})
    return out


def parse_sequences(text: str) -> list[list[int]]:
    """--sequences: a JSON array of arrays of ids. Raises MicrogptTorchError otherwise."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise MicrogptTorchError(f"--sequences: not JSON ({error})") from None
    if not (isinstance(data, list) and data and all(isinstance(s, list) and s and all(isinstance(i, int) and not isinstance(i, bool) for i in s) for s in data)):
        raise MicrogptTorchError(f"--sequences: expected a non-empty JSON array of non-empty arrays of ids, found {describe(data)}")
    return data


def main(argv: list[str] | None = None) -> None:
    """Runs the command line."""
    p = argparse.ArgumentParser(prog="python -m microgpt_torch.logits", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="HF GPT-2 folder")
    p.add_argument("--sequences", required=True, help="JSON array of id arrays, e.g. '[[1, 2, 3]]'")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float64")
    args = p.parse_args(argv)
    sequences = parse_sequences(args.sequences)
    model = from_pretrained(args.model, torch.float64 if args.dtype == "float64" else torch.float32)
    result = {"format": "microgpt-logits", "version": 1, "dtype": args.dtype, "sequences": score(model, sequences)}
    print(json.dumps(result))


if __name__ == "__main__":
    run_main(main)
