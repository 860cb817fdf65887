"""microgpt's binary token file (packages/model/src/data/token-file.ts): a 64-byte little-endian header, then
the ids.

    0  magic "MGPTTOK\\0"   8 bytes
    8  version              u32 (1)
   12  dtype                u32: 1 = uint16 ids, 2 = uint32 ids
   16  count                u64: number of ids
   24  vocabSize            u32: every id is < vocabSize (0 stands for 2^32)
   28  tokenizer hash       32 bytes: SHA-256 of microgpt's tokenizer JSON
   60  reserved             u32, zero
   64  ids                  count × 2 or 4 bytes

The ids are memory-mapped, so a corpus larger than memory trains as well as a small one.
"""
from __future__ import annotations

import mmap
import os
import struct
import sys
from array import array
from dataclasses import dataclass

import torch

from .errors import MicrogptTorchError

MAGIC = b"MGPTTOK\0"
VERSION = 1
HEADER_BYTES = 64
_HEADER = struct.Struct("<8sIIQI32sI")


@dataclass(frozen=True)
class TokenFileHeader:
    """What a token file's header says."""

    dtype: str  # "uint16" or "uint32"
    count: int
    vocab_size: int
    tokenizer_hash: bytes


def encode_token_file(ids: list[int], vocab_size: int, tokenizer_hash: bytes = bytes(32)) -> bytes:
    """A whole token file: uint16 ids when vocab_size ≤ 65536, else uint32 (as microgpt writes).
    Raises MicrogptTorchError for an id outside [0, vocab_size) or a hash that is not 32 bytes."""
    if len(tokenizer_hash) != 32:
        raise MicrogptTorchError(f"token file: the tokenizer hash must be 32 bytes, found {len(tokenizer_hash)}")
    if not 1 <= vocab_size <= 2**32:
        raise MicrogptTorchError(f"token file: vocab_size must be in [1, 2^32], found {vocab_size}")
    bad = next((k for k, i in enumerate(ids) if not 0 <= i < vocab_size), None)
    if bad is not None:
        raise MicrogptTorchError(f"token file: id {ids[bad]} at position {bad} is outside [0, {vocab_size})")
    code = 1 if vocab_size <= 65536 else 2
    body = array("H" if code == 1 else "I", ids)
    if sys.byteorder == "big":
        body.byteswap()
    return _HEADER.pack(MAGIC, VERSION, code, len(ids), vocab_size % 2**32, tokenizer_hash, 0) + body.tobytes()


def decode_header(data: bytes, file_bytes: int, where: str) -> TokenFileHeader:
    """Checks a header (the first 64 bytes) against the file's size. Raises MicrogptTorchError naming the
    field: too short, wrong magic, version or dtype, a vocabulary uint16 cannot hold, a nonzero reserved
    field, or a size that does not match the count."""
    def bad(field: str, expected: str, found: object) -> MicrogptTorchError:
        return MicrogptTorchError(f"{where}: {field}: expected {expected}, found {found}")

    if len(data) < HEADER_BYTES:
        raise bad("header", f"{HEADER_BYTES} bytes", len(data))
    magic, version, code, count, vocab, digest, reserved = _HEADER.unpack(data[:HEADER_BYTES])
    if magic != MAGIC:
        raise bad("magic", repr(MAGIC), repr(magic))
    if version != VERSION:
        raise bad("version", VERSION, version)
    if code not in (1, 2):
        raise bad("dtype", "1 (uint16) or 2 (uint32)", code)
    vocab = vocab or 2**32
    if code == 1 and vocab > 65536:
        raise bad("vocabSize", "at most 65536 for uint16 ids", vocab)
    if reserved != 0:
        raise bad("reserved", 0, reserved)
    width = 2 if code == 1 else 4
    if file_bytes != HEADER_BYTES + count * width:
        raise bad("size", f"{HEADER_BYTES + count * width} bytes for {count} {'uint16' if code == 1 else 'uint32'} ids", f"{file_bytes} bytes")
    return TokenFileHeader("uint16" if code == 1 else "uint32", count, vocab, digest)


class TokenFile:
    """An open token file: ``header``, ``len()``, and ``window(start, length)`` -> int64 tensor of ids."""

    def __init__(self, path: str | os.PathLike):
        self.path = str(path)
        try:
            self._handle = open(path, "rb")
        except OSError as error:
            raise MicrogptTorchError(f"{path}: cannot read the token file ({error.strerror})") from None
        try:
            size = os.fstat(self._handle.fileno()).st_size
            self.header = decode_header(self._handle.read(HEADER_BYTES), size, self.path)
            self._map = mmap.mmap(self._handle.fileno(), 0, access=mmap.ACCESS_READ)
        except OSError as error:
            self._handle.close()
            raise MicrogptTorchError(f"{path}: cannot read the token file ({error.strerror})") from None
        except MicrogptTorchError:
            self._handle.close()
            raise
        self._width = 2 if self.header.dtype == "uint16" else 4

    def __len__(self) -> int:
        return self.header.count

    def window(self, start: int, length: int) -> torch.Tensor:
        """Ids start … start + length - 1 as an int64 tensor. Raises MicrogptTorchError when the window does
        not lie inside the file."""
        if not (0 <= start and length >= 0 and start + length <= self.header.count):
            raise MicrogptTorchError(f"{self.path}: window [{start}, {start + length}) is outside the {self.header.count} ids")
        begin = HEADER_BYTES + start * self._width
        ids = array("H" if self._width == 2 else "I")  # 2- and 4-byte unsigned on every platform torch runs on
        ids.frombytes(self._map[begin : begin + length * self._width])
        if sys.byteorder == "big":
            ids.byteswap()
        return torch.tensor(ids, dtype=torch.int64)

    def close(self) -> None:
        """Releases the mapping and the file."""
        self._map.close()
        self._handle.close()
