// Each planned layer (layers.ts: forward and backward as direct kernel calls on planned buffers) against the same
// layer built from autograd ops, in float64 on the js backend: outputs and every gradient, for a random upstream
// gradient G (the autograd side differentiates sum(out · G)). The whole model is checked in pass.test.ts.
import * as A from '@microgpt/autograd';
import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import type { NormBuffers } from './buffers';
import { kernelSet } from './kernels';
import { type LinearParams, type NormParams, applyMask, linearBackward, linearForward, normBackward, normForward, qkvHeads, residualForward, rowHeads } from './layers';
import { batchOfOne } from './views';

const js = T.findBackend('js');
const K = kernelSet(js, 'float64');
const rng = new T.PythonRandom(11);
const randn = (shape: number[]): T.Tensor => T.randn(shape, { rng, dtype: 'float64', backend: js });
const zeros = (shape: number[]): T.Tensor => T.zeros(shape, { dtype: 'float64', backend: js });
const values = (t: T.Tensor): number[] => Array.from(t.contiguous().toArray());

/** Differentiates sum(out · G) in autograd and returns G (the planned layer gets it as dout). */
function backwardWith(out: A.Var): T.Tensor {
  const G = randn(out.shape as number[]);
  A.sum(A.mul(out, A.constant(G))).backward();
  return G;
}

function expectClose(actual: T.Tensor, expected: T.Tensor, what: string): void {
  const [a, e] = [values(actual), values(expected)];
  expect(a.length, what).toBe(e.length);
  const worst = a.reduce((m, x, i) => Math.max(m, Math.abs(x - e[i]!)), 0);
  expect(worst, what).toBeLessThan(1e-12);
  expect(e.some((x) => x !== 0), `${what} is not all zeros`).toBe(true);
}

describe('planned layers against autograd ops (float64)', () => {
  it.each([true, false])('linear (bias %s): out, dinp (overwritten and accumulated), dweight, dbias', (withBias) => {
    const [N, IC, OC] = [7, 5, 4];
    const x = A.param(randn([N, IC]));
    const w = A.param(randn([OC, IC]));
    const b = withBias ? A.param(randn([OC])) : null;
    const product = A.matmul(x, w, { transB: true });
    const ref = b ? A.add(product, b) : product;
    const G = backwardWith(ref);
    const params: LinearParams = {
      weight: batchOfOne(w.value),
      dweight: batchOfOne(zeros([OC, IC])),
      bias: b ? b.value.reshape([1, 1, OC]).broadcastTo([1, N, OC]) : null,
      dbias: b ? zeros([1, 1, OC]) : null,
      op: null,
    };
    const out = zeros([1, N, OC]);
    linearForward(K, out, x.value.reshape([1, N, IC]), params);
    expectClose(out, ref.value, 'out');
    const dinp = zeros([1, N, IC]);
    linearBackward(K, dinp, false, G.reshape([1, N, OC]), x.value.reshape([1, N, IC]), params, T.ones([1, 1, N], { dtype: 'float64', backend: js }));
    expectClose(dinp, x.grad!, 'dinp');
    expectClose(params.dweight!, w.grad!, 'dweight');
    if (b) expectClose(params.dbias!, b.grad!, 'dbias');
    // Accumulating into dinp adds the same gradient again.
    linearBackward(K, dinp, true, G.reshape([1, N, OC]), x.value.reshape([1, N, IC]), { ...params, dweight: null, dbias: null }, T.ones([1, 1, N], { dtype: 'float64', backend: js }));
    expectClose(dinp, A.scale(A.constant(x.grad!), 2).value, 'dinp accumulated');
  });

  it.each([
    ['rmsnorm', true, false],
    ['rmsnorm', false, false],
    ['layernorm', true, true],
    ['layernorm', true, false],
    ['layernorm', false, false],
  ] as const)('%s (weight %s, bias %s): out, dx added, dweight, dbias', (kind, withWeight, withBias) => {
    const [N, C, eps] = [6, 8, 1e-5];
    const x = A.param(randn([N, C]));
    const w = withWeight ? A.param(randn([C])) : null;
    const b = withBias ? A.param(randn([C])) : null;
    const ref = kind === 'rmsnorm' ? A.rmsnorm(x, w, { eps }) : A.layernorm(x, w, b, { eps });
    const G = backwardWith(ref);
    const params: NormParams = { kind, eps, weight: w?.value ?? null, bias: b?.value ?? null, dweight: w ? zeros([C]) : null, dbias: b ? zeros([C]) : null };
    const buffers: NormBuffers = { out: zeros([1, N, C]), mean: kind === 'layernorm' ? zeros([N]) : null, rstd: zeros([N]) };
    normForward(K, buffers, x.value.reshape([1, N, C]), params);
    expectClose(buffers.out, ref.value, 'out');
    const dx = randn([1, N, C]);
    const before = values(dx);
    normBackward(K, dx, G.reshape([1, N, C]), buffers, x.value.reshape([1, N, C]), params);
    expectClose(dx, T.tensor(Float64Array.from(values(x.grad!), (g, i) => g + before[i]!), { shape: [1, N, C], backend: js }), 'dx (added)');
    if (w) expectClose(params.dweight!, w.grad!, 'dweight');
    if (b) expectClose(params.dbias!, b.grad!, 'dbias');
  });

  it('attention from fused q|k|v rows into side-by-side heads, and back into the fused gradient rows', () => {
    const [B, NH, Tn, HS] = [2, 3, 5, 4];
    const C = NH * HS;
    const qkv = randn([1, B * Tn, 3 * C]);
    // The autograd side: q, k, v as separate (B, NH, T, HS) tensors cut from the same rows.
    const part = (i: number): A.Var => A.param(qkvHeads(qkv, i, B, NH, HS).contiguous());
    const [q, k, v] = [part(0), part(1), part(2)];
    const ref = A.attention(q, k, v);
    const G = backwardWith(ref);
    const y = zeros([1, B * Tn, C]);
    const att = zeros([B, NH, Tn, Tn]);
    const scale = 1 / Math.sqrt(HS);
    K.attention({ q: qkvHeads(qkv, 0, B, NH, HS), k: qkvHeads(qkv, 1, B, NH, HS), v: qkvHeads(qkv, 2, B, NH, HS), out: rowHeads(y, B, NH, HS), att, scale, offset: 0 });
    expectClose(rowHeads(y, B, NH, HS), ref.value, 'out');
    const dy = zeros([1, B * Tn, C]);
    T.copy(G, rowHeads(dy, B, NH, HS)); // the upstream gradient in the rows layout the pass keeps it in
    const dqkv = zeros([1, B * Tn, 3 * C]);
    const heads = (t: T.Tensor, i: number): T.Tensor => qkvHeads(t, i, B, NH, HS);
    K.attentionBackward({ q: heads(qkv, 0), k: heads(qkv, 1), v: heads(qkv, 2), att, dout: rowHeads(dy, B, NH, HS), dq: heads(dqkv, 0), dk: heads(dqkv, 1), dv: heads(dqkv, 2), scale, offset: 0 });
    expectClose(heads(dqkv, 0), q.grad!, 'dq');
    expectClose(heads(dqkv, 1), k.grad!, 'dk');
    expectClose(heads(dqkv, 2), v.grad!, 'dv');
  });

  it('residual and dropout mask: out = a + b; masked forward and the same mask as backward', () => {
    const [N, C] = [4, 6];
    const a = A.param(randn([N, C]));
    const b = A.param(randn([N, C]));
    const mask = T.tensor(Float64Array.from({ length: N * C }, (_, i) => (i % 3 === 0 ? 0 : 1.5)), { shape: [N, C], backend: js });
    const ref = A.add(a, A.mul(b, A.constant(mask)));
    const G = backwardWith(ref);
    const dropped = b.value.contiguous();
    applyMask(K, dropped, dropped, mask);
    const out = zeros([N, C]);
    residualForward(K, out, a.value, dropped);
    expectClose(out, ref.value, 'out');
    // The residual passes G to both branches unchanged; the masked branch multiplies it by the mask again.
    expectClose(G, a.grad!, 'da');
    const db = zeros([N, C]);
    applyMask(K, db, G, mask);
    expectClose(db, b.grad!, 'db');
  });
});
