// The binary family's conformance cases: every operator in BINARY_OPS broadcast, strided, empty and with a scalar
// on either side, so that a new operator is tested on every backend without a case of its own.
import { binary } from '../../ops/elementwise';
import type { ConformanceCase } from '../../testing/conformance';
import { BINARY_OP_DEFINITIONS, BINARY_OPS } from './elementwise';

/** Every binary operator: broadcast, same shape, strided, empty, and with a scalar on both sides. */
export function elementwiseCases(): ConformanceCase[] {
  return BINARY_OPS.flatMap((op): ConformanceCase[] => [
    {
      kernel: 'binary',
      name: `${op} broadcast [3,1,5] by [4,5]`,
      run: ({ randn }) => ({ out: binary(op, randn([3, 1, 5]), randn([4, 5], 1, BINARY_OP_DEFINITIONS[op].b === 'nonzero' ? 4 : 0)) }),
    },
    {
      kernel: 'binary',
      name: `${op} same shape 37, strided and empty`,
      run: ({ randn }) => ({
        out: binary(op, randn([37]), randn([37], 1, BINARY_OP_DEFINITIONS[op].b === 'nonzero' ? 4 : 0)),
        strided: binary(op, randn([6, 7]).transpose(), randn([7, 6], 1, 3)),
        empty: binary(op, randn([0, 3]), randn([3])),
      }),
    },
    {
      kernel: 'binaryScalar',
      name: `${op} scalar on both sides`,
      run: ({ randn }) => {
        const x = randn([2, 9], 1, BINARY_OP_DEFINITIONS[op].b === 'nonzero' ? 5 : 0);
        return { right: binary(op, x, 1.75), left: binary(op, -2.5, x) };
      },
    },
  ]);
}
