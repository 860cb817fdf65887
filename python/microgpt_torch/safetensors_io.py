"""Reading and writing safetensors files: through the ``safetensors`` package when it is installed, otherwise
with the small reader and writer here, which follow the format exactly:

    8 bytes    little-endian u64 N, the header's length
    N bytes    a JSON object: {name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
               "__metadata__": {str: str}} padded with spaces to a multiple of 8 bytes
    the rest   the tensors' bytes, little-endian, row-major, each at its offsets (relative to the end of
               the header); the offsets tile the data with no gap and no overlap
"""
from __future__ import annotations

import json
import math
import os
import struct
import sys

import torch

from .errors import MicrogptTorchError, describe

try:  # the reference implementation, when present
    from safetensors import safe_open as _st_safe_open
    from safetensors.torch import save_file as _st_save_file
except ImportError:  # depends on the machine
    _st_safe_open = None
    _st_save_file = None

#: safetensors dtype code -> torch dtype (those torch 1.13 has).
DTYPES: dict[str, torch.dtype] = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
_CODES = {dtype: code for code, dtype in DTYPES.items()}

#: The safetensors library refuses headers above 100 MB; so do we, before reading one.
MAX_HEADER_BYTES = 100_000_000


def _itemsize(dtype: torch.dtype) -> int:
    return torch.empty((), dtype=dtype).element_size()


def tensor_bytes(tensor: torch.Tensor) -> bytes:
    """The little-endian, row-major bytes of a tensor (through numpy when present; a list of ints otherwise, slower)."""
    flat = tensor.detach().to("cpu").contiguous().reshape(-1)
    if flat.numel() == 0:
        return b""
    raw = flat.view(torch.uint8) if flat.dtype != torch.bool else flat.to(torch.uint8)
    if sys.byteorder == "big" and flat.element_size() > 1:
        raw = raw.view(-1, flat.element_size()).flip(1).reshape(-1)
    try:
        return raw.numpy().tobytes()
    except (ImportError, RuntimeError):  # torch without numpy
        return bytes(raw.tolist())


def _from_bytes(data: bytearray | memoryview, dtype: torch.dtype, shape: list[int]) -> torch.Tensor:
    count = math.prod(shape)
    if count == 0:
        return torch.empty(shape, dtype=dtype)
    raw = torch.frombuffer(data, dtype=torch.uint8).clone()
    if sys.byteorder == "big" and _itemsize(dtype) > 1:
        raw = raw.view(-1, _itemsize(dtype)).flip(1).reshape(-1)
    if dtype == torch.bool:
        return raw.to(torch.bool).reshape(shape)
    return raw.view(dtype).reshape(shape)


def encode_safetensors(tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> bytes:
    """The bytes of a safetensors file holding ``tensors`` (any shapes, dtypes in DTYPES), laid out as the
    safetensors library lays them out: larger element sizes first, then by name.

    Raises MicrogptTorchError for a dtype safetensors cannot hold, a name starting with "__", or metadata that
    is not str -> str.
    """
    header: dict[str, object] = {}
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise MicrogptTorchError(f"safetensors: metadata must map strings to strings, found {describe(metadata)}")
        header["__metadata__"] = metadata
    for name, tensor in tensors.items():
        if tensor.dtype not in _CODES:
            raise MicrogptTorchError(f"safetensors: tensor '{name}' has dtype {tensor.dtype}; expected one of {', '.join(DTYPES)}")
        if name.startswith("__"):
            raise MicrogptTorchError(f"safetensors: tensor name '{name}' must not start with '__' (reserved for metadata)")
    order = sorted(tensors, key=lambda n: (-_itemsize(tensors[n].dtype), n))
    chunks: list[bytes] = []
    offset = 0
    for name in order:
        data = tensor_bytes(tensors[name])
        header[name] = {"dtype": _CODES[tensors[name].dtype], "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def _entry(name: str, value: object, where: str, data_bytes: int) -> tuple[torch.dtype, list[int], int, int]:
    """Checks one header entry; returns its dtype, shape and byte range."""
    if not isinstance(value, dict):
        raise MicrogptTorchError(f"{where}: header entry '{name}' must be an object, found {describe(value)}")
    code = value.get("dtype")
    if code not in DTYPES:
        raise MicrogptTorchError(f"{where}: tensor '{name}' has dtype {describe(code)}; expected one of {', '.join(DTYPES)}")
    shape = value.get("shape")
    if not (isinstance(shape, list) and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
        raise MicrogptTorchError(f"{where}: tensor '{name}' has shape {describe(shape)}; expected a list of integers ≥ 0")
    offsets = value.get("data_offsets")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) and not isinstance(o, bool) for o in offsets)):
        raise MicrogptTorchError(f"{where}: tensor '{name}' has data_offsets {describe(offsets)}; expected [begin, end]")
    begin, end = offsets
    expected = math.prod(shape) * _itemsize(DTYPES[code])
    if not (0 <= begin <= end <= data_bytes) or end - begin != expected:
        raise MicrogptTorchError(
            f"{where}: tensor '{name}' ({code} {shape}) needs {expected} bytes inside the {data_bytes} data bytes, found offsets [{begin}, {end}]"
        )
    return DTYPES[code], shape, begin, end


def decode_safetensors(data: bytes | bytearray, where: str = "safetensors") -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The tensors and metadata of a safetensors file's bytes.

    Raises MicrogptTorchError naming ``where`` for a file that is too short, a header length past the end or
    above MAX_HEADER_BYTES, a header that is not a JSON object, an unknown dtype, a bad shape or offsets, or
    data that the offsets do not tile exactly.
    """
    if len(data) < 8:
        raise MicrogptTorchError(f"{where}: expected at least 8 bytes (the header length), found {len(data)}")
    (header_len,) = struct.unpack("<Q", bytes(data[:8]))
    if header_len > MAX_HEADER_BYTES or 8 + header_len > len(data):
        raise MicrogptTorchError(f"{where}: header length {header_len} does not fit the {len(data)}-byte file (or exceeds {MAX_HEADER_BYTES})")
    try:
        header = json.loads(bytes(data[8 : 8 + header_len]).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MicrogptTorchError(f"{where}: the header is not JSON ({error})") from None
    if not isinstance(header, dict):
        raise MicrogptTorchError(f"{where}: the header must be a JSON object, found {describe(header)}")
    metadata = header.pop("__metadata__", None) or {}
    if not (isinstance(metadata, dict) and all(isinstance(v, str) for v in metadata.values())):
        raise MicrogptTorchError(f"{where}: __metadata__ must map strings to strings, found {describe(metadata)}")
    body = memoryview(data if isinstance(data, bytearray) else bytearray(data))[8 + header_len :]  # torch reads writable buffers
    entries = {name: _entry(name, value, where, len(body)) for name, value in header.items()}
    covered = 0
    for name, (_, _, begin, end) in sorted(entries.items(), key=lambda item: (item[1][2], item[1][3])):
        if begin != covered:
            raise MicrogptTorchError(f"{where}: tensor '{name}' starts at byte {begin}; expected {covered} (tensors must tile the data without gaps or overlap)")
        covered = end
    if covered != len(body):
        raise MicrogptTorchError(f"{where}: the tensors cover {covered} data bytes, but the file has {len(body)}")
    tensors = {name: _from_bytes(body[begin:end], dtype, shape) for name, (dtype, shape, begin, end) in entries.items()}
    return tensors, metadata


def load_safetensors(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """The tensors (on the CPU) and metadata of a safetensors file. Errors as decode_safetensors (the
    safetensors library's own checks when it is installed, as a MicrogptTorchError naming the file), or
    MicrogptTorchError when the file cannot be read."""
    if _st_safe_open is not None:
        try:
            with _st_safe_open(str(path), framework="pt") as handle:
                return {name: handle.get_tensor(name) for name in handle.keys()}, dict(handle.metadata() or {})
        except OSError as error:
            raise MicrogptTorchError(f"{path}: cannot read the file ({error.strerror or error})") from None
        except Exception as error:  # the library's SafetensorError has no importable base class
            raise MicrogptTorchError(f"{path}: not a valid safetensors file ({error})") from None
    try:
        with open(path, "rb") as handle:
            data = bytearray(handle.read())
    except OSError as error:
        raise MicrogptTorchError(f"{path}: cannot read the file ({error.strerror})") from None
    return decode_safetensors(data, str(path))


def save_safetensors(path: str | os.PathLike, tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None) -> None:
    """Writes ``tensors`` to ``path`` atomically (a temporary file renamed over it). Errors as
    encode_safetensors, or MicrogptTorchError when the file cannot be written."""
    temporary = f"{path}.tmp-{os.getpid()}"
    try:
        if _st_save_file is not None:
            _st_save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, temporary, metadata=metadata)
        else:
            with open(temporary, "wb") as handle:
                handle.write(encode_safetensors(tensors, metadata))
        os.replace(temporary, path)
    except OSError as error:
        raise MicrogptTorchError(f"{path}: cannot write the file ({error.strerror})") from None
