"""Writes the Hugging Face GPT-2 fixtures of packages/model/src/hf/fixtures/ (run once, by hand; the tests read
the committed files and never run this):

    /usr/bin/python3 python/make_fixtures.py

  gpt2-tiny/                 config.json, model.safetensors (float32), generation_config.json, tokenizer.json,
                             tokenizer_config.json: n_embd 32, n_layer 2, n_head 4, n_positions 64, vocab 300,
                             gelu_new, tied head, random weights of std 0.25 (biases and gain offsets 0.1)
  gpt2-tiny-f16/, -bf16/     the same weights in float16 / bfloat16 (config.json and model.safetensors)
  gpt2-tiny-expected.json    logits and losses of four sequences (lengths 1, 7, 33, 64) from those folders
  gpt2-tiny-gelu-untied/     a second model: exact (erf) gelu, untied head, n_inner 64, n_layer 3, n_head 2,
                             layer_norm_epsilon 1e-6; same tokenizer
  gpt2-tiny-gelu-untied-expected.json

The model is microgpt_torch's GPT2LMHeadModel, which follows HF's modeling_gpt2.py. The tokenizer is a
byte-level BPE learnt here from Tiny Shakespeare: GPT-2's 256 byte tokens in GPT-2's order, 43 merges, and
<|endoftext|> (id 299), laid out as HF writes GPT-2's tokenizer.json.
"""
from __future__ import annotations

import collections
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from microgpt_torch import GPT2Config, GPT2LMHeadModel, from_pretrained, save_pretrained, tokenizer_from_json  # noqa: E402
from microgpt_torch.config import write_json  # noqa: E402
from microgpt_torch.logits import float32_from_base64, score  # noqa: E402
from microgpt_torch.tokenizer import BYTE_TO_CHAR, gpt2_split_regex  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "packages", "model", "src", "hf", "fixtures")
CORPUS = os.path.join(ROOT, "tooling", "test-data", "tinyshakespeare.txt")
MERGES = 43
EOS = "<|endoftext|>"
TOLERANCE = 1e-4


def gpt2_byte_order() -> list[int]:
    """The bytes in GPT-2's vocabulary order: the printable ones first (as bytes_to_unicode lists them), then the rest."""
    printable = [b for b in range(256) if BYTE_TO_CHAR[b] == chr(b)]
    return printable + [b for b in range(256) if BYTE_TO_CHAR[b] != chr(b)]


def learn_merges(text: str, count: int) -> list[tuple[str, str]]:
    """``count`` BPE merges over the GPT-2 pre-tokens of ``text``: each time the most frequent adjacent pair
    (ties: the smaller pair), skipping pairs that would make a token already in the vocabulary."""
    words = collections.Counter(tuple(BYTE_TO_CHAR[b] for b in chunk.encode("utf-8")) for chunk in gpt2_split_regex().findall(text))
    made: set[str] = set(BYTE_TO_CHAR.values())
    merges: list[tuple[str, str]] = []
    while len(merges) < count:
        pairs: collections.Counter = collections.Counter()
        for word, n in words.items():
            for pair in zip(word, word[1:]):
                pairs[pair] += n
        best = min((p for p in pairs if p[0] + p[1] not in made), key=lambda p: (-pairs[p], p))
        merges.append(best)
        made.add(best[0] + best[1])
        merged: collections.Counter = collections.Counter()
        for word, n in words.items():
            out, i = [], 0
            while i < len(word):
                if i + 1 < len(word) and (word[i], word[i + 1]) == best:
                    out.append(word[i] + word[i + 1])
                    i += 2
                else:
                    out.append(word[i])
                    i += 1
            merged[tuple(out)] += n
        words = merged
    return merges


def tokenizer_json(merges: list[tuple[str, str]]) -> dict[str, object]:
    """tokenizer.json in the layout HF's `tokenizers` writes for GPT-2."""
    vocab = {BYTE_TO_CHAR[b]: i for i, b in enumerate(gpt2_byte_order())}
    for a, b in merges:
        vocab[a + b] = len(vocab)
    eos = len(vocab)
    vocab[EOS] = eos
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": eos, "content": EOS, "single_word": False, "lstrip": False, "rstrip": False, "normalized": True, "special": True}],
        "normalizer": None,
        "pre_tokenizer": byte_level,
        "post_processor": {**byte_level, "trim_offsets": False, "add_prefix_space": True},
        "decoder": {**byte_level, "add_prefix_space": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": [f"{a} {b}" for a, b in merges],
        },
    }


def tokenizer_config(n_positions: int) -> dict[str, object]:
    """tokenizer_config.json as transformers saves GPT-2's (clean_up_tokenization_spaces off: decode is exact)."""
    return {
        "add_bos_token": False,
        "add_prefix_space": False,
        "bos_token": EOS,
        "clean_up_tokenization_spaces": False,
        "eos_token": EOS,
        "model_max_length": n_positions,
        "tokenizer_class": "GPT2Tokenizer",
        "unk_token": EOS,
    }


def random_model(config: GPT2Config, seed: int, std: float = 0.25, offset_std: float = 0.1) -> GPT2LMHeadModel:
    """Weights far from an init's: matrices N(0, std), biases N(0, offset_std), LayerNorm gains 1 + N(0, offset_std)."""
    model = GPT2LMHeadModel(config)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            noise = torch.randn(p.shape, generator=generator)
            if p.dim() >= 2:
                p.copy_(noise * std)
            elif name.endswith(".weight"):
                p.copy_(1 + noise * offset_std)
            else:
                p.copy_(noise * offset_std)
    return model.eval()


def text_with_length(tokenizer, text: str, length: int) -> tuple[list[int], str]:
    """The longest prefix of ``text`` that encodes to exactly ``length`` ids and decodes back to itself."""
    for end in range(len(text), 0, -1):
        ids = tokenizer.encode(text[:end])
        if len(ids) == length and tokenizer.decode(ids) == text[:end]:
            return ids, text[:end]
    raise SystemExit(f"no prefix of {text[:40]!r}… encodes to {length} ids")


def sequences(tokenizer, vocab_size: int, eos: int) -> list[dict[str, object]]:
    """Four sequences: eos alone, 7 and 64 ids of English text (with the text), 33 random ids (eos among them)."""
    with open(CORPUS, encoding="utf-8") as handle:
        corpus = handle.read()
    ids7, text7 = text_with_length(tokenizer, "What say you to the", 7)
    speech = corpus.index("\n\n", 200_000) + 2
    ids64, text64 = text_with_length(tokenizer, corpus[speech : speech + 600], 64)
    rand = torch.randint(0, vocab_size, (33,), generator=torch.Generator().manual_seed(7)).tolist()
    rand[20] = eos
    return [
        {"name": "eos", "ids": [eos], "text": None},
        {"name": "text-7", "ids": ids7, "text": text7},
        {"name": "random-33", "ids": rand, "text": None},
        {"name": "text-64", "ids": ids64, "text": text64},
    ]


def max_diff(a: list[dict[str, object]], b: list[dict[str, object]]) -> float:
    """The largest |difference| between two score() results' logits and losses."""
    worst = 0.0
    for x, y in zip(a, b):
        worst = max(worst, float((float32_from_base64(x["logits"]) - float32_from_base64(y["logits"])).abs().max()))
        if x["loss"] is not None:
            worst = max(worst, abs(x["loss"] - y["loss"]))
    return worst


def write_model(name: str, model: GPT2LMHeadModel, tokenizer_data: dict[str, object], dtypes: tuple[str, ...] = ()) -> None:
    """The full folder ``name``, and ``name-f16`` / ``name-bf16`` holding only config.json and model.safetensors."""
    folder = os.path.join(OUT, name)
    save_pretrained(model, folder)
    write_json(os.path.join(folder, "tokenizer.json"), tokenizer_data)
    write_json(os.path.join(folder, "tokenizer_config.json"), tokenizer_config(model.config.n_positions))
    for dtype in dtypes:
        short = {"float16": "f16", "bfloat16": "bf16"}[dtype]
        copy = os.path.join(OUT, f"{name}-{short}")
        save_pretrained(model, copy, dtype)
        os.remove(os.path.join(copy, "generation_config.json"))


def expected(name: str, seqs: list[dict[str, object]], folders: list[str]) -> dict[str, object]:
    """The expected-results file: per folder, float64 results; for the first folder also float32 results."""
    ids = [s["ids"] for s in seqs]
    runs = []
    for k, folder in enumerate(folders):
        for dtype in (torch.float64, torch.float32) if k == 0 else (torch.float64,):
            model = from_pretrained(os.path.join(OUT, folder), dtype=dtype)
            runs.append({"folder": folder, "dtype": str(dtype).replace("torch.", ""), "results": score(model, ids)})
    for run in runs:
        for result in run["results"]:
            del result["ids"]  # the sequences list has them once
    base = runs[0]["results"]
    return {
        "format": "microgpt-hf-expected",
        "version": 1,
        "producer": f"python/make_fixtures.py (microgpt_torch's GPT2LMHeadModel, PyTorch {torch.__version__})",
        "model": name,
        "compare": {
            "against": "the run of the same folder with dtype float64",
            "tolerance": TOLERANCE,
            "what": "max |logit difference| over every position and id, and |loss difference|",
        },
        "logitsEncoding": "base64 of little-endian float32, row-major [T, vocab_size] (float64 results rounded to float32)",
        "loss": "mean cross-entropy of position t's logits against ids[t + 1] (HF's labels = input_ids); null when T = 1",
        "observed": {
            "maxAbsDiffFloat32VsFloat64": max_diff(runs[1]["results"], base),
            **{f"maxAbsDiff{run['folder']}VsFloat32Weights": max_diff(run["results"], base) for run in runs[2:]},
        },
        "sequences": seqs,
        "runs": runs,
    }


def main() -> None:
    """Writes every fixture and prints their sizes."""
    with open(CORPUS, encoding="utf-8") as handle:
        merges = learn_merges(handle.read()[:100_000], MERGES)
    data = tokenizer_json(merges)
    tokenizer = tokenizer_from_json(data)
    eos = data["added_tokens"][0]["id"]
    V = eos + 1
    common = {"vocab_size": V, "n_positions": 64, "n_embd": 32, "resid_pdrop": 0.0, "embd_pdrop": 0.0, "attn_pdrop": 0.0, "bos_token_id": eos, "eos_token_id": eos}
    tiny = GPT2Config(n_layer=2, n_head=4, activation_function="gelu_new", **common)
    variant = GPT2Config(n_layer=3, n_head=2, n_inner=64, activation_function="gelu", tie_word_embeddings=False, layer_norm_epsilon=1e-6, **common)
    seqs = sequences(tokenizer, V, eos)
    write_model("gpt2-tiny", random_model(tiny, seed=1), data, ("float16", "bfloat16"))
    write_model("gpt2-tiny-gelu-untied", random_model(variant, seed=2), data)
    write_json(os.path.join(OUT, "gpt2-tiny-expected.json"), expected("gpt2-tiny", seqs, ["gpt2-tiny", "gpt2-tiny-f16", "gpt2-tiny-bf16"]))
    write_json(os.path.join(OUT, "gpt2-tiny-gelu-untied-expected.json"), expected("gpt2-tiny-gelu-untied", seqs, ["gpt2-tiny-gelu-untied"]))
    for folder, _, files in sorted(os.walk(OUT)):
        for file in sorted(files):
            path = os.path.join(folder, file)
            print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path):,} bytes")


if __name__ == "__main__":
    main()
