// Each planned layer (layers.ts) against the same layer on @microgpt/autograd ops, in float64 on js: outputs, and
// the backward's input and parameter gradients for a random output gradient, within 1e-12. The MLP and the head
// with its loss are compositions (linear pairs around an activation / the cross-entropy kernel), wired as
// pass.ts wires them.
import * as A from '@microgpt/autograd';
import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { getActivation } from '../activations';
import type { NormBuffers } from './buffers';
import { fillDropoutMask } from './dropout';
import { kernelSet } from './kernels';
import {
  type LinearParams,
  type NormParams,
  applyMask,
  attentionBackward,
  attentionForward,
  embeddingBackward,
  embeddingForward,
  linearBackward,
  linearForward,
  normBackward,
  normForward,
  residualForward,
} from './layers';
import { batchOfOne, rows } from './views';

const backend = T.findBackend('js');
const kernels = kernelSet(backend, 'float64');
const [B, Tn, C, NH] = [2, 5, 8, 2];
const [N, HS] = [B * Tn, C / NH];

let seed = 1;
const randn = (shape: number[]): T.Tensor => T.randn(shape, { seed: seed++, dtype: 'float64', backend });
const zeros = (shape: number[]): T.Tensor => T.zeros(shape, { dtype: 'float64', backend });
const ones = T.full([1, 1, N], 1, { dtype: 'float64', backend });

/** Expects equal sizes and every element within 1e-12, and `expected` not all zeros (a broken layer could give zeros). */
function expectClose(actual: T.Tensor, expected: T.Tensor, what: string): void {
  const [a, e] = [actual.toArray() as ArrayLike<number>, expected.toArray() as ArrayLike<number>];
  expect(a.length, what).toBe(e.length);
  let worst = 0;
  for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
  expect(worst, what).toBeLessThan(1e-12);
  expect(Array.from(e).some((x) => x !== 0), `${what} is not all zeros`).toBe(true);
}

/** Backpropagates the output gradient `dout` (out's size, any shape) through the autograd graph of `out`. */
function backwardFrom(out: A.Var, dout: T.Tensor): void {
  A.sum(A.mul(out, A.constant(dout.reshape(out.shape)))).backward();
}

/** A linear layer's parameters both ways: autograd leaves, and the planned views of the same tensors. */
function linearLayer(IC: number, OC: number, bias: boolean): { weight: A.Var; bias: A.Var | null; params: LinearParams } {
  const weight = A.param(randn([OC, IC]));
  const b = bias ? A.param(randn([OC])) : null;
  const params: LinearParams = {
    weight: batchOfOne(weight.value),
    dweight: batchOfOne(A.gradOf(weight)),
    bias: b ? b.value.reshape([1, 1, OC]).broadcastTo([1, N, OC]) : null,
    dbias: b ? batchOfOne(A.gradOf(b)) : null,
    op: null,
  };
  return { weight, bias: b, params };
}

/** The same layer on autograd: x · Wᵀ (+ b). */
function linear(x: A.Var, layer: { weight: A.Var; bias: A.Var | null }): A.Var {
  const y = A.matmul(x, layer.weight, { transB: true });
  return layer.bias ? A.add(y, layer.bias) : y;
}

describe('planned layers against autograd (float64, js)', () => {
  for (const [label, positions, pos0] of [['token + position embeddings', true, 0], ['positions from an offset (inference with a KV cache: forward only)', true, 2], ['no positions', false, 0]] as const) {
    it(`embeddings: ${label}`, () => {
      const [wte, wpe] = [A.param(randn([11, C])), A.param(randn([Tn + pos0, C]))];
      const ids = T.tensor(Int32Array.from({ length: N }, (_, i) => (i * 7) % 11), { shape: [B, Tn], backend });
      const params = { wte: wte.value, dwte: zeros([11, C]), wpe: positions ? wpe.value : null, dwpe: positions ? zeros([Tn + pos0, C]) : null };
      const out = zeros([1, N, C]);
      embeddingForward(kernels, out, ids.reshape([N]), params, B, Tn, pos0);
      let expected = A.embedding(wte, ids);
      if (positions) expected = A.add(expected, A.slice(wpe, 0, pos0, pos0 + Tn));
      expectClose(out, expected.value, 'out');
      if (pos0 > 0) return; // training, the backward's only caller, starts at position 0
      const dout = randn([1, N, C]);
      embeddingBackward(kernels, dout, ids.reshape([N]), params, ones, B, Tn);
      backwardFrom(expected, dout);
      expectClose(params.dwte, wte.grad!, 'dwte');
      if (positions) expectClose(params.dwpe!, wpe.grad!, 'dwpe');
    });
  }

  for (const bias of [false, true]) {
    it(`linear${bias ? ' with a bias' : ''}: out, dinp (overwritten, then added), dweight, dbias`, () => {
      const layer = linearLayer(C, 12, bias);
      const inp = A.param(randn([1, N, C]));
      const out = zeros([1, N, 12]);
      linearForward(kernels, out, inp.value, layer.params);
      const expected = linear(A.reshape(inp, [N, C]), layer);
      expectClose(out, expected.value, 'out');
      const dout = randn([1, N, 12]);
      const dinp = randn([1, N, C]); // stale contents: overwritten
      linearBackward(kernels, dinp, false, dout, inp.value, layer.params, ones);
      backwardFrom(expected, dout);
      expectClose(dinp, inp.grad!, 'dinp');
      expectClose(layer.params.dweight!, layer.weight.grad!, 'dweight');
      if (bias) expectClose(layer.params.dbias!, layer.bias!.grad!, 'dbias');
      linearBackward(kernels, dinp, true, dout, inp.value, { ...layer.params, dweight: null, dbias: null }, ones);
      expectClose(dinp, T.mul(inp.grad!, 2), 'dinp added');
    });
  }

  for (const [kind, gain, shift] of [['rmsnorm', false, false], ['rmsnorm', true, false], ['layernorm', false, false], ['layernorm', true, false], ['layernorm', true, true]] as const) {
    it(`${kind}${gain ? ' with a gain' : ''}${shift ? ' and a bias' : ''}: out, dx (added), dweight, dbias`, () => {
      const x = A.param(randn([1, N, C]));
      const weight = gain ? A.param(randn([C])) : null;
      const bias = shift ? A.param(randn([C])) : null;
      const params: NormParams = { kind, eps: 1e-5, weight: weight?.value ?? null, bias: bias?.value ?? null, dweight: weight ? zeros([C]) : null, dbias: bias ? zeros([C]) : null };
      const saved: NormBuffers = { out: zeros([1, N, C]), mean: kind === 'layernorm' ? zeros([N]) : null, rstd: zeros([N]) };
      normForward(kernels, saved, x.value, params);
      const rowsOfX = A.reshape(x, [N, C]);
      const expected = kind === 'rmsnorm' ? A.rmsnorm(rowsOfX, weight, { eps: 1e-5 }) : A.layernorm(rowsOfX, weight, bias, { eps: 1e-5 });
      expectClose(saved.out, expected.value, 'out');
      const dout = randn([1, N, C]);
      const start = randn([1, N, C]); // dx is added into: start from something
      const dx = start.clone();
      normBackward(kernels, dx, dout, saved, x.value, params);
      backwardFrom(expected, dout);
      expectClose(dx, T.add(start, x.grad!), 'dx');
      if (weight) expectClose(params.dweight!, weight.grad!, 'dweight');
      if (bias) expectClose(params.dbias!, bias.grad!, 'dbias');
    });
  }

  /** q, k and v of the fused (1, N, 3C) rows as autograd heads (B, NH, T, HS). */
  const headsOf = (qkv: A.Var, part: number): A.Var => A.transpose(A.reshape(A.slice(qkv, 2, part * C, (part + 1) * C), [B, Tn, NH, HS]), 1, 2);

  it('attention over fused qkv rows: y, att, and dqkv (added)', () => {
    const qkv = A.param(randn([1, N, 3 * C]).reshape([B, Tn, 3 * C]));
    const [y, att] = [zeros([1, N, C]), zeros([B, NH, Tn, Tn])];
    const rowsOfQkv = qkv.value.reshape([1, N, 3 * C]);
    attentionForward(kernels, y, att, rowsOfQkv, { B, NH, HS }, null, 0);
    const expected = A.reshape(A.transpose(A.attention(headsOf(qkv, 0), headsOf(qkv, 1), headsOf(qkv, 2)), 1, 2), [B, Tn, C]);
    expectClose(y, expected.value, 'y');
    const dy = randn([1, N, C]);
    const dqkv = zeros([1, N, 3 * C]);
    attentionBackward(kernels, dqkv, dy, att, rowsOfQkv, { B, NH, HS });
    backwardFrom(expected, dy);
    expectClose(dqkv, qkv.grad!, 'dqkv');
  });

  it('attention of new queries over a KV cache (inference): y', () => {
    const [offset, Tq] = [3, 2];
    const qkv = A.constant(randn([B, Tq, 3 * C]));
    const [k, v] = [randn([B, NH, offset + Tq, HS]), randn([B, NH, offset + Tq, HS])];
    const y = zeros([1, B * Tq, C]);
    attentionForward(kernels, y, zeros([B, NH, Tq, offset + Tq]), qkv.value.reshape([1, B * Tq, 3 * C]), { B, NH, HS }, { k, v }, offset);
    const q = A.transpose(A.reshape(A.slice(qkv, 2, 0, C), [B, Tq, NH, HS]), 1, 2);
    const expected = A.attention(q, A.constant(k), A.constant(v), { offset });
    expectClose(y, A.reshape(A.transpose(expected, 1, 2), [B, Tq, C]).value, 'y');
  });

  const ACTIVATIONS = [['relu', 'relu'], ['gelu', 'gelu_erf'], ['gelu_tanh', 'gelu_tanh'], ['silu', 'silu'], ['squared_relu', 'squared_relu']] as const;
  for (const [name, op] of ACTIVATIONS) {
    it(`MLP with ${name}: fc1 → activation → fc2 and back`, () => {
      const activation = getActivation(name);
      const F = 4 * C;
      const [fc1, fc2] = [linearLayer(C, F, true), linearLayer(F, C, true)];
      const x = A.param(randn([1, N, C]));
      const [fc1Out, actOut, out] = [zeros([1, N, F]), zeros([1, N, F]), zeros([1, N, C])];
      linearForward(kernels, fc1Out, x.value, fc1.params);
      activation.forward(rows(fc1Out), rows(actOut));
      linearForward(kernels, out, actOut, fc2.params);
      const expected = linear(A.unary(op, linear(A.reshape(x, [N, C]), fc1)), fc2);
      expectClose(out, expected.value, 'out');
      const dout = randn([1, N, C]);
      const [dactOut, dfc1Out, dx] = [zeros([1, N, F]), zeros([1, N, F]), zeros([1, N, C])];
      linearBackward(kernels, dactOut, false, dout, actOut, fc2.params, ones);
      activation.backward(rows(fc1Out), rows(dactOut), rows(dfc1Out));
      linearBackward(kernels, dx, false, dfc1Out, x.value, fc1.params, ones);
      backwardFrom(expected, dout);
      expectClose(dx, x.grad!, 'dx');
      for (const [label, layer] of [['fc1', fc1], ['fc2', fc2]] as const) {
        expectClose(layer.params.dweight!, layer.weight.grad!, `${label} dweight`);
        expectClose(layer.params.dbias!, layer.bias!.grad!, `${label} dbias`);
      }
    });
  }

  it('head and loss: logits, mean cross-entropy over kept targets, dx and dweight', () => {
    const V = 11;
    const head = linearLayer(C, V, false);
    const x = A.param(randn([1, N, C]));
    const targets = T.tensor(Int32Array.from({ length: N }, (_, i) => (i % 4 === 3 ? -1 : (i * 5) % V)), { backend });
    const [logits, probs, losses, loss] = [zeros([1, N, V]), zeros([1, N, V]), zeros([N]), zeros([1])];
    linearForward(kernels, logits, x.value, head.params);
    kernels.crossEntropy({ logits: rows(logits), targets, probs: rows(probs), losses, loss });
    const expectedLogits = linear(A.reshape(x, [N, C]), head);
    const expected = A.crossEntropy(expectedLogits, targets);
    expectClose(logits, expectedLogits.value, 'logits');
    expectClose(loss, expected.value, 'loss');
    const [dlogits, dx] = [zeros([1, N, V]), zeros([1, N, C])];
    kernels.crossEntropyBackward({ probs: rows(probs), targets, dlogits: rows(dlogits), dloss: 1 });
    linearBackward(kernels, dx, false, dlogits, x.value, head.params, ones);
    expected.backward();
    expectClose(dx, x.grad!, 'dx');
    expectClose(head.params.dweight!, head.weight.grad!, 'dweight');
  });

  it('residual and dropout mask: out = a + b·mask; the mask again on the way back', () => {
    const [a, b] = [A.param(randn([1, N, C])), A.param(randn([1, N, C]))];
    const mask = zeros([1, N, C]);
    fillDropoutMask(mask, 0.3, 77);
    const [dropped, out] = [zeros([1, N, C]), zeros([1, N, C])];
    applyMask(kernels, dropped, b.value, mask);
    residualForward(kernels, out, a.value, dropped);
    const expected = A.add(a, A.mul(b, A.constant(mask)));
    expectClose(out, expected.value, 'out');
    const dout = randn([1, N, C]);
    const db = zeros([1, N, C]);
    applyMask(kernels, db, dout, mask);
    backwardFrom(expected, dout);
    expectClose(dout, a.grad!, 'da: the residual passes the gradient through');
    expectClose(db, b.grad!, 'db');
  });
});
