// The matmul family's conformance cases: every transpose form over shapes with size 1, odd sizes, sizes that are
// not multiples of 4 (SIMD tails) and empty products, then batched, shared-operand and accumulating calls.
import { matmul } from '../../ops/matmul';
import type { ConformanceCase } from '../../testing/conformance';

const MATMUL_SHAPES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1],
  [3, 5, 7],
  [16, 16, 16],
  [17, 9, 33],
  [64, 65, 31],
  [0, 4, 3],
  [4, 0, 3],
];

/** Matmul in every transpose form and batch layout. */
export function matmulCases(): ConformanceCase[] {
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
