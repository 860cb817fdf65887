// A tiny GPT-like training step (embedding → rmsnorm → causal self-attention → residual → logits →
// cross-entropy), run 1,000 times with plain SGD: the loss must fall, and after the first step the backend's
// live allocation count must not grow, since every buffer of a step comes from and goes back to the pool.
import * as T from '@microgpt/tensor';
import { expect, it } from 'vitest';
import { describeOnBackends, traceMemory } from './test-backends';
import { attention } from './ops/attention';
import { crossEntropy } from './ops/cross-entropy';
import { add } from './ops/elementwise';
import { embedding } from './ops/embedding';
import { reshape, transpose } from './ops/layout';
import { matmul } from './ops/matmul';
import { rmsnorm } from './ops/norm';
import { drainPool } from './pool';
import { type Var, param, releaseGraph } from './var';

const V = 27; // vocabulary: a-z and a separator
const C = 16; // width
const H = 2; // heads
const D = C / H; // head size
const B = 2; // sequences per batch
const S = 8; // tokens per sequence
const STEPS = 1000;
const LR = 0.05;

/** Token ids of `text` ('.' is 0, a-z are 1…26), as microgpt.py encodes names. */
const encode = (text: string): number[] => Array.from({ length: text.length }, (_, i) => (text[i] === '.' ? 0 : text.charCodeAt(i) - 96));

/** One fixed batch: inputs are tokens 0…S-1 of each sequence, targets tokens 1…S (the next token). */
function batch(backend: T.Backend): { ids: T.Tensor; targets: T.Tensor } {
  const sequences = ['.emma.olivia', '.ava.isabella'].map((s) => encode(s).slice(0, S + 1));
  return {
    ids: T.tensor(sequences.map((s) => s.slice(0, S)), { dtype: 'int32', backend }),
    targets: T.tensor(sequences.map((s) => s.slice(1)), { dtype: 'int32', backend }),
  };
}

interface Model {
  wte: Var;
  norm: Var;
  wq: Var;
  wk: Var;
  wv: Var;
  wo: Var;
  head: Var;
}

/** Small random float32 parameters (seeded, so both backends train the same model), the norm weight 1. */
function model(backend: T.Backend): Model {
  let seed = 1;
  const init = (shape: number[]): Var => {
    const drawn = T.randn(shape, { seed: seed++, dtype: 'float32', backend });
    const scaled = T.mul(drawn, 0.3);
    drawn.dispose();
    return param(scaled);
  };
  return {
    wte: init([V, C]),
    norm: param(T.ones([C], { dtype: 'float32', backend })),
    wq: init([C, C]),
    wk: init([C, C]),
    wv: init([C, C]),
    wo: init([C, C]),
    head: init([C, V]),
  };
}

/** The loss of one forward pass: x = wte[ids]; x += attention(rmsnorm(x)) · wo; loss = CE(x · head, targets). */
function forward(m: Model, ids: T.Tensor, targets: T.Tensor): Var {
  const x = embedding(m.wte, ids); // (B, S, C)
  const h = rmsnorm(x, m.norm);
  // (B, S, C) → (B, S, H, D) → (B, H, S, D)
  const heads = (w: Var): Var => transpose(reshape(matmul(h, w), [B, S, H, D]), 1, 2);
  const att = attention(heads(m.wq), heads(m.wk), heads(m.wv)); // (B, H, S, D)
  const merged = reshape(transpose(att, 1, 2), [B, S, C]);
  const y = add(x, matmul(merged, m.wo));
  return crossEntropy(matmul(y, m.head), targets); // logits (B, S, V)
}

describeOnBackends('a training step', (backendOf) => {
  it(`runs ${STEPS} steps without growing the live allocation count, and the loss falls`, () => {
    const backend = backendOf();
    const { ids, targets } = batch(backend);
    const m = model(backend);
    const params: Var[] = [m.wte, m.norm, m.wq, m.wk, m.wv, m.wo, m.head];
    // One update buffer per parameter, made once: the SGD step itself must not allocate either.
    const update = params.map((p) => T.Tensor.empty(p.shape, p.dtype, backend));
    const losses: number[] = [];
    const { live, allocations, record } = traceMemory(backend);
    const step = (): void => {
      const loss = forward(m, ids, targets);
      losses.push(loss.value.item());
      loss.backward();
      for (const [i, p] of params.entries()) {
        const tmp = update[i]!;
        T.mul(p.grad!, -LR, tmp);
        T.add(p.value, tmp, p.value);
        p.zeroGrad();
      }
      releaseGraph(loss);
      record();
    };
    for (let i = 0; i < STEPS; i++) step();

    expect(live[STEPS - 1]).toBe(live[0]);
    expect(new Set(live).size).toBe(1);
    // Stronger: not one storage allocated after the first step, not even a temporary freed within the step.
    expect(allocations[STEPS - 1]).toBe(allocations[0]);
    expect(losses[0]).toBeGreaterThan(Math.log(V) * 0.8); // about uniform at the start
    expect(losses[STEPS - 1]).toBeLessThan(losses[0]! / 4);
    for (const t of [...update, ids, targets, ...params.map((p) => p.value), ...params.map((p) => p.grad!)]) t.dispose();
    drainPool(backend);
  });
});
