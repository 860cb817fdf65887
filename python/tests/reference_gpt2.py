"""GPT-2's forward pass written out from the paper's equations, independently of microgpt_torch.model: separate
q/k/v matrices cut from c_attn's columns, one head at a time, LayerNorm and GELU from their formulas. The
tests check the model against it (float64)."""
from __future__ import annotations

import math

import torch


def layer_norm(x: torch.Tensor, gain: torch.Tensor, bias: torch.Tensor, eps: float) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps) * gain + bias


def gelu(x: torch.Tensor, kind: str) -> torch.Tensor:
    if kind == "gelu":
        return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    assert kind == "gelu_new", kind
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))


def forward(weights: dict[str, torch.Tensor], config: dict, ids: list[int]) -> torch.Tensor:
    """Logits (T, V) of one sequence, from HF-named weights (Conv1D layout) and a config.json dict."""
    w = {k: v.double() for k, v in weights.items()}
    C, H, eps = config["n_embd"], config["n_head"], config["layer_norm_epsilon"]
    D = C // H
    T = len(ids)
    x = w["transformer.wte.weight"][ids] + w["transformer.wpe.weight"][:T]
    for layer in range(config["n_layer"]):
        p = f"transformer.h.{layer}."
        a = layer_norm(x, w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        Wqkv, bqkv = w[p + "attn.c_attn.weight"], w[p + "attn.c_attn.bias"]
        heads = []
        for h in range(H):
            cols = lambda part: slice(part * C + h * D, part * C + (h + 1) * D)  # noqa: E731
            q, k, v = (a @ Wqkv[:, cols(i)] + bqkv[cols(i)] for i in range(3))
            scores = (q @ k.T) / math.sqrt(D)
            scores = scores.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), -math.inf)
            heads.append(torch.softmax(scores, dim=-1) @ v)
        x = x + torch.cat(heads, dim=-1) @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        m = layer_norm(x, w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        hidden = gelu(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"], config["activation_function"])
        x = x + hidden @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = layer_norm(x, w["transformer.ln_f.weight"], w["transformer.ln_f.bias"], eps)
    head = w["transformer.wte.weight"] if config.get("tie_word_embeddings", True) else w["lm_head.weight"]
    return x @ head.T
