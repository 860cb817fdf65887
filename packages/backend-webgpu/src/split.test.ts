// Work split by the adapter's limits: a backend opened with limits far below the device's (a binding of 4 KiB, 4
// workgroups along a grid dimension) must bind windows of larger buffers and dispatch in parts, and still give
// the JS reference's results; work that cannot split (one row past a binding) is refused by name.
import { type Backend, BackendMemoryError, type Tensor, add, copy, crossEntropy, crossEntropyBackward, embedding, embeddingBackward, exp, fill, matmul, mul, quantMatmul, randn, softmax, tensor, unaryBackward, zeros } from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { touchedWindow } from './kernels/split';
import { expectLikeJs, expectSame, hasAdapter, limitedBackends } from './test-backend';

describe('touchedWindow', () => {
  it('is the exact range of a contiguous run and an outer bound of a strided one', () => {
    expect(touchedWindow(10, [4, 5], [5, 1], 3, 9)).toEqual({ first: 13, count: 9 });
    // A transposed 5 × 4 view: elements 2…5 run over rows 0 and 1 of the view, columns 2, 3, 0, 1.
    expect(touchedWindow(0, [5, 4], [1, 5], 2, 4)).toEqual({ first: 0, count: 17 });
    expect(touchedWindow(7, [3], [0], 0, 3)).toEqual({ first: 7, count: 1 });
    expect(touchedWindow(0, [], [], 0, 1)).toEqual({ first: 0, count: 1 });
  });
});

/**
 * quantMatmul of x (M, K) by N weight rows of random codes (bytes from a fixed sequence), scales around 0.01 and,
 * `withOffsets`, offsets, all made on `b` from fixed seeds.
 */
function quantProduct(b: Backend, [M, N, K]: readonly [number, number, number], format: 'int8' | 'int4', groupSize: number, activations: 'float' | 'int16', withOffsets: boolean): Tensor {
  const bytes = format === 'int8' ? N * K : (N * K) / 2;
  const codes = tensor(Uint8Array.from({ length: bytes }, (_, i) => (i * 131 + 7) % 256), { backend: b });
  const scales = randn([N, K / groupSize], { seed: 11, mean: 0.01, std: 0.02, backend: b });
  const offsets = withOffsets ? randn([N, K / groupSize], { seed: 12, std: 0.05, backend: b }) : null;
  return quantMatmul(randn([M, K], { seed: 13, backend: b }), { codes, scales, offsets, format, groupSize }, { activations });
}

if (await hasAdapter()) {
  const { narrow, flat } = await limitedBackends();

  describe('webgpu with buffers larger than one binding', () => {
    it('runs matmul in bands of rows, plain, batched, transposed and accumulating', async () => {
      await expectLikeJs(narrow, [[70, 40], [40, 24]], ([a, b]) => matmul(a!, b!), 1e-5);
      await expectLikeJs(narrow, [[3, 40, 20], [3, 20, 24]], ([a, b]) => matmul(a!, b!), 1e-5);
      await expectLikeJs(narrow, [[3, 40, 20], [20, 24]], ([a, b]) => matmul(a!, b!), 1e-5);
      await expectLikeJs(narrow, [[20, 45], [30, 20], [45, 30]], ([a, b, out]) => matmul(a!, b!, { transA: true, transB: true, out: out!, accumulate: true }), 1e-5);
    });

    it('runs elementwise kernels in parts: contiguous, broadcast and transposed views', async () => {
      await expectLikeJs(narrow, [[100, 30], [30]], ([a, b]) => add(a!, b!), 1e-6);
      await expectLikeJs(narrow, [[60, 50], [50, 60]], ([a, b]) => mul(a!.transpose(0, 1), b!), 1e-6);
      await expectLikeJs(narrow, [[3001]], ([x]) => mul(exp(x!), 0.5), 1e-6);
      await expectLikeJs(narrow, [[2500], [2500]], ([x, g]) => unaryBackward('tanh', x!, g!), 1e-5);
    });

    it('runs fill and copy in boxes: transposed and sliced views, int32 and uint8 sources', async () => {
      await expectLikeJs(narrow, [[60, 50]], ([x]) => x!.transpose(0, 1).contiguous(), 0);
      await expectLikeJs(narrow, [[3, 40, 50]], ([x]) => x!.slice(2, 10, 45).transpose(0, 2).contiguous(), 0);
      await expectSame(narrow, (b) => {
        const filled = zeros([60, 50], { backend: b });
        fill(filled.slice(1, 5, 40).transpose(0, 1), 2.5);
        const bytes = tensor(Uint8Array.from({ length: 5001 }, (_, i) => (i * 37) % 256), { backend: b });
        const ints = tensor(Int32Array.from({ length: 3000 }, (_, i) => i * 7 - 5000), { backend: b });
        return [filled, copy(bytes, zeros([5001], { backend: b })), copy(ints, zeros([3000], { backend: b }))];
      }, 0);
    });

    it('runs embedding and cross-entropy over a vocabulary larger than one binding, in bands of ids and rows', async () => {
      // 40 rows, ids repeating (every id seen 1–3 times), an ignored target (-1) every 9th row.
      const ids = Int32Array.from({ length: 40 }, (_, i) => ((i % 17) * 11) % 200);
      const targets = Int32Array.from({ length: 40 }, (_, i) => (i % 9 === 4 ? -1 : (i * 53) % 200));
      await expectSame(narrow, (b) => {
        const idTensor = tensor(ids, { backend: b });
        const out = embedding(randn([200, 12], { seed: 1, backend: b }), idTensor);
        const dweight = embeddingBackward(idTensor, randn([40, 12], { seed: 2, backend: b }), randn([200, 12], { seed: 3, backend: b }));
        const targetTensor = tensor(targets, { backend: b });
        const { loss, probs } = crossEntropy(randn([40, 200], { seed: 4, backend: b }), targetTensor);
        const dlogits = crossEntropyBackward(probs, targetTensor, { dloss: 0.5 });
        return [out, dweight, loss, probs, dlogits];
      }, 1e-5);
    });

    it('binds tensors far apart in one buffer (an arena larger than one binding) apart', async () => {
      await expectSame(narrow, (b) => {
        const arena = randn([3000], { seed: 5, backend: b });
        const x = arena.slice(0, 0, 600).reshape([20, 30]);
        const y = arena.slice(0, 2000, 2600).reshape([20, 30]);
        const sum = add(x, y);
        softmax(x, arena.slice(0, 1000, 1600).reshape([20, 30]));
        const product = matmul(x, arena.slice(0, 2400, 3000).reshape([30, 20]));
        return [sum, product, arena];
      }, 1e-5);
    });

    it('runs quantMatmul in blocks of rows of x and weight rows: int8 and int4, offsets, float and int16 activations', async () => {
      // codes, scales and out all pass one binding (x too): blocks of 60 weight rows times bands of 2 rows of x.
      for (const [format, groupSize] of [['int8', 4], ['int4', 8]] as const) {
        for (const activations of ['float', 'int16'] as const) {
          for (const withOffsets of [false, true]) await expectSame(narrow, (b) => [quantProduct(b, [40, 240, 40], format, groupSize, activations, withOffsets)], 1e-5);
        }
      }
      // Every weight row at once (out's rows fit a window), bands of rows of x.
      await expectSame(narrow, (b) => [quantProduct(b, [70, 12, 40], 'int8', 40, 'float', true)], 1e-5);
    });

    it('refuses a quantMatmul whose one row of x passes one binding, naming the kernel, the row and the limit', () => {
      const x = randn([2, 1000], { seed: 1, backend: narrow });
      const weights = { codes: tensor(new Uint8Array(2000), { backend: narrow }), scales: tensor([[0.5], [0.5]], { backend: narrow }), offsets: null, format: 'int8' as const, groupSize: 1000 };
      expect(() => quantMatmul(x, weights)).toThrow(BackendMemoryError);
      expect(() => quantMatmul(x, weights)).toThrow(/^webgpu-narrow\.quantMatmul: one row of 1000 elements of x \(4000 bytes\) passes maxStorageBufferBindingSize \(4096 bytes; a window holds 3840\) and cannot be split further/);
      x.dispose();
    });

    it('runs a matmul whose b (or transposed a) alone passes one binding in blocks over K and N, every form', async () => {
      for (const [transA, transB] of [[false, false], [false, true], [true, false], [true, true]]) {
        await expectLikeJs(narrow, [transA ? [40, 20] : [20, 40], transB ? [45, 40] : [40, 45], [20, 45]], ([a, b, out]) => matmul(a!, b!, { transA, transB, out: out!, accumulate: true }), 1e-5);
      }
      // Batched with a shared b; a row of K past one binding (K = 1000).
      await expectLikeJs(narrow, [[2, 5, 40], [40, 45]], ([a, b]) => matmul(a!, b!), 1e-5);
      await expectLikeJs(narrow, [[3, 1000], [1000, 2]], ([a, b]) => matmul(a!, b!), 1e-5);
    });
  });

  describe('webgpu with few workgroups per grid dimension', () => {
    it('splits matmul grids by rows and batches, quantMatmul by rows and weight rows, and one-dimensional kernels into several dispatches', async () => {
      await expectLikeJs(flat, [[6, 70, 9], [6, 9, 20]], ([a, b]) => matmul(a!, b!), 1e-5);
      // 4 × 4 workgroups of 256 threads cover 4096 elements a dispatch.
      await expectLikeJs(flat, [[10_000], [10_000]], ([a, b]) => add(a!, b!), 1e-6);
      await expectLikeJs(flat, [[10_000]], ([x]) => exp(x!), 1e-6);
      await expectLikeJs(flat, [[100, 100]], ([x]) => x!.transpose(0, 1).contiguous(), 0);
      // 70 × 100 quantized outputs: bands of 35 rows; 3 × 5000: bands of 2500 weight rows, one row of x each.
      await expectSame(flat, (b) => [quantProduct(b, [70, 100, 16], 'int8', 8, 'int16', true), quantProduct(b, [3, 5000, 4], 'int4', 2, 'float', false)], 1e-5);
      // 40 rows of cross-entropy: bands of 16 rows.
      await expectSame(flat, (b) => {
        const targets = tensor(Int32Array.from({ length: 40 }, (_, i) => (i * 7) % 30), { backend: b });
        const { loss, probs } = crossEntropy(randn([40, 30], { seed: 4, backend: b }), targets);
        return [loss, probs, crossEntropyBackward(probs, targets)];
      }, 1e-5);
    });
  });
} else {
  it.skip('split work: no WebGPU adapter here', () => {});
}
