from __future__ import annotations

import json
import os
import struct
import unittest

import torch

from microgpt_torch import safetensors_io
from microgpt_torch.errors import MicrogptTorchError
from microgpt_torch.safetensors_io import DTYPES, decode_safetensors, encode_safetensors, load_safetensors, save_safetensors

from .helpers import TempDirTest

try:
    import safetensors.torch as reference
except ImportError:
    reference = None


def sample_tensors() -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 5, generator=g) * 100
    return {
        "f32": x.clone(),
        "f16": x.to(torch.float16),
        "bf16": x.to(torch.bfloat16),
        "f64": x.double(),
        "i64": torch.arange(-3, 3),
        "u8": torch.tensor([0, 255, 7], dtype=torch.uint8),
        "flag": torch.tensor([True, False]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 4),
    }


class RoundTrip(TempDirTest):
    def test_every_dtype_comes_back_bit_for_bit(self):
        tensors = sample_tensors()
        decoded, metadata = decode_safetensors(encode_safetensors(tensors, {"format": "pt"}))
        self.assertEqual(metadata, {"format": "pt"})
        self.assertEqual(set(decoded), set(tensors))
        for name, t in tensors.items():
            self.assertEqual(decoded[name].dtype, t.dtype, name)
            self.assertEqual(decoded[name].shape, t.shape, name)
            self.assertTrue(torch.equal(decoded[name], t), name)

    def test_layout_is_the_formats(self):
        data = encode_safetensors({"b": torch.tensor([1.0, -2.0]), "a": torch.tensor([1], dtype=torch.int8), "c": torch.tensor([3.0], dtype=torch.float64)}, {"format": "pt"})
        (n,) = struct.unpack("<Q", data[:8])
        self.assertEqual(n % 8, 0)
        header = json.loads(data[8 : 8 + n])
        # Larger elements first (F64, then F32, then I8), the data tiled in that order.
        self.assertEqual(header["c"], {"dtype": "F64", "shape": [1], "data_offsets": [0, 8]})
        self.assertEqual(header["b"], {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]})
        self.assertEqual(header["a"], {"dtype": "I8", "shape": [1], "data_offsets": [16, 17]})
        self.assertEqual(data[8 + n :], struct.pack("<d", 3.0) + struct.pack("<2f", 1.0, -2.0) + b"\x01")

    def test_bf16_and_f16_bytes_are_the_ieee_halves(self):
        data = encode_safetensors({"h": torch.tensor([1.0], dtype=torch.float16), "b": torch.tensor([1.0], dtype=torch.bfloat16)})
        (n,) = struct.unpack("<Q", data[:8])
        self.assertEqual(data[8 + n :], b"\x80\x3f" + b"\x00\x3c")  # bf16 1.0 = 0x3F80, f16 1.0 = 0x3C00 (sorted by name: b, h)

    def test_files(self):
        path = self.path("w.safetensors")
        save_safetensors(path, sample_tensors(), {"format": "pt"})
        tensors, metadata = load_safetensors(path)
        self.assertEqual(metadata, {"format": "pt"})
        self.assertTrue(all(torch.equal(tensors[k], v) for k, v in sample_tensors().items()))

    def test_files_go_through_the_safetensors_package_when_installed_else_through_ours(self):
        """Never skipped: with the optional package, it reads our bytes and we read its; without it, save and
        load are the reader and writer here (the file is encode_safetensors's bytes; a damaged file is refused
        by our check, naming the file)."""
        tensors = sample_tensors()
        if reference is not None:
            self.assertIsNotNone(safetensors_io._st_save_file)
            theirs = reference.load(encode_safetensors(tensors, {"format": "pt"}))
            ours, metadata = decode_safetensors(reference.save(tensors, metadata={"format": "pt"}))
            self.assertEqual(metadata, {"format": "pt"})
            for name, t in tensors.items():
                self.assertTrue(torch.equal(theirs[name], t) and theirs[name].dtype == t.dtype, name)
                self.assertTrue(torch.equal(ours[name], t) and ours[name].dtype == t.dtype, name)
            return
        self.assertIsNone(safetensors_io._st_save_file)
        self.assertIsNone(safetensors_io._st_safe_open)
        path = self.path("fallback.safetensors")
        save_safetensors(path, tensors, {"format": "pt"})
        with open(path, "rb") as handle:
            self.assertEqual(handle.read(), encode_safetensors(tensors, {"format": "pt"}))
        loaded, metadata = load_safetensors(path)
        self.assertEqual(metadata, {"format": "pt"})
        for name, t in tensors.items():
            self.assertTrue(torch.equal(loaded[name], t) and loaded[name].dtype == t.dtype, name)
        with open(path, "r+b") as handle:
            handle.truncate(os.path.getsize(path) - 1)
        with self.assertRaises(MicrogptTorchError) as caught:
            load_safetensors(path)
        self.assertTrue(str(caught.exception).startswith(f"{path}: "), str(caught.exception))


class BadFiles(unittest.TestCase):
    def assertRefused(self, data: bytes, *words: str):
        with self.assertRaises(MicrogptTorchError) as caught:
            decode_safetensors(data, "w.safetensors")
        message = str(caught.exception)
        self.assertTrue(message.startswith("w.safetensors: "), message)
        for word in words:
            self.assertIn(word, message)

    def file(self, header: dict, body: bytes = b"") -> bytes:
        text = json.dumps(header).encode()
        return struct.pack("<Q", len(text)) + text + body

    def test_short_and_oversized_headers(self):
        self.assertRefused(b"\x01\x02", "at least 8 bytes")
        self.assertRefused(struct.pack("<Q", 1000) + b"{}", "header length 1000")

    def test_header_not_an_object(self):
        self.assertRefused(self.file([]), "JSON object")  # type: ignore[arg-type]
        self.assertRefused(struct.pack("<Q", 3) + b"{x}", "not JSON")

    def test_bad_entries(self):
        self.assertRefused(self.file({"w": {"dtype": "F8", "shape": [1], "data_offsets": [0, 1]}}, b"\0"), "'w'", "F8")
        self.assertRefused(self.file({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4), "shape")
        self.assertRefused(self.file({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4), "needs 8 bytes")

    def test_gaps_overlaps_and_trailing_bytes(self):
        entry = lambda a, b: {"dtype": "U8", "shape": [b - a], "data_offsets": [a, b]}  # noqa: E731
        self.assertRefused(self.file({"x": entry(0, 1), "y": entry(2, 3)}, b"\0" * 3), "'y' starts at byte 2; expected 1")
        self.assertRefused(self.file({"x": entry(0, 2), "y": entry(1, 3)}, b"\0" * 3), "expected 2")
        self.assertRefused(self.file({"x": entry(0, 1)}, b"\0" * 2), "cover 1 data bytes", "has 2")

    def test_unsupported_dtype_on_write(self):
        with self.assertRaises(MicrogptTorchError) as caught:
            encode_safetensors({"c": torch.zeros(1, dtype=torch.complex64)})
        self.assertIn("'c'", str(caught.exception))

    def test_every_code_maps_to_a_dtype(self):
        self.assertEqual(set(DTYPES), {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL"})


if __name__ == "__main__":
    unittest.main()
