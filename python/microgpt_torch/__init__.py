"""microgpt_torch: microgpt's GPT-2 exports in PyTorch. Load and save Hugging Face GPT-2 folders, continue
training them with DDP under torchrun on microgpt's token files and batch order, and sample from them. PyTorch
is the only requirement; `safetensors`, `tokenizers` and `transformers` are used when installed."""
from .config import GPT2Config, config_from_dict, read_config
from .errors import MicrogptTorchError
from .generate import generate
from .hf_folder import from_pretrained, save_pretrained
from .model import GPT2LMHeadModel, next_token_loss
from .safetensors_io import decode_safetensors, encode_safetensors, load_safetensors, save_safetensors
from .tokenizer import ByteLevelBPE, load_tokenizer, tokenizer_from_json

__all__ = [
    "ByteLevelBPE",
    "GPT2Config",
    "GPT2LMHeadModel",
    "MicrogptTorchError",
    "config_from_dict",
    "decode_safetensors",
    "encode_safetensors",
    "from_pretrained",
    "generate",
    "load_safetensors",
    "load_tokenizer",
    "next_token_loss",
    "read_config",
    "save_pretrained",
    "save_safetensors",
    "tokenizer_from_json",
]
