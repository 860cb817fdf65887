// The quantized matmul family's conformance cases (float32 only): int8 and int4 codes, both activation modes,
// with and without offsets, over the model's layer shapes, SIMD tails and rows long enough to overflow an int32 sum.
import { tensor } from '../../create';
import { quantMatmul } from '../../ops/quant-matmul';
import type { ConformanceCase } from '../../testing/conformance';

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
export function quantMatmulCases(): ConformanceCase[] {
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
