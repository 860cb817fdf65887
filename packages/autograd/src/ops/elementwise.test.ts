import { randn } from '@microgpt/tensor';
import { expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { gradCheck } from '../grad-check';
import { constant, param, releaseGraph } from '../var';
import { add, div, mul, sub } from './elementwise';
import { sum } from './reduce';
import { exp } from './unary';

const OPS = { add, sub, mul, div };
const SHAPES = [
  { name: 'same shape', a: [3, 4], b: [3, 4] },
  { name: 'b broadcast along rows (a bias)', a: [2, 3, 4], b: [4] },
  { name: 'a broadcast along a size-1 axis', a: [3, 1], b: [3, 5] },
  { name: 'both broadcast', a: [2, 1, 4], b: [3, 1] },
];

describeOnBackends('elementwise gradients', (backendOf) => {
  for (const [name, op] of Object.entries(OPS)) {
    for (const shapes of SHAPES) {
      it(`${name}, ${shapes.name}`, () => {
        const backend = backendOf();
        const a = randn(shapes.a, { seed: 1, dtype: 'float64', backend });
        // Divisors kept away from 0 so that central differences stay accurate.
        const b = name === 'div' ? randn(shapes.b, { seed: 2, dtype: 'float64', backend, mean: 3 }) : randn(shapes.b, { seed: 2, dtype: 'float64', backend });
        const probe = op(constant(a), constant(b));
        const w = randn(probe.shape, { seed: 3, dtype: 'float64', backend });
        releaseGraph(probe);
        const result = gradCheck((x, y) => sum(mul(op(x, y), constant(w))), [a, b]);
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
