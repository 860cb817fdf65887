"""Hugging Face model folders: ``from_pretrained`` reads config.json and model.safetensors into a
GPT2LMHeadModel; ``save_pretrained`` writes the files ``GPT2LMHeadModel.from_pretrained`` reads (config.json,
model.safetensors with HF's names in Conv1D layout and ``{"format": "pt"}`` metadata, generation_config.json),
keeping the tokenizer files of the folder the model came from."""
from __future__ import annotations

import os
import shutil

import torch

from .config import GPT2Config, read_config, write_json
from .errors import MicrogptTorchError
from .model import GPT2LMHeadModel
from .safetensors_io import load_safetensors, save_safetensors

WEIGHTS_FILE = "model.safetensors"
#: Files a folder may carry besides the weights and config, copied by save_pretrained's ``copy_from``.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt")
#: Float dtypes a folder's weights may be saved in.
SAVE_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def _canonical(name: str) -> str | None:
    """HF's name for a stored tensor: checkpoints saved from GPT2Model (OpenAI's gpt2 on the Hub) lack the
    ``transformer.`` prefix; the causal-mask buffers ``attn.bias`` / ``attn.masked_bias`` are not weights."""
    if name.endswith((".attn.bias", ".attn.masked_bias")):
        return None
    if name == "lm_head.weight" or name.startswith("transformer."):
        return name
    return "transformer." + name


def load_state(model: GPT2LMHeadModel, tensors: dict[str, torch.Tensor], where: str) -> None:
    """Copies HF-named ``tensors`` into ``model`` (converting their dtype).

    Raises MicrogptTorchError naming ``where`` for a missing or unexpected tensor, a shape that differs from
    the config's, or, with a tied head, an ``lm_head.weight`` that differs from ``transformer.wte.weight``.
    """
    expected = model.state_dict()
    found: dict[str, torch.Tensor] = {}
    for name, tensor in tensors.items():
        key = _canonical(name)
        if key is None:
            continue
        if key not in expected:
            raise MicrogptTorchError(f"{where}: unexpected tensor '{name}' (not a GPT2LMHeadModel weight for this config)")
        found[key] = tensor
    tied = model.config.tie_word_embeddings
    if tied and "lm_head.weight" in found:
        wte = found.get("transformer.wte.weight")
        if wte is None or not torch.equal(found["lm_head.weight"].float(), wte.float()):
            raise MicrogptTorchError(f"{where}: config.json ties the head (tie_word_embeddings: true) but lm_head.weight differs from transformer.wte.weight")
    for key, target in expected.items():
        if key == "lm_head.weight" and tied:
            continue
        if key not in found:
            raise MicrogptTorchError(f"{where}: missing tensor '{key}'" + (" (config.json says tie_word_embeddings: false)" if key == "lm_head.weight" else ""))
        if tuple(found[key].shape) != tuple(target.shape):
            raise MicrogptTorchError(f"{where}: tensor '{key}' has shape {list(found[key].shape)}; the config needs {list(target.shape)}")
    with torch.no_grad():
        for key, target in expected.items():
            if key in found and not (key == "lm_head.weight" and tied):
                target.copy_(found[key].to(target.dtype))


def from_pretrained(folder: str | os.PathLike, dtype: torch.dtype = torch.float32, device: str | torch.device = "cpu") -> GPT2LMHeadModel:
    """The model of an HF GPT-2 folder (config.json + model.safetensors, float32/16 or bfloat16 weights) in
    ``dtype`` on ``device``, in eval mode. Errors: MicrogptTorchError from the config, the safetensors reader
    or load_state, naming the file."""
    config = read_config(folder)
    path = os.path.join(folder, WEIGHTS_FILE)
    if not os.path.exists(path):
        raise MicrogptTorchError(f"{path}: not found (only safetensors weights are read; pytorch_model.bin is not)")
    tensors, _ = load_safetensors(path)
    model = GPT2LMHeadModel(config).to(dtype)
    load_state(model, tensors, path)
    return model.to(device).eval()


def hf_state(model: GPT2LMHeadModel, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """The tensors save_pretrained writes: HF's names, ``lm_head.weight`` only when the head is untied."""
    state = model.state_dict()
    if model.config.tie_word_embeddings:
        state.pop("lm_head.weight")
    return {name: t.detach().to("cpu", dtype).contiguous() for name, t in state.items()}


def generation_config(config: GPT2Config) -> dict[str, object]:
    """generation_config.json as HF derives it from a GPT-2 config."""
    return {"_from_model_config": True, "bos_token_id": config.bos_token_id, "eos_token_id": config.eos_token_id}


def save_pretrained(model: GPT2LMHeadModel, folder: str | os.PathLike, dtype: str = "float32", copy_from: str | os.PathLike | None = None) -> None:
    """Writes ``model`` as an HF folder (created if needed): config.json, model.safetensors in ``dtype``
    (float32, float16 or bfloat16), generation_config.json, and the tokenizer files of ``copy_from`` when given.
    Raises MicrogptTorchError for an unknown dtype or a file that cannot be written."""
    if dtype not in SAVE_DTYPES:
        raise MicrogptTorchError(f"save_pretrained: dtype must be one of {', '.join(SAVE_DTYPES)}, found {dtype!r}")
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as error:
        raise MicrogptTorchError(f"{folder}: cannot create the folder ({error.strerror})") from None
    save_safetensors(os.path.join(folder, WEIGHTS_FILE), hf_state(model, SAVE_DTYPES[dtype]), {"format": "pt"})
    write_json(os.path.join(folder, "config.json"), model.config.to_hf_dict(dtype))
    write_json(os.path.join(folder, "generation_config.json"), generation_config(model.config))
    if copy_from is not None and os.path.abspath(copy_from) != os.path.abspath(folder):
        for name in TOKENIZER_FILES:
            source = os.path.join(copy_from, name)
            if os.path.exists(source):
                try:
                    shutil.copyfile(source, os.path.join(folder, name))
                except OSError as error:
                    raise MicrogptTorchError(f"{source}: cannot copy into {folder} ({error.strerror})") from None
