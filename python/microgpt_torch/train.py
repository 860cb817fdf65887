"""Continue training an exported microgpt model (an HF GPT-2 folder) with PyTorch DDP, on microgpt's token
file and batch order, and save an HF folder back.

    torchrun --standalone --nproc_per_node 2 -m microgpt_torch.train \\
        --from exported/ --tokens data.tok --batches batches.json --out trained/

Each step's B sequences are split into contiguous shares, one per process. Each process's loss is the sum
of its token losses divided by the step's total target count, times the world size; DDP averages gradients
over processes, so every process holds exactly the gradient of the whole batch's mean loss (for any split
and any padding), up to float rounding. The reported loss is the all-reduced sum over the total count.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

from . import distributed
from .batches import Step, read_batch_order, seeded_stream_steps, share, step_tensors, target_count
from .cli import run_main
from .errors import MicrogptTorchError
from .hf_folder import SAVE_DTYPES, WEIGHTS_FILE, from_pretrained, save_pretrained
from .optim import Settings, clip_grad_norm, make_optimizer, read_settings, schedule, with_overrides
from .token_file import TokenFile


def parser() -> argparse.ArgumentParser:
    """The command line (flag names follow microgpt's CLI; unset flags keep --settings' or microgpt's defaults)."""
    p = argparse.ArgumentParser(prog="python -m microgpt_torch.train", description=__doc__.split("\n\n")[0])
    p.add_argument("--from", dest="source", required=True, help="HF GPT-2 folder to start from (microgpt's export)")
    p.add_argument("--tokens", required=True, help="microgpt token file (MGPTTOK)")
    p.add_argument("--batches", help="batch-order JSON: the exact windows of every step (else: microgpt's random windows from --seed)")
    p.add_argument("--out", required=True, help="HF folder to write at the end")
    p.add_argument("--overwrite", action="store_true", help="replace a model already in --out")
    p.add_argument("--settings", help="microgpt's training settings JSON, or a checkpoint's trainer_state.json")
    p.add_argument("--steps", type=int, help="total steps of the schedule (the run takes steps - start-step)")
    p.add_argument("--start-step", type=int, help="step to continue from (default: trainer_state.json's, else 0)")
    p.add_argument("--batch", type=int, dest="batch_size", help="sequences a step (all processes together)")
    p.add_argument("--block-size", type=int, help="window length with --seed batches (default: n_positions)")
    p.add_argument("--micro-batch", type=int, help="sequences per forward pass on a process (gradient accumulation)")
    p.add_argument("--optimizer", choices=("adam", "adamw"))
    p.add_argument("--lr", type=float)
    p.add_argument("--min-lr", type=float)
    p.add_argument("--schedule", choices=("constant", "linear", "cosine"))
    p.add_argument("--warmup-steps", type=int)
    p.add_argument("--beta1", type=float)
    p.add_argument("--beta2", type=float)
    p.add_argument("--eps", type=float)
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--clip", type=float, help="max global gradient norm (0: no clipping)")
    p.add_argument("--seed", type=int, help="seed of microgpt's random windows and of dropout")
    p.add_argument("--val-fraction", type=float, help="held-out share at the end of the tokens (random windows skip it)")
    p.add_argument("--dtype", choices=("float32", "float64"), help="parameters and activations")
    p.add_argument("--save-dtype", choices=tuple(SAVE_DTYPES), default="float32", help="dtype of the saved weights")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--log", help="JSON lines, one per step (default: OUT/metrics.jsonl)")
    p.add_argument("--log-every", type=int, default=10, help="steps between progress lines on stderr")
    return p


def resolve_settings(args: argparse.Namespace) -> tuple[Settings, int]:
    """The settings (--settings' or microgpt's defaults, then the flags) and the step to start from."""
    base, saved_step = read_settings(args.settings) if args.settings else (Settings(), 0)
    flags = {name: getattr(args, name) for name in ("steps", "batch_size", "optimizer", "lr", "min_lr", "schedule", "warmup_steps",
                                                    "beta1", "beta2", "eps", "weight_decay", "clip", "seed", "val_fraction", "dtype")}
    start = args.start_step if args.start_step is not None else saved_step
    if start < 0:
        raise MicrogptTorchError(f"--start-step must be ≥ 0, found {start}")
    return with_overrides(base, **flags), start


def plan_batches(args: argparse.Namespace, settings: Settings, start: int, tokens: TokenFile, n_positions: int):
    """The step iterator, the batch size and the settings (steps filled in from a batch-order file).
    Raises MicrogptTorchError when the file and the settings disagree or the file is too short."""
    if args.batches is None:
        T = args.block_size or n_positions
        if not 1 <= T <= n_positions:
            raise MicrogptTorchError(f"--block-size must be in [1, {n_positions}] (n_positions), found {T}")
        return seeded_stream_steps(settings.seed, len(tokens), T, settings.batch_size, settings.val_fraction, skip=start), settings
    if args.block_size is not None:
        raise MicrogptTorchError("--block-size applies to --seed batches only; a batch-order file gives each step's T")
    B, steps = read_batch_order(args.batches, len(tokens), n_positions)
    if args.batch_size is not None and args.batch_size != B:
        raise MicrogptTorchError(f"--batch {args.batch_size} differs from {args.batches}'s batchSize {B}")
    if args.steps is None and args.settings is None:
        settings = with_overrides(settings, steps=start + len(steps))
    settings = with_overrides(settings, batch_size=B)
    if settings.steps - start > len(steps):
        raise MicrogptTorchError(f"{args.batches}: has {len(steps)} steps; the run needs {settings.steps - start} (steps {settings.steps} - start {start})")
    return iter(steps), settings


def check_out(args: argparse.Namespace) -> None:
    """Refuses to replace a model in --out without --overwrite (before any training is spent)."""
    if not args.overwrite and os.path.exists(os.path.join(args.out, WEIGHTS_FILE)):
        raise MicrogptTorchError(f"{args.out}: already holds a model", hint="pass --overwrite to replace it, or choose another --out")


def train_step(ddp: torch.nn.Module, world: distributed.World, x: torch.Tensor, y: torch.Tensor, count: int, micro: int, V: int) -> float:
    """Forward and backward of this process's rows (in chunks of ``micro`` rows, synchronizing gradients on
    the last) for a step with ``count`` targets in all; returns this process's sum of token losses."""
    chunks = list(zip(x.split(micro), y.split(micro)))
    total = 0.0
    for k, (xc, yc) in enumerate(chunks):
        sync = not world.grouped or k == len(chunks) - 1
        with contextlib.nullcontext() if sync else ddp.no_sync():
            logits, _ = ddp(xc)
            nll = F.cross_entropy(logits.reshape(-1, V), yc.reshape(-1), ignore_index=-1, reduction="sum")
            (nll * (world.size / count)).backward()
        total += float(nll.detach())
    return total


def main(argv: list[str] | None = None) -> None:
    """Runs the command line (on every process torchrun starts)."""
    args = parser().parse_args(argv)
    if args.log_every < 1:
        raise MicrogptTorchError(f"--log-every must be ≥ 1, found {args.log_every}")
    check_out(args)
    settings, start = resolve_settings(args)
    world = distributed.start(args.device)
    try:
        run(args, settings, start, world)
    finally:
        distributed.stop(world)


def run(args: argparse.Namespace, settings: Settings, start: int, world: distributed.World) -> None:
    """The training run of one process."""
    dtype = torch.float64 if settings.dtype == "float64" else torch.float32
    model = from_pretrained(args.source, dtype=dtype, device=world.device)
    config = model.config
    tokens = TokenFile(args.tokens)
    if tokens.header.vocab_size > config.vocab_size:
        raise MicrogptTorchError(f"{args.tokens}: ids go up to {tokens.header.vocab_size - 1}, but the model's vocab_size is {config.vocab_size}")
    batches, settings = plan_batches(args, settings, start, tokens, config.n_positions)
    if start >= settings.steps:
        raise MicrogptTorchError(f"--start-step {start} leaves nothing to do: the schedule has {settings.steps} steps", hint="raise --steps")
    lo, hi = share(settings.batch_size, world.size, world.rank)
    micro = hi - lo if args.micro_batch is None else args.micro_batch
    if micro < 1:
        raise MicrogptTorchError(f"--micro-batch must be ≥ 1, found {micro}")
    torch.manual_seed(settings.seed + world.rank)  # dropout masks (none unless the config has *_pdrop > 0)
    dropout = max(config.embd_pdrop, config.resid_pdrop, config.attn_pdrop)
    model.train()
    ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=[world.device.index] if world.device.type == "cuda" else None) if world.grouped else model
    optimizer = make_optimizer(model, settings)
    lr_at = schedule(settings)
    params = list(model.parameters())
    log = None
    if world.is_main:
        os.makedirs(args.out, exist_ok=True)
        log = open(args.log or os.path.join(args.out, "metrics.jsonl"), "w", encoding="utf-8")
        if dropout > 0:
            print(f"note: the config has dropout {dropout}; losses will not match microgpt's step for step", file=sys.stderr)
        print(f"training {settings.steps - start} steps on {world.size} process(es), {settings.batch_size} sequences a step, device {world.device}", file=sys.stderr)
    began = time.perf_counter()
    for step in range(start, settings.steps):
        batch: Step = next(batches)
        count = target_count(batch)
        x, y = (t.to(world.device) for t in step_tensors(tokens, batch, range(lo, hi)))
        loss = distributed.all_sum(world, train_step(ddp, world, x, y, count, micro, config.vocab_size)) / count
        norm = clip_grad_norm(params, settings.clip)
        if not distributed.all_ok(world, math.isfinite(loss) and math.isfinite(norm)):
            raise MicrogptTorchError(f"step {step + 1}: the loss or gradient norm is not finite (loss {loss}, norm {norm})", hint="lower --lr or set --clip")
        lr = lr_at(step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if log is not None:
            log.write(json.dumps({"step": step + 1, "loss": loss, "lr": lr, "tokens": count, "gradNorm": norm}) + "\n")
            log.flush()
            if (step + 1 - start) % args.log_every == 0 or step + 1 == settings.steps:
                print(f"step {step + 1}/{settings.steps} loss {loss:.4f} lr {lr:.3g} ({time.perf_counter() - began:.1f}s)", file=sys.stderr)
    tokens.close()
    if log is not None:
        log.close()
        save_pretrained(model, args.out, args.save_dtype, copy_from=args.source)
        print(f"saved {args.out}", file=sys.stderr)


if __name__ == "__main__":
    run_main(main)
