"""Sample text from an HF GPT-2 folder (an export of microgpt, or what train.py saved), with the KV cache:

    python -m microgpt_torch.sample --model trained/ --prompt "ROMEO:" --max-new-tokens 200 --temperature 0.8
"""
from __future__ import annotations

import argparse
import json
import os

import torch

from .cli import parse_ids, run_main
from .errors import MicrogptTorchError
from .generate import generate
from .hf_folder import from_pretrained
from .tokenizer import load_tokenizer


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="python -m microgpt_torch.sample", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="HF GPT-2 folder")
    prompt = p.add_mutually_exclusive_group()
    prompt.add_argument("--prompt", help="text to continue (encoded with the folder's tokenizer.json)")
    prompt.add_argument("--ids", help="token ids to continue, comma-separated (default: the bos id)")
    p.add_argument("--max-new-tokens", type=int, default=100)
    p.add_argument("--temperature", type=float, default=1.0, help="0: greedy")
    p.add_argument("--top-k", type=int)
    p.add_argument("--num-samples", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--no-stop", action="store_true", help="keep going past the eos id")
    p.add_argument("--no-bos", action="store_true", help="do not put the bos id before the prompt (microgpt's documents start with it)")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--json", action="store_true", help='one JSON line per sample: {"ids": [...], "text": ...}')
    return p


def prompt_ids(args: argparse.Namespace, config, tokenizer) -> list[int]:
    """The ids to continue: the bos id (unless --no-bos), then --prompt's encoding or --ids."""
    start = [config.bos_token_id] if config.bos_token_id is not None and not args.no_bos else []
    if args.prompt is not None:
        return start + tokenizer.encode(args.prompt)
    if args.ids is not None:
        return start + parse_ids(args.ids, "--ids")
    if not start:
        raise MicrogptTorchError("nothing to start from: no --prompt or --ids, and no bos id (or --no-bos)", hint="pass --prompt or --ids")
    return start


def main(argv: list[str] | None = None) -> None:
    """Runs the command line: prints each sample's text (the prompt's text, then the new tokens' text, up to the
    eos id), or with --json a line {"prompt": ids, "ids": new ids, "text": their text or null}."""
    args = parser().parse_args(argv)
    if args.num_samples < 1:
        raise MicrogptTorchError(f"--num-samples must be ≥ 1, found {args.num_samples}")
    model = from_pretrained(args.model, torch.float64 if args.dtype == "float64" else torch.float32, args.device)
    config = model.config
    has_tokenizer = os.path.exists(os.path.join(args.model, "tokenizer.json"))
    if not has_tokenizer and (args.prompt is not None or not args.json):
        raise MicrogptTorchError(f"{args.model}: has no tokenizer.json to encode or decode text", hint="pass --ids and --json")
    tokenizer = load_tokenizer(args.model) if has_tokenizer else None
    prompt = prompt_ids(args, config, tokenizer)
    generator = torch.Generator().manual_seed(args.seed)
    stop = None if args.no_stop else config.eos_token_id
    for _ in range(args.num_samples):
        ids = generate(model, prompt, args.max_new_tokens, args.temperature, args.top_k, generator, stop)
        shown = ids[:-1] if ids and ids[-1] == stop else ids
        if args.json:
            print(json.dumps({"prompt": prompt, "ids": ids, "text": tokenizer.decode(shown) if tokenizer else None}, ensure_ascii=False), flush=True)
        else:
            print((args.prompt or "") + tokenizer.decode(shown), flush=True)


if __name__ == "__main__":
    run_main(main)
