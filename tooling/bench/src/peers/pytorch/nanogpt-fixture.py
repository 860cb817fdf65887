#!/usr/bin/env python3
"""Writes packages/model/src/train/fixtures/nanogpt-adamw.json: the PyTorch peer's nanoGPT model and training step
(gpt-bench.py's NanoGPT, quality loop and nanogpt_lr) at a small size, so that the trainer's test can check our
step against PyTorch's, step by step, to float32 rounding. Run by hand after changing the recipe:

    /usr/bin/python3 tooling/bench/src/peers/pytorch/nanogpt-fixture.py

The fixture holds the config, the settings, the initial weights (microgpt's parameter names), the batches, each
step's loss and gradient norm (before clipping) and the weights after the last step.
"""
import importlib.util
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', '..', '..', '..', '..', 'packages', 'model', 'src', 'train', 'fixtures', 'nanogpt-adamw.json')
SPEC = importlib.util.spec_from_file_location('gpt_bench', os.path.join(HERE, 'gpt-bench.py'))
BENCH = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(BENCH)

CONFIG = {'vocab': 16, 'block_size': 8, 'width': 8, 'heads': 2, 'layers': 2}
# shakespeare-cpu's settings (lr schedule shape, betas, decay, clipping), with a larger lr so 10 steps move far.
SETTINGS = {'steps': 10, 'batch_size': 4, 'lr': 1e-2, 'min_lr': 1e-3, 'warmup': 3, 'beta1': 0.9, 'beta2': 0.99,
            'weight_decay': 0.1, 'clip': 1.0}


def microgpt_name(name):
    """gpt-bench.py's parameter name -> microgpt's (`blocks.0.norm1.weight` -> `h.0.ln_1.weight`, ...)."""
    if name in ('wte.weight', 'wpe.weight'):
        return name[:3]
    if name == 'norm.weight':
        return 'ln_f.weight'
    name = name.replace('blocks.', 'h.').replace('norm1', 'ln_1').replace('norm2', 'ln_2')
    return name.replace('.fc1', '.mlp.fc1').replace('.fc2', '.mlp.fc2')


def float32_list(tensor):
    """The values of a float32 tensor, each in the fewest digits that read back to the same float32 (at most 9)."""
    return [float(f'{v:.9g}') for v in tensor.detach().reshape(-1).tolist()]


def weights(model):
    return {microgpt_name(n): float32_list(p) for n, p in model.named_parameters()}


def main():
    torch.manual_seed(7)
    torch.set_num_threads(1)
    s, V, T = SETTINGS, CONFIG['vocab'], CONFIG['block_size']
    model = BENCH.NanoGPT(**CONFIG)
    # A hundred random tokens as the text, so some windows repeat patterns and the loss moves.
    text = torch.randint(V, (100,))
    init = weights(model)
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    gains = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': matrices, 'weight_decay': s['weight_decay']}, {'params': gains, 'weight_decay': 0.0}],
                            lr=s['lr'], betas=(s['beta1'], s['beta2']))
    batches, losses, norms = [], [], []
    for it in range(s['steps']):
        for group in opt.param_groups:
            group['lr'] = BENCH.nanogpt_lr(it, s['lr'], s['min_lr'], s['warmup'], s['steps'])
        ix = torch.randint(len(text) - T, (s['batch_size'],))
        x = torch.stack([text[i:i + T] for i in ix])
        y = torch.stack([text[i + 1:i + 1 + T] for i in ix])
        loss = F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), s['clip']).item())
        opt.step()
        batches.append({'x': x.reshape(-1).tolist(), 'y': y.reshape(-1).tolist()})
        losses.append(loss.item())
    fixture = {
        'producer': f'tooling/bench/src/peers/pytorch/nanogpt-fixture.py (gpt-bench.py\'s NanoGPT, torch.optim.AdamW, PyTorch {torch.__version__}, float32)',
        'config': CONFIG, 'settings': SETTINGS, 'init': init, 'batches': batches, 'losses': losses, 'gradNorms': norms,
        'final': weights(model),
    }
    with open(OUT, 'w', encoding='utf-8') as f:
        json.dump(fixture, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {os.path.normpath(OUT)} ({os.path.getsize(OUT)} bytes); losses {losses[0]:.4f} -> {losses[-1]:.4f}, '
          f'grad norms {min(norms):.3f}..{max(norms):.3f}')


if __name__ == '__main__':
    main()
