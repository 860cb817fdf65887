"""GPT-2-style byte-level BPE from a Hugging Face tokenizer.json: through the ``tokenizers`` package when it is
installed, otherwise with the reader here, which handles what GPT-2's file and microgpt's export use: a BPE
model with byte-level vocabulary strings, merges as "a b" or ["a", "b"], special ``added_tokens``, a ByteLevel
pre-tokenizer (GPT-2's split regex, or none) and a ByteLevel decoder."""
from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from functools import lru_cache

from .errors import MicrogptTorchError, describe


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte-to-character table: printable Latin-1 bytes stand for themselves, the other 68 bytes
    for U+0100 … U+0143 in byte order."""
    table: dict[int, str] = {}
    extra = 256
    for b in range(256):
        if 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF:
            table[b] = chr(b)
        else:
            table[b] = chr(extra)
            extra += 1
    return table


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}

#: Unicode's White_Space property (what \s means in the Rust and Oniguruma regexes of `tokenizers`).
_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


@lru_cache(maxsize=None)
def _category_class(prefix: str) -> str:
    """A regex class body for every code point whose Unicode category starts with ``prefix`` (\\p{L}, \\p{N}
    for Python's `re`, which lacks them)."""
    ranges: list[list[int]] = []
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)).startswith(prefix):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


@lru_cache(maxsize=None)
def gpt2_split_regex() -> re.Pattern[str]:
    """GPT-2's pre-tokenizer regex, with \\p{L}, \\p{N} and \\s spelled out for Python's `re`."""
    letters, numbers = _category_class("L"), _category_class("N")
    return re.compile(
        rf"'s|'t|'re|'ve|'m|'ll|'d| ?[{letters}]+| ?[{numbers}]+| ?[^{_SPACE}{letters}{numbers}]+|[{_SPACE}]+(?![^{_SPACE}])|[{_SPACE}]+"
    )


class ByteLevelBPE:
    """A byte-level BPE tokenizer: ``encode(text)`` -> ids, ``decode(ids)`` -> text."""

    def __init__(self, vocab: dict[str, int], merges: list[tuple[str, str]], specials: dict[str, int], use_regex: bool, prefix_space: bool):
        self.vocab = vocab
        self.ranks = {pair: rank for rank, pair in enumerate(merges)}
        self.specials = specials
        self.use_regex = use_regex
        self.prefix_space = prefix_space
        self.strings = {i: s for s, i in vocab.items()} | {i: s for s, i in specials.items()}
        self._special_split = re.compile("(" + "|".join(re.escape(s) for s in sorted(specials, key=len, reverse=True)) + ")") if specials else None

    @property
    def vocab_size(self) -> int:
        """One more than the largest id."""
        return max(self.strings) + 1

    @lru_cache(maxsize=65536)
    def _bpe(self, word: str) -> tuple[int, ...]:
        parts = list(word)
        while len(parts) > 1:
            ranked = [(self.ranks.get((a, b), -1), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            ranked = [(r, i) for r, i in ranked if r >= 0]
            if not ranked:
                break
            best = min(ranked)[0]
            a, b = next((parts[i], parts[i + 1]) for r, i in ranked if r == best)
            merged: list[str] = []
            i = 0
            while i < len(parts):
                if i + 1 < len(parts) and parts[i] == a and parts[i + 1] == b:
                    merged.append(a + b)
                    i += 2
                else:
                    merged.append(parts[i])
                    i += 1
            parts = merged
        return tuple(self.vocab[p] for p in parts)

    def encode(self, text: str) -> list[int]:
        """The ids of ``text``; special-token strings in it become their ids, as HF's encode does."""
        pieces = self._special_split.split(text) if self._special_split else [text]
        ids: list[int] = []
        for k, piece in enumerate(pieces):
            if k % 2 == 1:
                ids.append(self.specials[piece])
                continue
            if self.prefix_space and k == 0 and piece and not piece[0].isspace():
                piece = " " + piece
            chunks = gpt2_split_regex().findall(piece) if self.use_regex else ([piece] if piece else [])
            for chunk in chunks:
                ids.extend(self._bpe("".join(BYTE_TO_CHAR[b] for b in chunk.encode("utf-8"))))
        return ids

    def decode(self, ids: list[int]) -> str:
        """The text of ``ids`` (bytes that are not whole UTF-8 characters become U+FFFD).
        Raises MicrogptTorchError for an id the tokenizer does not have."""
        out = bytearray()
        for i in ids:
            if i not in self.strings:
                raise MicrogptTorchError(f"decode: id {i} is not in the tokenizer (ids 0 … {self.vocab_size - 1})")
            s = self.strings[i]
            out += s.encode("utf-8") if i in self.specials.values() else bytes(CHAR_TO_BYTE[c] for c in s)
        return out.decode("utf-8", errors="replace")


def _field(where: str, field: str, problem: str, found: object) -> MicrogptTorchError:
    return MicrogptTorchError(f"{where}: field \"{field}\" {problem}, found {describe(found)}")


def tokenizer_from_json(data: object, where: str = "tokenizer.json") -> ByteLevelBPE:
    """A ByteLevelBPE from a parsed tokenizer.json.

    Raises MicrogptTorchError naming the field for a non-BPE model, a normalizer, a pre-tokenizer other than
    ByteLevel, a vocabulary string that is not byte-level, a merge of unknown tokens, or a non-special added
    token.
    """
    if not isinstance(data, dict) or not isinstance(data.get("model"), dict):
        raise _field(where, "model", "must be an object", data.get("model") if isinstance(data, dict) else data)
    model = data["model"]
    if model.get("type", "BPE") != "BPE":
        raise _field(where, "model.type", 'must be "BPE"', model.get("type"))
    if data.get("normalizer") is not None:
        raise _field(where, "normalizer", "must be null (install `tokenizers` for other tokenizers)", data["normalizer"])
    pre = data.get("pre_tokenizer")
    if not (isinstance(pre, dict) and pre.get("type") == "ByteLevel"):
        raise _field(where, "pre_tokenizer", "must be a ByteLevel pre-tokenizer (install `tokenizers` for others)", pre)
    vocab = model.get("vocab")
    if not (isinstance(vocab, dict) and all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in vocab.values())):
        raise _field(where, "model.vocab", "must map token strings to ids ≥ 0", vocab)
    specials: dict[str, int] = {}
    for k, entry in enumerate(data.get("added_tokens") or []):
        if not (isinstance(entry, dict) and isinstance(entry.get("content"), str) and isinstance(entry.get("id"), int) and entry.get("special") is True):
            raise _field(where, f"added_tokens[{k}]", "must be a special token {id, content, special: true}", entry)
        specials[entry["content"]] = entry["id"]
    ordinary = {s: i for s, i in vocab.items() if s not in specials}
    for s in ordinary:
        if not s or any(c not in CHAR_TO_BYTE for c in s):
            raise _field(where, f"model.vocab[{s!r}]", "must be a byte-level token string", s)
    merges: list[tuple[str, str]] = []
    for k, merge in enumerate(model.get("merges") or []):
        pair = merge.split(" ") if isinstance(merge, str) else merge
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) and p in ordinary for p in pair) and pair[0] + pair[1] in ordinary):
            raise _field(where, f"model.merges[{k}]", "must join two vocabulary tokens into a third", merge)
        merges.append((pair[0], pair[1]))
    missing = [b for b, c in BYTE_TO_CHAR.items() if c not in ordinary]
    if missing:
        raise _field(where, "model.vocab", "must have a token for every byte", f"none for byte 0x{missing[0]:02x}")
    return ByteLevelBPE(ordinary, merges, specials, pre.get("use_regex", True) is not False, pre.get("add_prefix_space", False) is True)


class _HFTokenizer:
    """The `tokenizers` package's Tokenizer behind ByteLevelBPE's encode/decode/vocab_size interface."""

    def __init__(self, path: str):
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(path)

    @property
    def vocab_size(self) -> int:
        return self._tokenizer.get_vocab_size(with_added_tokens=True)

    def encode(self, text: str) -> list[int]:
        return self._tokenizer.encode(text, add_special_tokens=False).ids

    def decode(self, ids: list[int]) -> str:
        return self._tokenizer.decode(ids, skip_special_tokens=False)


def load_tokenizer(folder: str | os.PathLike):
    """The tokenizer of an HF folder (``folder``/tokenizer.json): `tokenizers` when installed (any tokenizer it
    reads), else ByteLevelBPE. Raises MicrogptTorchError when the file is missing or not JSON, or, without
    `tokenizers`, not a byte-level BPE the reader here handles."""
    path = os.path.join(folder, "tokenizer.json")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise MicrogptTorchError(f"{path}: not found; pass token ids instead of text") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MicrogptTorchError(f"{path}: cannot read it as JSON ({error})") from None
    try:
        return _HFTokenizer(path)
    except ImportError:
        return tokenizer_from_json(data, path)
    except Exception as error:  # the tokenizers package raises plain Exceptions
        raise MicrogptTorchError(f"{path}: the tokenizers package cannot read it ({error})") from None
