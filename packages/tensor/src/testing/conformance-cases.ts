// The cases of the conformance suite, one small block per kernel. Shapes mix size 1, odd sizes and sizes that
// are not multiples of 4 (SIMD tails), plus empty tensors where an op allows them.
import type { UnaryOp } from '../backend';
import { BINARY_OPS } from '../backends/js/elementwise';
import { adamUpdate } from '../ops/adam';
import { attention, attentionBackward } from '../ops/attention';
import { crossEntropy, crossEntropyBackward } from '../ops/cross-entropy';
import { binary } from '../ops/elementwise';
import { embedding, embeddingBackward } from '../ops/embedding';
import { concat, copy, fill, split } from '../ops/layout';
import { matmul } from '../ops/matmul';
import { quantMatmul } from '../ops/quant-matmul';
import { tensor } from '../create';
import { layernorm, layernormBackward, rmsnorm, rmsnormBackward } from '../ops/norm';
import { max, mean, sum } from '../ops/reduce';
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from '../ops/softmax';
import { UNARY_OP_DOMAINS } from '../backends/js/unary';
import { unary, unaryBackward } from '../ops/unary';
import type { Tensor } from '../tensor';
import type { ConformanceCase } from './conformance';
import { ruleCases } from './conformance-rules';

const MATMUL_SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [3, 5, 7],
  [16, 16, 16],
  [17, 9, 33],
  [64, 65, 31],
  [0, 4, 3],
  [4, 0, 3],
];

function matmulCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const [M, K, N] of MATMUL_SHAPES) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) {
        const form = `${M}x${K}x${N}${transA ? ' tA' : ''}${transB ? ' tB' : ''}`;
        cases.push({
          kernel: 'matmul',
          name: form,
          run: ({ randn }) => ({
            out: matmul(randn(transA ? [K, M] : [M, K]), randn(transB ? [N, K] : [K, N]), { transA, transB }),
          }),
        });
      }
    }
  }
  cases.push(
    {
      kernel: 'matmul',
      name: 'batched 3x(5x6x7), b shared, accumulate',
      run: ({ randn }) => {
        const out = randn([3, 5, 7]);
        matmul(randn([3, 5, 6]), randn([6, 7]), { out, accumulate: true });
        return { out, batched: matmul(randn([3, 6, 5]), randn([3, 7, 6]), { transA: true, transB: true }) };
      },
    },
    {
      kernel: 'matmul',
      name: 'batched 8x(33x20x19), a shared',
      run: ({ randn }) => ({ out: matmul(randn([33, 20]), randn([8, 20, 19])) }),
    },
  );
  return cases;
}


function elementwiseCases(): ConformanceCase[] {
  return BINARY_OPS.flatMap((op): ConformanceCase[] => [
    {
      kernel: 'binary',
      name: `${op} broadcast [3,1,5] by [4,5]`,
      run: ({ randn }) => ({ out: binary(op, randn([3, 1, 5]), randn([4, 5], 1, op === 'div' ? 4 : 0)) }),
    },
    {
      kernel: 'binary',
      name: `${op} same shape 37, strided and empty`,
      run: ({ randn }) => ({
        out: binary(op, randn([37]), randn([37], 1, op === 'div' ? 4 : 0)),
        strided: binary(op, randn([6, 7]).transpose(), randn([7, 6], 1, 3)),
        empty: binary(op, randn([0, 3]), randn([3])),
      }),
    },
    {
      kernel: 'binaryScalar',
      name: `${op} scalar on both sides`,
      run: ({ randn }) => {
        const x = randn([2, 9], 1, op === 'div' ? 5 : 0);
        return { right: binary(op, x, 1.75), left: binary(op, -2.5, x) };
      },
    },
  ]);
}

/** Every unary op, from the family's table, so that a new op is tested on every backend without a case of its own. */
function unaryCases(): ConformanceCase[] {
  return (Object.keys(UNARY_OP_DOMAINS) as UnaryOp[]).map((op) => ({
    kernel: 'unary',
    name: `${op} forward and backward, 3x13`,
    run: ({ randn }) => {
      const x = UNARY_OP_DOMAINS[op] === 'positive' ? unary('exp', randn([3, 13], 0.5)) : randn([3, 13], 2);
      const param = op === 'pow' ? 2.5 : 0;
      const dx = unaryBackward(op, x, randn([3, 13]), { param });
      return { out: unary(op, x, { param }), dx };
    },
  }));
}

function reduceCases(): ConformanceCase[] {
  return [
    {
      kernel: 'reduce',
      name: 'sum, mean, max along each axis of [3,4,5] and all',
      run: ({ randn }) => {
        const x = randn([3, 4, 5]);
        const results: Record<string, Tensor> = {};
        for (const [name, reduce] of [['sum', sum], ['mean', mean], ['max', max]] as const) {
          for (const axis of [0, 1, -1]) results[`${name}${axis}`] = reduce(x, axis);
          results[`${name}All`] = reduce(x, null);
        }
        return results;
      },
    },
    {
      kernel: 'reduce',
      name: 'sum of 1000 values, size-1 axis, empty axis',
      looseness: 4,
      run: ({ randn }) => ({
        long: sum(randn([1000]), 0),
        single: sum(randn([5, 1, 3]), 1, { keepdims: true }),
        empty: sum(randn([2, 0]), 1),
      }),
    },
  ];
}

function softmaxCases(): ConformanceCase[] {
  return [
    ['small rows 4x1 and 5x7', [5, 7], 1, 0],
    ['wide rows 3x67', [3, 67], 3, 0],
    ['large values around 1000', [4, 9], 300, 1000],
    ['large negative values around -1000', [4, 9], 300, -1000],
  ].map(([name, shape, scale, shift]) => ({
    kernel: 'softmax',
    name: name as string,
    run: ({ randn }) => {
      const x = randn(shape as number[], scale as number, shift as number);
      const y = softmax(x);
      const logY = logSoftmax(x);
      const dy = randn(shape as number[]);
      return { y, logY, dx: softmaxBackward(y, dy), dlogX: logSoftmaxBackward(logY, dy), single: softmax(randn([4, 1])) };
    },
  }));
}

function normCases(): ConformanceCase[] {
  return [
    { name: 'C=16 no weight', N: 7, C: 16, affine: false },
    { name: 'C=37 with weight and bias', N: 5, C: 37, affine: true },
    { name: 'C=1', N: 3, C: 1, affine: true },
  ].map(({ name, N, C, affine }) => ({
    kernel: 'norm',
    name,
    run: ({ randn }) => {
      const x = randn([N, C], 2, 0.5);
      const weight = affine ? randn([C], 0.5, 1) : null;
      const bias = affine ? randn([C]) : null;
      const dout = randn([N, C]);
      const rms = rmsnorm(x, weight);
      const rmsGrads = rmsnormBackward(x, weight, rms.rstd, dout, {});
      const ln = layernorm(x, weight, bias);
      const lnGrads = layernormBackward(x, weight, ln.mean, ln.rstd, dout, { hasBias: bias !== null });
      const results: Record<string, Tensor> = { rms: rms.out, rstd: rms.rstd, rmsDx: rmsGrads.dx, ln: ln.out, lnDx: lnGrads.dx };
      if (rmsGrads.dweight) results.rmsDw = rmsGrads.dweight;
      if (lnGrads.dweight) results.lnDw = lnGrads.dweight;
      if (lnGrads.dbias) results.lnDb = lnGrads.dbias;
      return results;
    },
  }));
}

function gatherCases(): ConformanceCase[] {
  return [
    {
      kernel: 'embedding',
      name: 'V=11 C=7, repeated ids, forward and scatter-add',
      run: ({ randn, ints }) => {
        const weight = randn([11, 7]);
        const ids = ints([3, 5], 0, 11);
        const dweight = randn([11, 7]);
        embeddingBackward(ids, randn([3, 5, 7]), dweight);
        return { out: embedding(weight, ids), dweight };
      },
    },
    {
      kernel: 'crossEntropy',
      name: 'N=9 V=27 with ignored rows, large logits',
      run: ({ randn, ints }) => {
        const logits = randn([9, 27], 30);
        const targets = ints([9], -1, 27);
        const { loss, probs, losses } = crossEntropy(logits, targets);
        return { loss, probs, losses, dlogits: crossEntropyBackward(probs, targets, { dloss: 0.5 }) };
      },
    },
  ];
}

function attentionCases(): ConformanceCase[] {
  return [
    { name: 'B=2 H=3 T=5 D=4', B: 2, H: 3, Tq: 5, Tk: 5, D: 4 },
    { name: 'B=1 H=1 T=1 D=1', B: 1, H: 1, Tq: 1, Tk: 1, D: 1 },
    { name: 'B=1 H=2 T=17 D=9', B: 1, H: 2, Tq: 17, Tk: 17, D: 9 },
    { name: 'KV cache: 3 queries after 6 cached keys, D=8', B: 2, H: 2, Tq: 3, Tk: 9, D: 8 },
  ].map(({ name, B, H, Tq, Tk, D }) => ({
    kernel: 'attention',
    name,
    run: ({ randn }) => {
      const q = randn([B, H, Tq, D]);
      const k = randn([B, H, Tk, D]);
      const v = randn([B, H, Tk, D]);
      const { out, att } = attention(q, k, v);
      const { dq, dk, dv } = attentionBackward(q, k, v, att, randn([B, H, Tq, D]));
      return { out, att, dq, dk, dv };
    },
  }));
}

function adamCases(): ConformanceCase[] {
  return [
    { name: 'Adam, 3 steps, 29 values', weightDecay: 0 },
    { name: 'AdamW, 3 steps, 29 values', weightDecay: 0.1 },
  ].map(({ name, weightDecay }) => ({
    kernel: 'adam',
    name,
    run: ({ randn }) => {
      const param = randn([29]);
      const m = randn([29], 0);
      const v = randn([29], 0);
      for (let step = 1; step <= 3; step++) {
        adamUpdate(param, randn([29]), m, v, { lr: 0.01, beta1: 0.85, beta2: 0.99, eps: 1e-8, weightDecay, step });
      }
      return { param, m, v };
    },
  }));
}

function layoutCases(): ConformanceCase[] {
  return [
    {
      kernel: 'layout',
      name: 'fill, strided copy, concat, split',
      run: ({ randn }) => {
        const x = randn([4, 6]);
        const filled = randn([3, 5]);
        fill(filled.slice(1, 1, 3), 2.5);
        const copied = randn([6, 4]);
        copy(x.transpose(), copied);
        const joined = concat([x, randn([2, 6]), randn([0, 6])], 0);
        const [left, right] = split(x, [1, 5], 1) as [Tensor, Tensor];
        return { filled, copied, joined, left, right };
      },
    },
  ];
}

/** (M, N, K, group size, format) of the quantMatmul cases. */
type QuantShape = readonly [number, number, number, number, 'int8' | 'int4'];

/**
 * The shakespeare-cpu layers at M = 1 (generation) and 64 (a prompt), int8 per output channel and int4 in groups
 * of 32; group sizes that leave scalar tails (int8 not a multiple of 16, int4 not of 32) alone or after SIMD;
 * int8 rows longer than the int16 path's flush interval; N = 1, M = 0, and more rows than columns (the wasm
 * backend then splits rows between threads).
 */
const QUANT_SHAPES: readonly QuantShape[] = [
  ...([[384, 128], [128, 128], [512, 128], [128, 512], [65, 128]] as const).flatMap(([N, K]): QuantShape[] => [[1, N, K, K, 'int8'], [1, N, K, 32, 'int4']]),
  [64, 384, 128, 128, 'int8'], [64, 128, 512, 32, 'int4'], [7, 65, 128, 32, 'int8'], [9, 65, 128, 64, 'int4'],
  [3, 5, 20, 10, 'int8'], [2, 3, 24, 24, 'int8'], [4, 7, 100, 100, 'int8'], [3, 5, 20, 10, 'int4'], [2, 6, 72, 36, 'int4'],
  [2, 3, 2080, 2080, 'int8'], [5, 1, 128, 128, 'int8'], [1, 1, 16, 16, 'int4'], [0, 3, 16, 16, 'int8'], [0, 4, 32, 32, 'int4'],
  [40, 3, 48, 48, 'int8'], [33, 2, 64, 32, 'int4'],
];

/**
 * One quantMatmul case: random scales and offsets (N, K / G); random codes and x, or with `codeByte` every byte of
 * codes equal to it and x constant (every activation then rounds to 32767); `label` ends the name.
 */
function quantMatmulCase([M, N, K, G, format]: QuantShape, activations: 'float' | 'int16', withOffsets: boolean, codeByte: number | null, label = ''): ConformanceCase {
  return {
    kernel: 'quantMatmul',
    name: `${format} ${M}x${K} · (${N}x${K})ᵀ groups of ${G}, ${activations}${withOffsets ? ', offsets' : ''}${label}`,
    dtypes: ['float32'],
    run: ({ randn, bytes, backend }) => {
      const byteCount = format === 'int8' ? N * K : (N * K) / 2;
      const codes = codeByte === null ? bytes([byteCount]) : tensor(new Uint8Array(byteCount).fill(codeByte), { backend });
      // Scales and offsets are float32 whatever the case's dtype (randn's values are float32-exact).
      const scales = randn([N, K / G], 0.01, 0.02).clone('float32');
      const offsets = withOffsets ? randn([N, K / G], 0.05).clone('float32') : null;
      const x = codeByte === null ? randn([M, K]) : randn([M, K], 0, 0.5);
      const out = quantMatmul(x, { codes, scales, offsets, format, groupSize: G }, { activations });
      for (const t of [scales, offsets, codeByte === null ? null : codes]) t?.dispose();
      return { out };
    },
  };
}

/**
 * Quantized matmul: random int8 and int4 codes over QUANT_SHAPES, with and without offsets, both activation
 * modes; and the largest products a group can sum (every q at its extreme, every activation at 32767) over rows
 * long enough to overflow an int32 sum that is not flushed in time.
 */
function quantMatmulCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const shape of QUANT_SHAPES) {
    for (const activations of ['float', 'int16'] as const) {
      for (const withOffsets of [false, true]) cases.push(quantMatmulCase(shape, activations, withOffsets, null));
    }
  }
  for (const activations of ['float', 'int16'] as const) {
    cases.push(quantMatmulCase([2, 3, 4100, 4100, 'int8'], activations, true, 0x80, ', every q = -128'));
    cases.push(quantMatmulCase([2, 3, 18000, 18000, 'int4'], activations, true, 0xff, ', every q = 15'));
  }
  return cases;
}

/** Every conformance case, grouped by kernel family, then the in-place, accumulation and empty-tensor cases. */
export function conformanceCases(): ConformanceCase[] {
  return [
    ...matmulCases(),
    ...elementwiseCases(),
    ...unaryCases(),
    ...reduceCases(),
    ...softmaxCases(),
    ...normCases(),
    ...gatherCases(),
    ...attentionCases(),
    ...adamCases(),
    ...layoutCases(),
    ...quantMatmulCases(),
    ...ruleCases(),
  ];
}
