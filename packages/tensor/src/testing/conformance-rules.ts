// Conformance cases for the rules every kernel follows beyond its formula (see `Backend`): an output may be the very
// tensor an elementwise input is (in place); backward kernels add into the gradients they are given rather than
// overwrite them; and every kernel takes tensors with no elements.
import { adamUpdate } from '../ops/adam';
import { attention, attentionBackward } from '../ops/attention';
import { crossEntropy, crossEntropyBackward } from '../ops/cross-entropy';
import { binary } from '../ops/elementwise';
import { embedding, embeddingBackward } from '../ops/embedding';
import { copy, fill } from '../ops/layout';
import { layernorm, layernormBackward, rmsnorm, rmsnormBackward } from '../ops/norm';
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from '../ops/softmax';
import { unary, unaryBackward } from '../ops/unary';
import type { ConformanceCase } from './conformance';

/** Elementwise kernels writing over one of their inputs: out = a for binary and binaryScalar, out = x for unary. */
function inPlaceCases(): ConformanceCase[] {
  return [
    {
      kernel: 'binary',
      name: 'in place: out is a (same shape, and b broadcast)',
      run: ({ randn }) => {
        const a = randn([5, 7]);
        binary('mul', a, randn([5, 7]), a);
        const c = randn([4, 9]);
        binary('sub', c, randn([9]), c);
        return { a, c };
      },
    },
    {
      kernel: 'binaryScalar',
      name: 'in place: out is a, scalar on either side',
      run: ({ randn }) => {
        const a = randn([3, 11]);
        binary('add', a, 0.75, a);
        binary('div', -3, a, a);
        return { a };
      },
    },
    {
      kernel: 'unary',
      name: 'in place: out is x',
      run: ({ randn }) => {
        const x = randn([2, 17]);
        unary('tanh', x, { out: x });
        unary('gelu_tanh', x, { out: x });
        return { x };
      },
    },
  ];
}

/** Backward kernels given non-zero gradient buffers: the result must be buffer + gradient. */
function accumulateCases(): ConformanceCase[] {
  return [
    {
      kernel: 'unary',
      name: 'backward adds into dx',
      run: ({ randn }) => {
        const x = randn([3, 7]);
        const dx = randn([3, 7]);
        unaryBackward('silu', x, randn([3, 7]), { dx });
        return { dx };
      },
    },
    {
      kernel: 'softmax',
      name: 'backward adds into dx (softmax and log-softmax)',
      run: ({ randn }) => {
        const x = randn([4, 6]);
        const dx = randn([4, 6]);
        softmaxBackward(softmax(x), randn([4, 6]), dx);
        const dlog = randn([4, 6]);
        logSoftmaxBackward(logSoftmax(x), randn([4, 6]), dlog);
        return { dx, dlog };
      },
    },
    {
      kernel: 'norm',
      name: 'backward adds into dx, dweight and dbias',
      run: ({ randn }) => {
        const [x, weight, bias, dout] = [randn([5, 9]), randn([9], 0.5, 1), randn([9]), randn([5, 9])];
        const rms = { dx: randn([5, 9]), dweight: randn([9]) };
        rmsnormBackward(x, weight, rmsnorm(x, weight).rstd, dout, rms);
        const ln = { dx: randn([5, 9]), dweight: randn([9]), dbias: randn([9]) };
        const { mean, rstd } = layernorm(x, weight, bias);
        layernormBackward(x, weight, mean, rstd, dout, ln);
        return { rmsDx: rms.dx, rmsDw: rms.dweight, lnDx: ln.dx, lnDw: ln.dweight, lnDb: ln.dbias };
      },
    },
    {
      kernel: 'crossEntropy',
      name: 'backward adds into dlogits',
      run: ({ randn, ints }) => {
        const targets = ints([6], -1, 8);
        const dlogits = randn([6, 8]);
        crossEntropyBackward(crossEntropy(randn([6, 8], 3), targets).probs, targets, { dlogits, dloss: 1.5 });
        return { dlogits };
      },
    },
    {
      kernel: 'attention',
      name: 'backward adds into dq, dk and dv',
      run: ({ randn }) => {
        const [q, k, v] = [randn([1, 2, 5, 3]), randn([1, 2, 5, 3]), randn([1, 2, 5, 3])];
        const grads = { dq: randn([1, 2, 5, 3]), dk: randn([1, 2, 5, 3]), dv: randn([1, 2, 5, 3]) };
        attentionBackward(q, k, v, attention(q, k, v).att, randn([1, 2, 5, 3]), grads);
        return grads;
      },
    },
  ];
}

/** Every kernel family on tensors with no elements (and a softmax over rows of length 0). */
function emptyCases(): ConformanceCase[] {
  const step = { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, step: 1 };
  return [
    {
      kernel: 'unary',
      name: 'empty: forward, backward, scalar op',
      run: ({ randn }) => {
        const x = randn([0, 3]);
        return { out: unary('exp', x), dx: unaryBackward('exp', x, randn([0, 3])), scalar: binary('mul', x, 2) };
      },
    },
    {
      kernel: 'softmax',
      name: 'empty: no rows, and rows of length 0',
      run: ({ randn }) => ({ none: softmax(randn([0, 5])), dx: softmaxBackward(randn([0, 5]), randn([0, 5])), zeroWide: softmax(randn([3, 0])) }),
    },
    {
      kernel: 'norm',
      name: 'empty: no rows',
      run: ({ randn }) => {
        const [x, weight, dout] = [randn([0, 4]), randn([4]), randn([0, 4])];
        const rms = rmsnorm(x, weight);
        const ln = layernorm(x, weight, randn([4]));
        const lnGrads = layernormBackward(x, weight, ln.mean, ln.rstd, dout, { hasBias: true });
        return { rms: rms.out, rmsDw: rmsnormBackward(x, weight, rms.rstd, dout).dweight!, ln: ln.out, lnDw: lnGrads.dweight!, lnDb: lnGrads.dbias! };
      },
    },
    {
      kernel: 'embedding',
      name: 'empty: no ids',
      run: ({ randn, ints }) => {
        const ids = ints([0], 0, 5);
        const dweight = randn([5, 3]);
        embeddingBackward(ids, randn([0, 3]), dweight);
        return { out: embedding(randn([5, 3]), ids), dweight };
      },
    },
    {
      kernel: 'crossEntropy',
      name: 'empty: no rows (NaN loss, nothing added)',
      run: ({ randn, ints }) => {
        const targets = ints([0], 0, 4);
        const { loss, probs } = crossEntropy(randn([0, 4]), targets);
        return { loss, dlogits: crossEntropyBackward(probs, targets) };
      },
    },
    {
      kernel: 'attention',
      name: 'empty: no tokens, and no batch',
      run: ({ randn }) => {
        const [q, k, v] = [randn([1, 2, 0, 4]), randn([1, 2, 0, 4]), randn([1, 2, 0, 4])];
        const { out, att } = attention(q, k, v);
        const noBatch = attention(randn([0, 2, 3, 4]), randn([0, 2, 3, 4]), randn([0, 2, 3, 4])).out;
        return { out, dq: attentionBackward(q, k, v, att, randn([1, 2, 0, 4])).dq, noBatch };
      },
    },
    {
      kernel: 'adam',
      name: 'empty: no parameters',
      run: ({ randn }) => {
        const param = randn([0]);
        adamUpdate(param, randn([0]), randn([0]), randn([0]), step);
        return { param };
      },
    },
    {
      kernel: 'layout',
      name: 'empty: fill and copy',
      run: ({ randn }) => {
        const filled = fill(randn([2, 0]), 3);
        return { filled, copied: copy(randn([0, 3]).transpose(), randn([3, 0])) };
      },
    },
  ];
}

/** The in-place, accumulation and empty-tensor cases. */
export function ruleCases(): ConformanceCase[] {
  return [...inPlaceCases(), ...accumulateCases(), ...emptyCases()];
}
