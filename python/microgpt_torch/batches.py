"""Which token windows each training step uses, so PyTorch trains on exactly the batches microgpt trains on.

A batch-order file (JSON) lists them; microgpt writes one beside its token file:

    {
      "format": "microgpt-batches", "version": 1,
      "batchSize": B,                          # sequences per step
      "tokenCount": N,                         # optional: the token file's id count, checked
      "steps": [
        {"T": 16, "starts": [s_1, …, s_B]},                      # B windows of T + 1 ids
        {"T": 12, "starts": [...], "lengths": [n_1, …, n_B]},    # windows of n_b ≤ T + 1 ids, padded
        …
      ]
    }

Sequence b of a step reads ``lengths[b]`` ids (default T + 1) from ``starts[b]``: x = ids[:-1], y = ids[1:],
padded to T with input 0 and target -1 (ignored), as microgpt's document loader pads. microgpt's stream
loader (random windows) can instead be replayed from its seed: ``seeded_stream_steps`` draws the same
windows with Python's ``random`` (microgpt's PythonRandom is CPython's generator bit for bit).
"""
from __future__ import annotations

import json
import math
import os
import random
from dataclasses import dataclass
from typing import Iterator

import torch

from .errors import MicrogptTorchError, describe
from .token_file import TokenFile

FORMAT = "microgpt-batches"
VERSION = 1


@dataclass(frozen=True)
class Step:
    """One step's B sequences: T, and per sequence its start and the number of ids it reads (≤ T + 1)."""

    T: int
    starts: tuple[int, ...]
    lengths: tuple[int, ...]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_batch_order(data: object, token_count: int, max_T: int, where: str = "batches.json") -> tuple[int, list[Step]]:
    """The batch size and steps of a parsed batch-order file, checked against a token file of
    ``token_count`` ids and a model of ``max_T`` positions.

    Raises MicrogptTorchError naming the field: a wrong format or version, a batch size that is not a positive
    integer, a step without B starts, T outside [1, max_T], a length outside [2, T + 1], a window past the
    end of the tokens, or a tokenCount that differs from the token file's.
    """
    def bad(field: str, expected: str, found: object) -> MicrogptTorchError:
        return MicrogptTorchError(f"{where}: {field} must be {expected}, found {describe(found)}")

    if not isinstance(data, dict):
        raise bad("the file", "a JSON object", data)
    if data.get("format") != FORMAT:
        raise bad("format", f'"{FORMAT}"', data.get("format"))
    if data.get("version") != VERSION:
        raise bad("version", str(VERSION), data.get("version"))
    B = data.get("batchSize")
    if not (_is_int(B) and B >= 1):
        raise bad("batchSize", "a positive integer", B)
    if "tokenCount" in data and data["tokenCount"] != token_count:
        raise bad("tokenCount", f"the token file's count {token_count} (is this the token file the batches were drawn from?)", data["tokenCount"])
    raw = data.get("steps")
    if not (isinstance(raw, list) and raw):
        raise bad("steps", "a non-empty array", raw)
    steps: list[Step] = []
    for k, step in enumerate(raw):
        at = f"steps[{k}]"
        if not isinstance(step, dict):
            raise bad(at, "an object {T, starts, lengths?}", step)
        T = step.get("T")
        if not (_is_int(T) and 1 <= T <= max_T):
            raise bad(f"{at}.T", f"an integer in [1, {max_T}] (the model's n_positions)", T)
        starts = step.get("starts")
        if not (isinstance(starts, list) and len(starts) == B and all(_is_int(s) and s >= 0 for s in starts)):
            raise bad(f"{at}.starts", f"{B} integers ≥ 0 (batchSize)", starts)
        lengths = step.get("lengths", [T + 1] * B)
        if not (isinstance(lengths, list) and len(lengths) == B and all(_is_int(n) and 2 <= n <= T + 1 for n in lengths)):
            raise bad(f"{at}.lengths", f"{B} integers in [2, {T + 1}]", lengths)
        for s, n in zip(starts, lengths):
            if s + n > token_count:
                raise bad(f"{at}.starts", f"windows inside the {token_count} ids of the token file", f"a window [{s}, {s + n})")
        steps.append(Step(T, tuple(starts), tuple(lengths)))
    return B, steps


def read_batch_order(path: str | os.PathLike, token_count: int, max_T: int) -> tuple[int, list[Step]]:
    """parse_batch_order of a file. Raises MicrogptTorchError when it cannot be read or is not JSON."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise MicrogptTorchError(f"{path}: cannot read the batch-order file ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MicrogptTorchError(f"{path}: not JSON ({error})") from None
    return parse_batch_order(data, token_count, max_T, str(path))


def batch_order_json(batch_size: int, steps: list[Step], token_count: int | None = None) -> dict[str, object]:
    """A batch-order file's JSON for ``steps`` (lengths left out when every window is T + 1 long)."""
    body: dict[str, object] = {"format": FORMAT, "version": VERSION, "batchSize": batch_size}
    if token_count is not None:
        body["tokenCount"] = token_count
    body["steps"] = [
        {"T": s.T, "starts": list(s.starts)} | ({} if all(n == s.T + 1 for n in s.lengths) else {"lengths": list(s.lengths)}) for s in steps
    ]
    return body


def seeded_stream_steps(seed: int, token_count: int, T: int, B: int, val_fraction: float = 0.0, skip: int = 0) -> Iterator[Step]:
    """microgpt's stream loader (nanoGPT's get_batch) with seed ``seed``: each step, B windows of T + 1 ids
    starting at randbelow(train_end - T), train_end = floor(token_count · (1 - val_fraction)). The first
    ``skip`` steps are drawn and dropped (a run resumed at step ``skip``).

    Raises MicrogptTorchError when the train split is shorter than one window.
    """
    train_end = math.floor(token_count * (1 - val_fraction))
    if train_end < T + 1:
        raise MicrogptTorchError(f"data: the train split has {train_end} tokens, fewer than one window of {T + 1} (T + 1)", hint="use more text or a smaller --block-size")
    rng = random.Random(seed)
    for _ in range(skip * B):
        rng.randrange(train_end - T)
    while True:
        yield Step(T, tuple(rng.randrange(train_end - T) for _ in range(B)), (T + 1,) * B)


def share(batch_size: int, world_size: int, rank: int) -> tuple[int, int]:
    """The contiguous rows [lo, hi) of a step's B sequences that ``rank`` of ``world_size`` trains on: the
    first B mod W ranks take one row more. Raises MicrogptTorchError when B < W (a rank would get none)."""
    if batch_size < world_size:
        raise MicrogptTorchError(f"batches: batchSize {batch_size} is smaller than the {world_size} processes; every process needs a sequence", hint="use fewer processes or a larger batch")
    base, extra = divmod(batch_size, world_size)
    lo = rank * base + min(rank, extra)
    return lo, lo + base + (1 if rank < extra else 0)


def step_tensors(tokens: TokenFile, step: Step, rows: range) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs x and targets y, both (len(rows), T) int64, of the given rows of ``step`` (padding: x 0, y -1)."""
    x = torch.zeros(len(rows), step.T, dtype=torch.int64)
    y = torch.full((len(rows), step.T), -1, dtype=torch.int64)
    for r, b in enumerate(rows):
        ids = tokens.window(step.starts[b], step.lengths[b])
        x[r, : len(ids) - 1] = ids[:-1]
        y[r, : len(ids) - 1] = ids[1:]
    return x, y


def target_count(step: Step) -> int:
    """Targets that count in a step (all positions but padding): the loss's denominator for the whole batch."""
    return sum(n - 1 for n in step.lengths)
