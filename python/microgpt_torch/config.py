"""GPT-2's config.json (Hugging Face's GPT2Config): reading one with HF's defaults for missing fields, checking
it, and writing one that ``GPT2LMHeadModel.from_pretrained`` reads."""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields

from .errors import MicrogptTorchError, describe

#: MLP activations by config name (HF's ACT2FN names that microgpt has counterparts for).
ACTIVATIONS = ("gelu_new", "gelu_pytorch_tanh", "gelu", "relu", "silu", "swish", "relu2")


@dataclass(frozen=True)
class GPT2Config:
    """The fields of HF's GPT2Config that change what the model computes, with HF's defaults."""

    vocab_size: int = 50257
    n_positions: int = 1024
    n_embd: int = 768
    n_layer: int = 12
    n_head: int = 12
    n_inner: int | None = None
    activation_function: str = "gelu_new"
    resid_pdrop: float = 0.1
    embd_pdrop: float = 0.1
    attn_pdrop: float = 0.1
    layer_norm_epsilon: float = 1e-5
    initializer_range: float = 0.02
    scale_attn_weights: bool = True
    scale_attn_by_inverse_layer_idx: bool = False
    tie_word_embeddings: bool = True
    bos_token_id: int | None = 50256
    eos_token_id: int | None = 50256

    @property
    def head_dim(self) -> int:
        """Per-head width, n_embd / n_head."""
        return self.n_embd // self.n_head

    @property
    def inner_dim(self) -> int:
        """MLP hidden width: n_inner, or 4 × n_embd when it is null (as HF)."""
        return self.n_inner if self.n_inner is not None else 4 * self.n_embd

    def __post_init__(self) -> None:
        self.check()

    def check(self, where: str = "config") -> None:
        """Raises MicrogptTorchError naming the first field that HF's GPT-2 would not accept or compute."""
        def bad(field: str, expected: str) -> MicrogptTorchError:
            return MicrogptTorchError(f"{where}: {field} must be {expected}, found {describe(getattr(self, field))}")

        for field in ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head"):
            value = getattr(self, field)
            if not (isinstance(value, int) and not isinstance(value, bool) and value > 0):
                raise bad(field, "a positive integer")
        if self.n_embd % self.n_head != 0:
            raise MicrogptTorchError(f"{where}: n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        if self.n_inner is not None and not (isinstance(self.n_inner, int) and not isinstance(self.n_inner, bool) and self.n_inner > 0):
            raise bad("n_inner", "null or a positive integer")
        if self.activation_function not in ACTIVATIONS:
            raise bad("activation_function", f"one of {', '.join(ACTIVATIONS)}")
        for field in ("resid_pdrop", "embd_pdrop", "attn_pdrop"):
            value = getattr(self, field)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1):
                raise bad(field, "a number in [0, 1)")
        for field in ("layer_norm_epsilon", "initializer_range"):
            value = getattr(self, field)
            if not (isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0 and value < float("inf")):
                raise bad(field, "a finite number ≥ 0")
        if self.layer_norm_epsilon <= 0:
            raise bad("layer_norm_epsilon", "a number > 0")
        for field in ("scale_attn_weights", "scale_attn_by_inverse_layer_idx", "tie_word_embeddings"):
            if not isinstance(getattr(self, field), bool):
                raise bad(field, "true or false")
        for field in ("bos_token_id", "eos_token_id"):
            value = getattr(self, field)
            if value is not None and not (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < self.vocab_size):
                raise bad(field, f"null or an id in [0, {self.vocab_size})")

    def to_hf_dict(self, torch_dtype: str = "float32") -> dict[str, object]:
        """config.json as HF's GPT2Config.to_dict() writes it for GPT2LMHeadModel (the fields it needs, plus
        the sequence-summary defaults GPT2Config carries, so HF reads back exactly these values)."""
        body = asdict(self)
        for field in ("resid_pdrop", "embd_pdrop", "attn_pdrop", "layer_norm_epsilon", "initializer_range"):
            body[field] = float(body[field])
        body.update(
            {
                "model_type": "gpt2",
                "architectures": ["GPT2LMHeadModel"],
                "reorder_and_upcast_attn": False,
                "summary_activation": None,
                "summary_first_dropout": 0.1,
                "summary_proj_to_labels": True,
                "summary_type": "cls_index",
                "summary_use_proj": True,
                "torch_dtype": torch_dtype,
                "use_cache": True,
            }
        )
        return dict(sorted(body.items()))


def config_from_dict(data: object, where: str = "config.json") -> GPT2Config:
    """A checked GPT2Config from a parsed config.json, HF's defaults for missing fields.

    Raises MicrogptTorchError naming ``where`` and the field for a config that is not GPT-2's (model_type),
    asks for something this model does not compute (cross-attention), or has a bad value.
    """
    if not isinstance(data, dict):
        raise MicrogptTorchError(f"{where}: expected a JSON object, found {describe(data)}")
    if data.get("model_type", "gpt2") != "gpt2":
        raise MicrogptTorchError(f"{where}: model_type must be \"gpt2\", found {describe(data.get('model_type'))}")
    if data.get("add_cross_attention", False):
        raise MicrogptTorchError(f"{where}: add_cross_attention must be false (cross-attention is not supported)")
    known = {f.name for f in fields(GPT2Config)}
    # Other fields (summary_*, torch_dtype, transformers_version, ...) do not change what the LM head computes.
    values = {key: value for key, value in data.items() if key in known}
    for field in ("bos_token_id", "eos_token_id"):  # HF's default 50256 means nothing to a smaller vocabulary
        if field not in values and isinstance(values.get("vocab_size"), int) and values["vocab_size"] <= 50256:
            values[field] = None
    try:
        return GPT2Config(**values)
    except MicrogptTorchError as error:
        raise MicrogptTorchError(str(error).replace("config:", f"{where}:", 1)) from None


def read_config(folder: str | os.PathLike) -> GPT2Config:
    """The checked config of an HF folder (``folder``/config.json). Errors as config_from_dict, or
    MicrogptTorchError when the file is missing or not JSON."""
    path = os.path.join(folder, "config.json")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        raise MicrogptTorchError(f"{path}: not found; expected a Hugging Face model folder", hint="export one with microgpt first") from None
    except OSError as error:
        raise MicrogptTorchError(f"{path}: cannot read the file ({error.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MicrogptTorchError(f"{path}: not JSON ({error})") from None
    return config_from_dict(data, path)


def write_json(path: str | os.PathLike, data: object) -> None:
    """Writes ``data`` as indented JSON (what HF's save_pretrained writes), atomically."""
    temporary = f"{path}.tmp-{os.getpid()}"
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
        os.replace(temporary, path)
    except OSError as error:
        raise MicrogptTorchError(f"{path}: cannot write the file ({error.strerror})") from None
