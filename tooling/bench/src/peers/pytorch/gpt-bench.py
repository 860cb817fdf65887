#!/usr/bin/env python3
"""PyTorch peer for microgpt's `train` and `generate` benchmark suites (plain PyTorch eager, CPU).

Usage: gpt-bench.py --case {shakespeare-cpu,generate,microgpt-py,quality,gpt2-124m} --threads N [--data FILE] [--model DIR]
                    [--seed N]

--threads sets torch's intra-op threads; OpenBLAS (which does torch's matmuls in Debian's build) takes its own
count from OPENBLAS_NUM_THREADS. Each row's `threads` is the larger of the two: OpenBLAS is called from torch's
calling thread, not from inside its parallel regions, so that is the most cores the run keeps busy.

Prints one JSON line per measurement on stdout, {suite, name, impl, threads, metric, value, unit}, and after each
case an `rss_mb` row: the process's peak resident memory. A one-line note (final loss) goes to stderr.

Cases:
  shakespeare-cpu  nanoGPT-like char model (vocab 65, 4 layers, 4 heads, width 128, block 64), batch 12, AdamW,
                   grad-norm clip 1.0: median ms per step (forward + backward + clip + step) and tokens/s.
  generate         the same model, batch 1, 200 tokens without a KV cache (each token runs a full forward over the
                   last 64 tokens, as nanoGPT's sample.py does): tokens/s; then with a KV cache (impl
                   pytorch-kv-cache; a full cache re-encodes the window's last half, as microgpt does) for 1 and
                   16 sequences decoded together (name shakespeare-cpu-x16; tokens/s counts every sequence's).
  microgpt-py      microgpt.py's model and training loop in float64: 1000 steps of one document each (names from
                   --data, else random 3-10 letter sequences): wall seconds of the loop.
  quality          nanoGPT's CPU run on Tiny Shakespeare (--data): 2000 iterations with its lr schedule, then the
                   val loss over 200 random batches, and the wall seconds of training. --seed (torch.manual_seed,
                   default 1337) picks the init, the batches and the evaluation windows.
  gpt2-124m        the Hugging Face GPT-2 folder --model (microgpt's export of the gpt2 preset's shape) loaded by
                   the repository's python/microgpt_torch (HF's GPT-2 computation): tokens/s generating 32 tokens
                   with its KV cache after a one-token prompt, and the seconds of one 1,024-token prompt pass.
"""
import argparse
import json
import math
import os
import random
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

IMPL = 'pytorch'


def emit(suite, name, threads, metric, value, unit, impl=IMPL):
    row = {'suite': suite, 'name': name, 'impl': impl, 'threads': threads, 'metric': metric,
           'value': round(value, 4), 'unit': unit}
    print(json.dumps(row), flush=True)


def emit_peak_rss(suite, name, threads, impl=IMPL):
    # Linux reports ru_maxrss in KiB.
    emit(suite, name, threads, 'rss_mb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'MB', impl)


def median_seconds(fn, warmup, runs):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def causal_mask(block_size):
    """(block_size, block_size) booleans, True where a query would see a later key."""
    return torch.ones(block_size, block_size, dtype=torch.bool).triu(1)


class LayerNorm(nn.Module):
    """LayerNorm with a gain and no bias (torch 1.13's nn.LayerNorm cannot drop the bias alone)."""

    def __init__(self, width):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class RMSNorm(nn.Module):
    """microgpt.py's rmsnorm: x / sqrt(mean(x²) + 1e-5), no gain."""

    def __init__(self, width):  # width unused (no gain); taken so that Block can build either norm
        super().__init__()

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5)


class SelfAttention(nn.Module):
    """Multi-head causal self-attention with separate q, k, v, o projections, no biases."""

    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.q, self.k, self.v, self.o = (nn.Linear(width, width, bias=False) for _ in range(4))

    def forward(self, x, future):  # x (B, T, C) -> (B, T, C)
        B, T, C = x.shape
        q, k, v = (p(x).view(B, T, self.heads, C // self.heads).transpose(1, 2) for p in (self.q, self.k, self.v))
        scores = (q @ k.transpose(-2, -1)) * q.shape[-1] ** -0.5  # (B, H, T, T)
        y = scores.masked_fill(future[:T, :T], float('-inf')).softmax(-1) @ v  # (B, H, T, D)
        return self.o(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    """Pre-norm transformer block: x + attn(norm(x)), then x + fc2(activation(fc1(norm(x)))) with a 4x MLP."""

    def __init__(self, width, heads, norm, activation):
        super().__init__()
        self.norm1, self.norm2 = norm(width), norm(width)
        self.attn = SelfAttention(width, heads)
        self.fc1 = nn.Linear(width, 4 * width, bias=False)
        self.fc2 = nn.Linear(4 * width, width, bias=False)
        self.activation = activation

    def forward(self, x, future):
        x = x + self.attn(self.norm1(x), future)
        return x + self.fc2(self.activation(self.fc1(self.norm2(x))))


class NanoGPT(nn.Module):
    """nanoGPT's shape: token + position embeddings, LayerNorm/GELU blocks, final LayerNorm, head tied to wte."""

    def __init__(self, vocab, block_size, width, heads, layers):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(block_size, width)
        self.blocks = nn.ModuleList(Block(width, heads, LayerNorm, F.gelu) for _ in range(layers))
        self.norm = LayerNorm(width)
        self.register_buffer('future', causal_mask(block_size))
        for p in self.parameters():
            if p.dim() == 2:
                nn.init.normal_(p, std=0.02)
        # nanoGPT's scaled init of the projections into the residual stream.
        for block in self.blocks:
            for p in (block.attn.o.weight, block.fc2.weight):
                nn.init.normal_(p, std=0.02 / (2 * layers) ** 0.5)

    def forward(self, idx, last_only=False):  # idx (B, T) -> logits (B, T, V), or (B, 1, V) if last_only
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x, self.future)
        x = self.norm(x[:, -1:] if last_only else x)
        return F.linear(x, self.wte.weight)


class MicroGPT(nn.Module):
    """microgpt.py's model: embeddings, rmsnorm, RMSNorm/ReLU blocks, a separate lm_head; N(0, 0.08) init."""

    def __init__(self, vocab, block_size, width, heads, layers):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(block_size, width)
        self.norm = RMSNorm(width)
        self.blocks = nn.ModuleList(Block(width, heads, RMSNorm, F.relu) for _ in range(layers))
        self.lm_head = nn.Linear(width, vocab, bias=False)
        self.register_buffer('future', causal_mask(block_size))
        for p in self.parameters():
            nn.init.normal_(p, std=0.08)

    def forward(self, idx):  # idx (B, T) -> logits (B, T, V)
        x = self.norm(self.wte(idx) + self.wpe(torch.arange(idx.shape[1])))
        for block in self.blocks:
            x = block(x, self.future)
        return self.lm_head(x)


SHAKESPEARE = {'vocab': 65, 'block_size': 64, 'width': 128, 'heads': 4, 'layers': 4}


def shakespeare_cpu(threads):
    B, T, V = 12, SHAKESPEARE['block_size'], SHAKESPEARE['vocab']
    model = NanoGPT(**SHAKESPEARE)
    # As nanoGPT: weight decay on matrices and embeddings, not on norm gains.
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    gains = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': matrices, 'weight_decay': 0.1}, {'params': gains, 'weight_decay': 0.0}],
                            lr=1e-3, betas=(0.9, 0.99))
    losses = []

    def step():
        # Random tokens: the step's cost does not depend on the text.
        batch = torch.randint(V, (B, T + 1))
        logits = model(batch[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, V), batch[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())

    seconds = median_seconds(step, warmup=5, runs=30)
    emit('train', 'shakespeare-cpu', threads, 'ms_per_step', seconds * 1000, 'ms')
    emit('train', 'shakespeare-cpu', threads, 'tokens_per_s', B * T / seconds, 'tokens/s')
    emit_peak_rss('train', 'shakespeare-cpu', threads)
    print(f'shakespeare-cpu: last loss {losses[-1]:.4f}', file=sys.stderr)


def nanogpt_lr(it, lr=1e-3, min_lr=1e-4, warmup=100, decay_iters=2000):
    """nanoGPT's get_lr: linear warmup, then cosine down to min_lr."""
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    if it > decay_iters:
        return min_lr
    ratio = (it - warmup) / (decay_iters - warmup)
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)


def quality(threads, data_path):
    """nanoGPT's CPU run on Tiny Shakespeare: 2000 iterations, then the val loss over 200 batches of 12 x 64."""
    B, T, iters = 12, SHAKESPEARE['block_size'], 2000
    with open(data_path, encoding='utf-8') as f:
        text = f.read()
    chars = sorted(set(text))
    data = torch.tensor([chars.index(c) for c in text], dtype=torch.long)
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]

    def batch(source):
        ix = torch.randint(len(source) - T, (B,))
        x = torch.stack([source[i:i + T] for i in ix])
        return x, torch.stack([source[i + 1:i + 1 + T] for i in ix])

    model = NanoGPT(**{**SHAKESPEARE, 'vocab': len(chars)})
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    gains = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': matrices, 'weight_decay': 0.1}, {'params': gains, 'weight_decay': 0.0}],
                            lr=1e-3, betas=(0.9, 0.99))
    start = time.perf_counter()
    for it in range(iters):
        for group in opt.param_groups:
            group['lr'] = nanogpt_lr(it)
        x, y = batch(train)
        loss = F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    seconds = time.perf_counter() - start
    model.eval()
    with torch.no_grad():
        losses = []
        for _ in range(200):
            x, y = batch(val)
            losses.append(F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1)).item())
    emit('quality', 'shakespeare-cpu', threads, 'val_loss', statistics.mean(losses), 'nats')
    emit('quality', 'shakespeare-cpu', threads, 'train_seconds', seconds, 's')
    emit_peak_rss('quality', 'shakespeare-cpu', threads)


def generate(threads):
    tokens, block_size = 200, SHAKESPEARE['block_size']
    model = NanoGPT(**SHAKESPEARE).eval()

    @torch.no_grad()
    def sample():
        idx = torch.zeros((1, 1), dtype=torch.long)
        for _ in range(tokens):
            logits = model(idx[:, -block_size:], last_only=True)[:, -1, :]  # (1, V)
            idx = torch.cat((idx, torch.multinomial(F.softmax(logits, -1), 1)), 1)
        return idx

    seconds = median_seconds(sample, warmup=1, runs=5)
    emit('generate', 'shakespeare-cpu', threads, 'tokens_per_s', tokens / seconds, 'tokens/s')
    emit_peak_rss('generate', 'shakespeare-cpu', threads)
    print(f'generate: {tokens} tokens in {seconds:.3f} s', file=sys.stderr)
    for sequences, name in ((1, 'shakespeare-cpu'), (16, 'shakespeare-cpu-x16')):
        seconds = median_seconds(lambda: sample_cached(model, sequences, tokens), warmup=1, runs=5)
        emit('generate', name, threads, 'tokens_per_s', sequences * tokens / seconds, 'tokens/s', CACHED_IMPL)
        emit_peak_rss('generate', name, threads, CACHED_IMPL)
        print(f'generate with a KV cache: {sequences} x {tokens} tokens in {seconds:.3f} s', file=sys.stderr)


CACHED_IMPL = 'pytorch-kv-cache'


@torch.no_grad()
def forward_cached(model, idx, cache):
    """NanoGPT's forward for new tokens idx (B, t) after the cache's keys and values (one (k, v) per block, each
    (B, H, length, D), or None when empty); appends to the cache and returns the last position's logits (B, V)."""
    length = 0 if cache[0] is None else cache[0][0].shape[2]
    t = idx.shape[1]
    x = model.wte(idx) + model.wpe(torch.arange(length, length + t))
    for layer, block in enumerate(model.blocks):
        attn = block.attn
        h = block.norm1(x)
        B, _, C = h.shape
        q, k, v = (p(h).view(B, t, attn.heads, C // attn.heads).transpose(1, 2) for p in (attn.q, attn.k, attn.v))
        if cache[layer] is not None:
            k, v = torch.cat((cache[layer][0], k), 2), torch.cat((cache[layer][1], v), 2)
        cache[layer] = (k, v)
        scores = (q @ k.transpose(-2, -1)) * q.shape[-1] ** -0.5  # (B, H, t, length + t)
        y = scores.masked_fill(model.future[length:length + t, :length + t], float('-inf')).softmax(-1) @ v
        x = x + attn.o(y.transpose(1, 2).reshape(B, t, C))
        x = x + block.fc2(block.activation(block.fc1(block.norm2(x))))
    return F.linear(model.norm(x[:, -1]), model.wte.weight)


def sample_cached(model, sequences, tokens):
    """`sequences` samples of `tokens` tokens decoded together through a KV cache; when the cache is full the last
    half of the window is encoded again from position 0 (what microgpt's generate does)."""
    block_size = SHAKESPEARE['block_size']
    idx = torch.zeros((sequences, 1), dtype=torch.long)
    cache = [None] * len(model.blocks)
    logits = forward_cached(model, idx, cache)
    for _ in range(tokens):
        nxt = torch.multinomial(F.softmax(logits, -1), 1)  # (B, 1)
        idx = torch.cat((idx, nxt), 1)
        if cache[0][0].shape[2] < block_size:
            logits = forward_cached(model, nxt, cache)
        else:
            cache = [None] * len(model.blocks)
            logits = forward_cached(model, idx[:, -(block_size // 2):], cache)
    return idx


def microgpt_documents(data_path):
    """microgpt.py's token sequences [BOS, ..., BOS] and vocabulary size (letters + BOS)."""
    rng = random.Random(42)
    if data_path is None:
        letters = 26
        docs = [[rng.randrange(letters) for _ in range(rng.randint(3, 10))] for _ in range(1000)]
    else:
        with open(data_path, encoding='utf-8') as f:
            names = [line.strip() for line in f if line.strip()]
        rng.shuffle(names)
        chars = sorted(set(''.join(names)))
        letters = len(chars)
        index = {c: i for i, c in enumerate(chars)}
        docs = [[index[c] for c in name] for name in names]
    bos = letters
    return [[bos, *doc, bos] for doc in docs], letters + 1


def microgpt_py(threads, data_path):
    steps, block_size = 1000, 16
    sequences, vocab = microgpt_documents(data_path)
    model = MicroGPT(vocab, block_size, width=16, heads=4, layers=1).double()
    opt = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.85, 0.99), eps=1e-8)
    decay = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1 - step / steps)
    start = time.perf_counter()
    for step in range(steps):
        seq = sequences[step % len(sequences)]
        n = min(block_size, len(seq) - 1)
        inputs, targets = torch.tensor([seq[:n]]), torch.tensor(seq[1:n + 1])  # (1, n), (n,)
        loss = F.cross_entropy(model(inputs)[0], targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        decay.step()
    seconds = time.perf_counter() - start
    emit('train', 'microgpt-py', threads, 'train_seconds', seconds, 's')
    emit_peak_rss('train', 'microgpt-py', threads)
    print(f'microgpt-py: {steps} steps, last loss {loss.item():.4f}', file=sys.stderr)


def gpt2_124m(threads, model_path):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', '..', 'python'))
    from microgpt_torch.generate import generate as generate_cached
    from microgpt_torch.hf_folder import from_pretrained

    model = from_pretrained(model_path, torch.float32)
    tokens = 32
    generator = torch.Generator().manual_seed(1)

    @torch.no_grad()
    def sample():
        return generate_cached(model, [50256], tokens, temperature=1.0, generator=generator)

    seconds = median_seconds(sample, warmup=1, runs=3)
    emit('generate', 'gpt2-124m', threads, 'tokens_per_s', tokens / seconds, 'tokens/s')
    prompt = torch.tensor([[(i * 7919) % model.config.vocab_size for i in range(1024)]])
    start = time.perf_counter()
    with torch.no_grad():
        model(prompt, use_cache=True)
    emit('generate', 'gpt2-124m', threads, 'prefill_1024_seconds', time.perf_counter() - start, 's')
    emit_peak_rss('generate', 'gpt2-124m', threads)
    print(f'gpt2-124m: {tokens} tokens in {seconds:.3f} s', file=sys.stderr)


CASES = {
    'shakespeare-cpu': lambda threads, args: shakespeare_cpu(threads),
    'generate': lambda threads, args: generate(threads),
    'microgpt-py': lambda threads, args: microgpt_py(threads, args.data),
    'quality': lambda threads, args: quality(threads, args.data),
    'gpt2-124m': lambda threads, args: gpt2_124m(threads, args.model),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--case', required=True, choices=CASES)
    parser.add_argument('--threads', type=int, required=True, help="torch's intra-op threads")
    parser.add_argument('--data', help='names file (one per line) for microgpt-py')
    parser.add_argument('--model', help='Hugging Face GPT-2 folder for gpt2-124m')
    parser.add_argument('--seed', type=int, default=1337, help='torch.manual_seed (default 1337)')
    args = parser.parse_args()
    if (args.model is None) != (args.case != 'gpt2-124m'):
        parser.error('--model is required for gpt2-124m, and for it only')
    if args.data is not None and args.case not in ('microgpt-py', 'quality'):
        parser.error(f'--data is for microgpt-py and quality only, not {args.case}')
    if args.data is None and args.case == 'quality':
        parser.error('--data (Tiny Shakespeare) is required for quality')
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    blas_threads = int(os.environ.get('OPENBLAS_NUM_THREADS') or os.cpu_count() or 1)
    CASES[args.case](max(args.threads, blas_threads), args)


if __name__ == '__main__':
    main()
