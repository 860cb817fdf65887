"""GPT-2 as Hugging Face's ``GPT2LMHeadModel`` computes it (modeling_gpt2.py, eager attention), written anew:
Conv1D layers (y = x @ W + b with W stored [in, out]), pre-norm blocks with LayerNorm, causal attention scaled
by 1/sqrt(head_dim), the MLP activation named by the config, a final LayerNorm, and a head tied to the token
embedding unless ``tie_word_embeddings`` is false. The parameter names are HF's (``transformer.h.0.attn.c_attn.
weight``, ...), so a state dict moves between this model and HF's unchanged. A KV cache (HF's
``past_key_values`` / ``use_cache``) makes generation cost one position per new token.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .config import GPT2Config
from .errors import MicrogptTorchError

#: Per layer, the (key, value) tensors of the positions seen so far, each (B, n_head, past, head_dim).
KVCache = list[tuple[torch.Tensor, torch.Tensor]]


def gelu_new(x: torch.Tensor) -> torch.Tensor:
    """GELU's tanh approximation written as HF's NewGELUActivation writes it (same operations, same order)."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def activation(name: str):
    """The MLP activation for a config's ``activation_function`` (HF's ACT2FN entries of the same names)."""
    table = {
        "gelu_new": gelu_new,
        "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "gelu": F.gelu,
        "relu": F.relu,
        "silu": F.silu,
        "swish": F.silu,
        "relu2": lambda x: torch.square(F.relu(x)),
    }
    if name not in table:
        raise MicrogptTorchError(f"activation: expected one of {', '.join(table)}, found {name!r}")
    return table[name]


class Conv1D(nn.Module):
    """HF's Conv1D: a linear layer whose weight is stored transposed, [in, out], so y = x @ W + b."""

    def __init__(self, n_out: int, n_in: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.zeros(n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = x.shape[:-1] + (self.weight.shape[1],)
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(shape)


class Attention(nn.Module):
    """Causal self-attention (HF's GPT2Attention without cross-attention or head pruning)."""

    def __init__(self, config: GPT2Config, layer_idx: int):
        super().__init__()
        self.config = config
        self.layer_idx = layer_idx
        self.c_attn = Conv1D(3 * config.n_embd, config.n_embd)
        self.c_proj = Conv1D(config.n_embd, config.n_embd)
        self.attn_dropout = nn.Dropout(config.attn_pdrop)
        self.resid_dropout = nn.Dropout(config.resid_pdrop)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        B, T, _ = x.shape
        return x.view(B, T, self.config.n_head, self.config.head_dim).permute(0, 2, 1, 3)

    def forward(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        q, k, v = (self._heads(part) for part in self.c_attn(x).split(self.config.n_embd, dim=2))
        if past is not None:
            k = torch.cat((past[0], k), dim=-2)
            v = torch.cat((past[1], v), dim=-2)
        weights = torch.matmul(q, k.transpose(-1, -2))
        if self.config.scale_attn_weights:
            weights = weights / torch.full([], v.size(-1) ** 0.5, dtype=weights.dtype, device=weights.device)
        if self.config.scale_attn_by_inverse_layer_idx:
            weights = weights / float(self.layer_idx + 1)
        t_q, t_k = q.size(-2), k.size(-2)
        # Query i (absolute position t_k - t_q + i) sees keys 0 … t_k - t_q + i.
        causal = torch.ones(t_q, t_k, dtype=torch.bool, device=x.device).tril(diagonal=t_k - t_q)
        weights = torch.where(causal, weights, torch.full([], torch.finfo(weights.dtype).min, dtype=weights.dtype, device=weights.device))
        weights = self.attn_dropout(F.softmax(weights, dim=-1))
        y = torch.matmul(weights, v).permute(0, 2, 1, 3).contiguous()
        y = y.view(y.shape[0], y.shape[1], self.config.n_embd)
        return self.resid_dropout(self.c_proj(y)), (k, v)


class MLP(nn.Module):
    """c_fc, the activation, c_proj, dropout (HF's GPT2MLP)."""

    def __init__(self, config: GPT2Config):
        super().__init__()
        self.c_fc = Conv1D(config.inner_dim, config.n_embd)
        self.c_proj = Conv1D(config.n_embd, config.inner_dim)
        self.act = activation(config.activation_function)
        self.dropout = nn.Dropout(config.resid_pdrop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(self.act(self.c_fc(x))))


class Block(nn.Module):
    """x + attn(ln_1(x)), then + mlp(ln_2(·)) (HF's GPT2Block)."""

    def __init__(self, config: GPT2Config, layer_idx: int):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.attn = Attention(config, layer_idx)
        self.ln_2 = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)
        self.mlp = MLP(config)

    def forward(self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        attended, present = self.attn(self.ln_1(x), past)
        x = x + attended
        return x + self.mlp(self.ln_2(x)), present


class Transformer(nn.Module):
    """The body (HF's GPT2Model): embeddings, blocks, final LayerNorm; named as HF names it."""

    def __init__(self, config: GPT2Config):
        super().__init__()
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.n_positions, config.n_embd)
        self.drop = nn.Dropout(config.embd_pdrop)
        self.h = nn.ModuleList(Block(config, i) for i in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd, eps=config.layer_norm_epsilon)


class GPT2LMHeadModel(nn.Module):
    """GPT-2 with its language-model head. ``state_dict()`` keys are HF's; with a tied head ``lm_head.weight``
    is the same Parameter as ``transformer.wte.weight`` (HF leaves it out of saved files, as save_pretrained
    here does)."""

    def __init__(self, config: GPT2Config):
        super().__init__()
        self.config = config
        self.transformer = Transformer(config)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.transformer.wte.weight
        self.init_weights(config.initializer_range)

    def init_weights(self, std: float, generator: torch.Generator | None = None) -> None:
        """HF's _init_weights: every matrix and embedding N(0, std), the residual projections (c_proj)
        N(0, std / sqrt(2 · n_layer)), biases 0, LayerNorm gains 1."""
        with torch.no_grad():
            for name, p in self.named_parameters():
                if p.dim() >= 2:
                    scale = std / math.sqrt(2 * self.config.n_layer) if name.endswith("c_proj.weight") else std
                    p.copy_(torch.randn(p.shape, generator=generator, dtype=p.dtype) * scale)
                elif name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
                    p.fill_(1.0)
                else:
                    p.zero_()

    def forward(self, input_ids: torch.Tensor, past: KVCache | None = None, use_cache: bool = False) -> tuple[torch.Tensor, KVCache | None]:
        """Logits (B, T, vocab_size) of ``input_ids`` (B, T), placed after the ``past`` positions of the cache.

        Returns the logits and, with ``use_cache``, the cache including these positions.
        Raises MicrogptTorchError when the ids are not (B, T) with T ≥ 1, when past + T exceeds n_positions, or
        when an id is outside the vocabulary.
        """
        if input_ids.dim() != 2 or input_ids.shape[1] < 1:
            raise MicrogptTorchError(f"forward: input_ids must be (B, T) with T ≥ 1, found shape {tuple(input_ids.shape)}")
        past_len = past[0][0].size(-2) if past else 0
        T = input_ids.shape[1]
        if past_len + T > self.config.n_positions:
            raise MicrogptTorchError(f"forward: {past_len} cached + {T} new positions exceed n_positions {self.config.n_positions}")
        if input_ids.numel() and (int(input_ids.min()) < 0 or int(input_ids.max()) >= self.config.vocab_size):
            raise MicrogptTorchError(f"forward: ids must be in [0, {self.config.vocab_size}), found {int(input_ids.min())} … {int(input_ids.max())}")
        body = self.transformer
        positions = torch.arange(past_len, past_len + T, device=input_ids.device)
        x = body.drop(body.wte(input_ids) + body.wpe(positions))
        presents: KVCache = []
        for i, block in enumerate(body.h):
            x, present = block(x, past[i] if past else None)
            presents.append(present)
        logits = self.lm_head(body.ln_f(x))
        return logits, (presents if use_cache else None)


def next_token_loss(logits: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
    """HF's loss for ``labels=input_ids``: the mean cross-entropy of position t's logits against id t + 1 over
    every sequence (NaN when T = 1, as HF's mean over no targets)."""
    V = logits.shape[-1]
    return F.cross_entropy(logits[:, :-1].reshape(-1, V), input_ids[:, 1:].reshape(-1))
