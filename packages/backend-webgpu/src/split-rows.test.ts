// Row kernels, norms, reductions, attention and AdamW split by the adapter's limits (see split.test.ts): bands of rows bound
// through windows, partial sums combined, every result checked against the JS reference.
import { BackendMemoryError, adamUpdate, attention, attentionBackward, layernorm, layernormBackward, logSoftmax, max, mean, mul, randn, rmsnorm, rmsnormBackward, softmax, softmaxBackward, sum } from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { expectLikeJs, expectSame, hasAdapter, limitedBackends } from './test-backend';

if (await hasAdapter()) {
  const { narrow, flat } = await limitedBackends();

  describe.each([['narrow bindings', narrow], ['few workgroups', flat]] as const)('webgpu with %s', (_, backend) => {
    it('runs softmax, log-softmax and their backward in bands of rows', async () => {
      await expectLikeJs(backend, [[40, 40]], ([x]) => softmax(x!), 1e-6);
      await expectLikeJs(backend, [[40, 40]], ([x]) => logSoftmax(x!), 1e-6);
      await expectLikeJs(backend, [[40, 40], [40, 40], [40, 40]], ([x, dy, dx]) => softmaxBackward(softmax(x!), dy!, dx), 1e-5);
    });

    it('runs RMSNorm and LayerNorm with their backward in bands of rows, the parameter gradients summed band by band', async () => {
      await expectSame(backend, (b) => {
        const x = randn([40, 30], { seed: 1, backend: b });
        const weight = randn([30], { seed: 2, backend: b });
        const dout = randn([40, 30], { seed: 3, backend: b });
        const { out, rstd } = rmsnorm(x, weight);
        const { dx, dweight } = rmsnormBackward(x, weight, rstd, dout);
        const plain = rmsnorm(x, null);
        return [out, rstd, dx, dweight!, plain.out, rmsnormBackward(x, null, plain.rstd, dout).dx];
      }, 1e-5);
      await expectSame(backend, (b) => {
        const x = randn([40, 30], { seed: 1, backend: b });
        const weight = randn([30], { seed: 2, backend: b });
        const bias = randn([30], { seed: 4, backend: b });
        const dout = randn([40, 30], { seed: 3, backend: b });
        const { out, mean: mu, rstd } = layernorm(x, weight, bias);
        const { dx, dweight, dbias } = layernormBackward(x, weight, mu, rstd, dout, { hasBias: true });
        return [out, mu, rstd, dx, dweight!, dbias!];
      }, 1e-5);
    });

    it('reduces whole slices, bands of columns, and chunks of a long axis combined in a second pass', async () => {
      for (const reduce of [sum, mean, max]) {
        // Slices (n · inner = 40); columns over a long axis (40 × 30, then 20 × 50); one axis of 3001 values.
        await expectLikeJs(backend, [[30, 40]], ([x]) => reduce(x!, 1), 1e-5);
        await expectLikeJs(backend, [[40, 30]], ([x]) => reduce(x!, 0), 1e-5);
        await expectLikeJs(backend, [[2, 20, 50]], ([x]) => reduce(x!, 1), 1e-5);
        await expectLikeJs(backend, [[3001]], ([x]) => reduce(x!), 1e-5);
      }
    });

    it('runs causal attention and its backward in bands of heads or of query rows, with a KV-cache offset', async () => {
      // (B, H, Tq, Tk, D, offset): bands of heads; bands of a head's query rows; both with queries after a cache.
      for (const [B, H, Tq, Tk, D, offset] of [[2, 4, 24, 24, 8, 0], [1, 2, 40, 40, 8, 0], [1, 4, 10, 40, 8, 30], [1, 2, 10, 100, 8, 90]] as const) {
        await expectSame(backend, (b) => {
          const [q, k, v, dout] = [[Tq, 1], [Tk, 2], [Tk, 3], [Tq, 4]].map(([T, seed]) => randn([B, H, T!, D], { seed: seed!, backend: b }));
          const { out, att } = attention(q!, k!, v!, { offset });
          const { dq, dk, dv } = attentionBackward(q!, k!, v!, att, dout!, { offset });
          return [out, att, dq, dk, dv];
        }, 1e-5);
      }
    });

    it('runs AdamW in parts of consecutive elements', async () => {
      await expectSame(backend, (b) => {
        const [param, grad, m, root] = [1, 2, 3, 4].map((seed) => randn([3000], { seed, backend: b }));
        const v = mul(root!, root!);
        adamUpdate(param!, grad!, m!, v, { lr: 0.01, weightDecay: 0.1, step: 3 });
        return [param!, m!, v];
      }, 1e-5);
    });
  });

  it('refuses a row longer than one binding, naming the kernel, the row and the limit', () => {
    const x = randn([2, 1000], { seed: 1, backend: narrow });
    expect(() => softmax(x)).toThrow(BackendMemoryError);
    expect(() => softmax(x)).toThrow(/^webgpu-narrow\.softmax: one row of 1000 elements \(4000 bytes\) passes maxStorageBufferBindingSize \(4096 bytes; a window holds 3840\)/);
    expect(() => rmsnorm(x, null)).toThrow(/^webgpu-narrow\.rmsnorm: one row of 1000 elements/);
    x.dispose();
  });
} else {
  it.skip('split work of row kernels: no WebGPU adapter here', () => {});
}
