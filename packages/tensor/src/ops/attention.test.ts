import { describe, expect, it } from 'vitest';
import { randn, tensor, zeros } from '../create';
import type { Tensor } from '../tensor';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, assertClose } from '../testing/compare';
import { numericGradient, weightedSum } from '../testing/finite-difference';
import { attention, attentionBackward } from './attention';

const f64 = { dtype: 'float64' } as const;
const GRAD_TOLERANCE = { atol: 1e-8, rtol: 1e-7 };

/** Plain float64 causal attention, one query row at a time; query i sees keys 0 … offset + i. */
function naiveAttention(q: Tensor, k: Tensor, v: Tensor, offset: number, scale: number) {
  const [b, h, tq, d] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  const [qs, ks, vs] = [q.toArray(), k.toArray(), v.toArray()];
  const out = new Float64Array(b * h * tq * d);
  const att = new Float64Array(b * h * tq * tk);
  for (let bh = 0; bh < b * h; bh++) {
    for (let i = 0; i < tq; i++) {
      const scores: number[] = [];
      for (let j = 0; j <= offset + i; j++) {
        let dot = 0;
        for (let e = 0; e < d; e++) dot += qs[(bh * tq + i) * d + e]! * ks[(bh * tk + j) * d + e]!;
        scores.push(Math.exp(dot * scale));
      }
      const sum = scores.reduce((a, s) => a + s, 0);
      scores.forEach((s, j) => {
        att[(bh * tq + i) * tk + j] = s / sum;
        for (let e = 0; e < d; e++) out[(bh * tq + i) * d + e]! += (s / sum) * vs[(bh * tk + j) * d + e]!;
      });
    }
  }
  return { out, att };
}

function qkv(b: number, h: number, tq: number, tk: number, d: number, seed: number): [Tensor, Tensor, Tensor] {
  return [
    randn([b, h, tq, d], { seed, ...f64 }),
    randn([b, h, tk, d], { seed: seed + 1, ...f64 }),
    randn([b, h, tk, d], { seed: seed + 2, ...f64 }),
  ];
}

describe('attention', () => {
  it('matches a hand-computed two-token case', () => {
    const q = tensor([1, 2], { ...f64, shape: [1, 1, 2, 1] });
    const k = tensor([1, 0], { ...f64, shape: [1, 1, 2, 1] });
    const v = tensor([10, 20], { ...f64, shape: [1, 1, 2, 1] });
    const { out, att } = attention(q, k, v, { scale: 1 });
    // Row 1: softmax([2, 0]) = [e² / (e² + 1), 1 / (e² + 1)].
    assertClose(att, [1, 0, 0.8807970779778823, 0.11920292202211755], FLOAT64_TOLERANCE);
    assertClose(out, [10, 11.192029220221176], FLOAT64_TOLERANCE);
  });

  for (const d of [4, 3, 5]) {
    it(`matches a naive float64 attention with D = ${d}, masked entries exactly 0`, () => {
      const [q, k, v] = qkv(2, 3, 5, 5, d, 10 * d);
      const ref = naiveAttention(q, k, v, 0, 1 / Math.sqrt(d));
      const { out, att } = attention(q, k, v);
      expect(att.shape).toEqual([2, 3, 5, 5]);
      assertClose(out, ref.out, FLOAT64_TOLERANCE);
      assertClose(att, ref.att, FLOAT64_TOLERANCE);
      const a = att.toArray();
      for (let row = 0; row < 30; row++) for (let j = (row % 5) + 1; j < 5; j++) expect(Object.is(a[row * 5 + j], 0)).toBe(true);
    });
  }

  it('with offset > 0 equals the matching rows of the full offset-0 computation', () => {
    const [q, k, v] = qkv(2, 2, 6, 6, 4, 1);
    const full = attention(q, k, v, { offset: 0 });
    // The last two queries against the whole cache: default offset Tk - Tq = 4 (q.slice is not contiguous).
    const tail = attention(q.slice(2, 4), k, v);
    assertClose(tail.out, full.out.slice(2, 4), FLOAT64_TOLERANCE);
    assertClose(tail.att, full.att.slice(2, 4), FLOAT64_TOLERANCE);
    // Queries 2 and 3 with keys beyond them present in k: those keys get probability 0.
    const middle = attention(q.slice(2, 2, 4), k, v, { offset: 2 });
    assertClose(middle.out, full.out.slice(2, 2, 4), FLOAT64_TOLERANCE);
    assertClose(middle.att, full.att.slice(2, 2, 4), FLOAT64_TOLERANCE);
    // One decoding step with a cache of 5 keys plus the new one.
    const step = attention(q.slice(2, 5), k, v);
    assertClose(step.out, full.out.slice(2, 5), FLOAT64_TOLERANCE);
  });

  it('returns v for T = 1, handles a custom scale, and writes into given out and att', () => {
    const [q, k, v] = qkv(2, 2, 1, 1, 4, 2);
    const single = attention(q, k, v);
    expect(Array.from(single.att.toArray())).toEqual([1, 1, 1, 1]);
    assertClose(single.out, v, FLOAT64_TOLERANCE);
    const [q2, k2, v2] = qkv(1, 2, 3, 3, 4, 3);
    const out = zeros([1, 2, 3, 4], f64);
    const att = zeros([1, 2, 3, 3], f64);
    const result = attention(q2, k2, v2, { scale: 0.3, out, att });
    expect(result.out).toBe(out);
    expect(result.att).toBe(att);
    const ref = naiveAttention(q2, k2, v2, 0, 0.3);
    assertClose(out, ref.out, FLOAT64_TOLERANCE);
    assertClose(att, ref.att, FLOAT64_TOLERANCE);
  });

  it('gives float32 results close to float64, and no NaN for large scores', () => {
    const [q, k, v] = qkv(2, 2, 4, 4, 5, 4);
    const ref = attention(q, k, v);
    const f32 = attention(q.clone('float32'), k.clone('float32'), v.clone('float32'));
    expect(f32.out.dtype).toBe('float32');
    assertClose(f32.out, ref.out, FLOAT32_TOLERANCE);
    assertClose(f32.att, ref.att, FLOAT32_TOLERANCE);
    const large = attention(q, k, v, { scale: 1e4 });
    expect(Array.from(large.out.toArray()).every(Number.isFinite)).toBe(true);
  });

  it('rejects bad shapes, offsets and dtypes with messages naming the op and shapes', () => {
    const q = zeros([1, 2, 3, 4]);
    expect(() => attention(q, zeros([1, 2, 3, 5]), zeros([1, 2, 3, 5]))).toThrow(
      /^attention: q is \[1, 2, 3, 4\], k is \[1, 2, 3, 5\]; expected \(B, H, Tq, D\) and \(B, H, Tk, D\)$/,
    );
    expect(() => attention(q, zeros([1, 2, 3, 4]), zeros([1, 2, 2, 4]))).toThrow(/^attention: v is \[1, 2, 2, 4\], expected \[1, 2, 3, 4\]$/);
    expect(() => attention(q, zeros([1, 2, 4, 4]), zeros([1, 2, 4, 4]), { offset: 2 })).toThrow(
      /^attention: q is \[1, 2, 3, 4\], k is \[1, 2, 4, 4\], offset is 2; need an integer offset ≥ 0 with Tk ≥ offset \+ Tq$/,
    );
    expect(() => attention(q, zeros([1, 2, 2, 4]), zeros([1, 2, 2, 4]))).toThrow(/offset is -1; need an integer offset ≥ 0/);
    expect(() => attention(q, zeros([1, 2, 3, 4], f64), zeros([1, 2, 3, 4]))).toThrow(/^attention: k must be float32, found float64$/);
    const { att } = attention(q, q, q);
    expect(() => attentionBackward(q, q, q, att, zeros([1, 2, 3, 3]))).toThrow(/^attentionBackward: dout is \[1, 2, 3, 3\], expected \[1, 2, 3, 4\]$/);
    expect(() => attentionBackward(q, q, q, zeros([1, 2, 3, 4]), q)).toThrow(/^attentionBackward: att is \[1, 2, 3, 4\], expected \[1, 2, 3, 3\]$/);
  });
});

describe('attentionBackward', () => {
  const cases = [
    { t: 3, tq: 3, offset: undefined, scale: undefined },
    { t: 5, tq: 5, offset: undefined, scale: undefined },
    { t: 4, tq: 2, offset: undefined, scale: 0.7 },
    { t: 5, tq: 2, offset: 1, scale: undefined },
  ];
  for (const { t, tq, offset, scale } of cases) {
    it(`matches finite differences for q, k, v (Tk = ${t}, Tq = ${tq}, offset ${offset ?? 'default'}, scale ${scale ?? '1/√D'})`, () => {
      const [q, k, v] = qkv(2, 2, tq, t, 4, 7 * t + tq);
      const w = randn([2, 2, tq, 4], { seed: 99, ...f64 });
      const options = { offset, scale };
      const loss = (): number => weightedSum(attention(q, k, v, options).out, w);
      const { att } = attention(q, k, v, options);
      const { dq, dk, dv } = attentionBackward(q, k, v, att, w, options);
      assertClose(dq, numericGradient(loss, q), GRAD_TOLERANCE, 'dq');
      assertClose(dk, numericGradient(loss, k), GRAD_TOLERANCE, 'dk');
      assertClose(dv, numericGradient(loss, v), GRAD_TOLERANCE, 'dv');
    });
  }

  it('adds into given gradients (twice doubles) and is close in float32', () => {
    const [q, k, v] = qkv(2, 2, 3, 3, 5, 50);
    const dout = randn([2, 2, 3, 5], { seed: 53, ...f64 });
    const { att } = attention(q, k, v);
    const once = attentionBackward(q, k, v, att, dout);
    const grads = { dq: zeros(q.shape, f64), dk: zeros(k.shape, f64), dv: zeros(v.shape, f64) };
    attentionBackward(q, k, v, att, dout, grads);
    const twice = attentionBackward(q, k, v, att, dout, grads);
    expect(twice.dq).toBe(grads.dq);
    for (const name of ['dq', 'dk', 'dv'] as const) {
      assertClose(grads[name], once[name].toArray().map((g) => 2 * g), FLOAT64_TOLERANCE, name);
    }
    const [q32, k32, v32, d32] = [q, k, v, dout].map((x) => x.clone('float32')) as [Tensor, Tensor, Tensor, Tensor];
    const g32 = attentionBackward(q32, k32, v32, attention(q32, k32, v32).att, d32);
    for (const name of ['dq', 'dk', 'dv'] as const) assertClose(g32[name], once[name], FLOAT32_TOLERANCE, name);
  });
});
