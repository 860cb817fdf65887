// FLOP counts of the profiled kernels against counts made by hand from kernel-flops.ts's conventions, each through
// the real op in a profile (so the argument names are the kernels' own), with shapes small enough to count.
import { afterEach, describe, expect, it } from 'vitest';
import { tensor, zeros } from './create';
import { causalPairs, kernelFlops } from './kernel-flops';
import { adamUpdate } from './ops/adam';
import { attention, attentionBackward } from './ops/attention';
import { crossEntropy, crossEntropyBackward } from './ops/cross-entropy';
import { add, mul } from './ops/elementwise';
import { matmul } from './ops/matmul';
import { layernorm, layernormBackward, rmsnorm, rmsnormBackward } from './ops/norm';
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from './ops/softmax';
import { type Profiler, startProfile } from './profiler';
import { findBackend } from './registry';
import type { Tensor } from './tensor';

const js = findBackend('js');
const data = (shape: number[]): Tensor => {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(Float32Array.from({ length: size }, (_, i) => Math.sin(i + 1)), { shape, backend: js });
};
let open: Profiler | null = null;
afterEach(() => {
  open?.stop();
  open = null;
});

/** The FLOPs recorded per kernel while `run` runs. */
function flopsOf(run: () => void): Record<string, (number | null)[]> {
  open = startProfile();
  run();
  const profile = open.stop();
  open = null;
  const out: Record<string, (number | null)[]> = {};
  for (const call of profile.calls) (out[call.kernel] ??= []).push(call.flops);
  return out;
}

describe('kernel FLOP counts', () => {
  it('counts causal query-key pairs, with and without a cache offset, clamped to the keys there are', () => {
    // Tq 3 at offset 0: 1 + 2 + 3; at offset 2 (Tk 5): 3 + 4 + 5; Tk 4 at offset 2: 3 + 4 + 4 (clamped).
    expect([causalPairs(3, 3, 0), causalPairs(3, 5, 2), causalPairs(3, 4, 2), causalPairs(1, 7, 6)]).toEqual([6, 12, 11, 7]);
  });

  it('attention: (4·D + 5) per causal pair forward, (8·D + 6) backward, per batch and head', () => {
    const [B, H, T, D] = [2, 3, 4, 8];
    const q = data([B, H, T, D]);
    const pairs = B * H * (1 + 2 + 3 + 4);
    const got = flopsOf(() => {
      const { out, att } = attention(q, q, q);
      attentionBackward(q, q, q, att, out);
    });
    expect(got.attention).toEqual([(4 * D + 5) * pairs]);
    expect(got.attentionBackward).toEqual([(8 * D + 6) * pairs]);
  });

  it('norms per element: layernorm 6 (+1 weight, +1 bias), backward 10 (+1 weight, +2 dweight, +1 dbias); rmsnorm 3 (+1), backward 7 (+1, +2)', () => {
    const [N, C] = [5, 6];
    const x = data([N, C]);
    const w = data([C]);
    const got = flopsOf(() => {
      const ln = layernorm(x, w, w);
      layernormBackward(x, w, ln.mean, ln.rstd, x, { dweight: zeros([C], { backend: js }), dbias: zeros([C], { backend: js }) });
      const plain = layernorm(x, null, null);
      layernormBackward(x, null, plain.mean, plain.rstd, x);
      const rms = rmsnorm(x, w);
      rmsnormBackward(x, w, rms.rstd, x, { dweight: zeros([C], { backend: js }) });
      const rmsPlain = rmsnorm(x, null);
      rmsnormBackward(x, null, rmsPlain.rstd, x);
    });
    expect(got.layernorm).toEqual([8 * N * C, 6 * N * C]);
    expect(got.layernormBackward).toEqual([14 * N * C, 10 * N * C]);
    expect(got.rmsnorm).toEqual([4 * N * C, 3 * N * C]);
    expect(got.rmsnormBackward).toEqual([10 * N * C, 7 * N * C]);
  });

  it('softmax 4 and its backward 5 per element (log-softmax alike); cross-entropy 4 and its backward 2 per logit', () => {
    const [N, V] = [3, 7];
    const x = data([N, V]);
    const targets = tensor(Int32Array.from([1, -1, 6]), { shape: [N], backend: js });
    const got = flopsOf(() => {
      softmaxBackward(softmax(x), x);
      logSoftmaxBackward(logSoftmax(x), x);
      crossEntropyBackward(crossEntropy(x, targets).probs, targets);
    });
    expect(got.softmax).toEqual([4 * N * V, 4 * N * V]);
    expect(got.softmaxBackward).toEqual([5 * N * V, 5 * N * V]);
    expect(got.crossEntropy).toEqual([4 * N * V]);
    expect(got.crossEntropyBackward).toEqual([2 * N * V]);
  });

  it('adam 14 per parameter (15 with weight decay); binary and binaryScalar 1 per output element; matmul 2·M·N·K', () => {
    const p = data([4, 5]);
    const got = flopsOf(() => {
      adamUpdate(p, data([4, 5]), zeros([4, 5], { backend: js }), zeros([4, 5], { backend: js }), { lr: 0.1, step: 1 });
      adamUpdate(p, data([4, 5]), zeros([4, 5], { backend: js }), zeros([4, 5], { backend: js }), { lr: 0.1, step: 1, weightDecay: 0.1 });
      add(data([3, 4]), data([4]));
      mul(data([3, 4]), 2);
      matmul(data([2, 3, 4]), data([4, 5]));
    });
    expect(got.adam).toEqual([14 * 20, 15 * 20]);
    expect(got.binary).toEqual([12]);
    expect(got.binaryScalar).toEqual([12]);
    expect(got.matmul).toEqual([2 * 2 * 3 * 5 * 4]);
  });

  it('leaves the kernels without a defined count unknown', () => {
    expect(kernelFlops('copy', { src: data([3]), dst: data([3]) })).toBeNull();
    expect(kernelFlops('unary', { op: 'gelu_erf', x: data([3]), out: data([3]), param: 0 })).toBeNull();
    // A matmul that accumulates into out adds one per output element.
    expect(kernelFlops('matmul', { a: data([2, 3]), b: data([3, 4]), out: data([2, 4]), transA: false, transB: false, accumulate: true })).toBe(2 * 8 * 3 + 8);
  });
});
