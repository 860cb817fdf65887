"""Generation with the KV cache: the prompt is encoded once, then each new token costs one position. When the
cache holds n_positions tokens, the window slides as microgpt's does (slide.ts): the last ceil(n/2) tokens are
encoded again from position 0."""
from __future__ import annotations

import math

import torch

from .errors import MicrogptTorchError
from .model import GPT2LMHeadModel


def pick(logits: torch.Tensor, temperature: float, top_k: int | None, generator: torch.Generator | None) -> int:
    """The next id from one position's logits (V,): the argmax at temperature 0, else a draw from
    softmax(logits / temperature), cut to the top_k most likely ids when given."""
    if temperature == 0:
        return int(torch.argmax(logits))
    scaled = logits.double() / temperature
    if top_k is not None and top_k < scaled.numel():
        cutoff = torch.topk(scaled, top_k).values[-1]
        scaled = torch.where(scaled < cutoff, torch.full_like(scaled, -math.inf), scaled)
    probs = torch.softmax(scaled, dim=-1)
    return int(torch.multinomial(probs.cpu(), 1, generator=generator))


@torch.no_grad()
def generate(
    model: GPT2LMHeadModel,
    prompt: list[int],
    max_new_tokens: int,
    temperature: float = 1.0,
    top_k: int | None = None,
    generator: torch.Generator | None = None,
    stop_id: int | None = None,
) -> list[int]:
    """The ids generated after ``prompt`` (not including it): up to ``max_new_tokens``, ending early after
    ``stop_id`` (which is included).

    Raises MicrogptTorchError for an empty prompt, a negative count or temperature, or top_k < 1.
    """
    if not prompt:
        raise MicrogptTorchError("generate: the prompt must hold at least one id")
    if max_new_tokens < 0 or not (temperature >= 0 and math.isfinite(temperature)):
        raise MicrogptTorchError(f"generate: max_new_tokens must be ≥ 0 and temperature finite and ≥ 0, found {max_new_tokens} and {temperature}")
    if top_k is not None and top_k < 1:
        raise MicrogptTorchError(f"generate: top_k must be ≥ 1, found {top_k}")
    model.eval()
    device = next(model.parameters()).device
    window = model.config.n_positions
    context = list(prompt[-window:])
    logits, cache = model(torch.tensor([context], device=device), use_cache=True)
    out: list[int] = []
    for i in range(max_new_tokens):
        token = pick(logits[0, -1], temperature, top_k, generator)
        out.append(token)
        context.append(token)
        if token == stop_id or i == max_new_tokens - 1:
            break
        if cache[0][0].size(-2) < window:
            logits, cache = model(torch.tensor([[token]], device=device), past=cache, use_cache=True)
        else:
            keep = context[-max(1, math.ceil(window / 2)) :]
            logits, cache = model(torch.tensor([keep], device=device), use_cache=True)
    return out
