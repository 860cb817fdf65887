import { BINARY_OP_DEFINITIONS, type BinaryOp, randn } from '@microgpt/tensor';
import { expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { gradCheck } from '../grad-check';
import { constant, param, releaseGraph } from '../var';
import { binary, mul, sub } from './elementwise';
import { sum } from './reduce';
import { exp } from './unary';

const SHAPES = [
  { name: 'same shape', a: [3, 4], b: [3, 4] },
  { name: 'b broadcast along rows (a bias)', a: [2, 3, 4], b: [4] },
  { name: 'a broadcast along a size-1 axis', a: [3, 1], b: [3, 5] },
  { name: 'both broadcast', a: [2, 1, 4], b: [3, 1] },
];

describeOnBackends('elementwise gradients', (backendOf) => {
  // Every operator of the core's binary family, from its table.
  for (const op of Object.keys(BINARY_OP_DEFINITIONS) as BinaryOp[]) {
    for (const shapes of SHAPES) {
      it(`${op}, ${shapes.name}`, () => {
        const backend = backendOf();
        const a = randn(shapes.a, { seed: 1, dtype: 'float64', backend });
        // Divisors kept away from 0 so that central differences stay accurate.
        const b = randn(shapes.b, { seed: 2, dtype: 'float64', backend, mean: BINARY_OP_DEFINITIONS[op].b === 'nonzero' ? 3 : 0 });
        const probe = binary(op, constant(a), constant(b));
        const w = randn(probe.shape, { seed: 3, dtype: 'float64', backend });
        releaseGraph(probe);
        const result = gradCheck((x, y) => sum(mul(binary(op, x, y), constant(w))), [a, b]);
        expect(result.ok, result.message).toBe(true);
      });
    }
  }

  it('a Var used on both sides gets both contributions', () => {
    const backend = backendOf();
    const x = param(randn([5], { seed: 4, dtype: 'float64', backend }));
    const loss = sum(mul(x, x));
    loss.backward();
    const expected = Array.from(x.value.toArray(), (v) => 2 * v);
    expect(Array.from(x.grad!.toArray())).toEqual(expected);
    releaseGraph(loss);
  });

  it('only Vars that require a gradient get one', () => {
    const backend = backendOf();
    const x = param(randn([3], { seed: 5, dtype: 'float64', backend }));
    const c = constant(randn([3], { seed: 6, dtype: 'float64', backend }));
    const loss = sum(exp(sub(c, x)));
    loss.backward();
    expect(c.grad).toBeNull();
    expect(x.grad).not.toBeNull();
    releaseGraph(loss);
  });
});
