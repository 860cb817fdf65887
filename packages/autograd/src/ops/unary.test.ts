import * as T from '@microgpt/tensor';
import { expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { gradCheck } from '../grad-check';
import { type Var, constant, param, releaseGraph } from '../var';
import { add, mul } from './elementwise';
import { transpose } from './layout';
import { sum } from './reduce';
import { addScalar, exp, gelu, log, neg, pow, relu, rsqrt, scale, silu, sqrt, squaredRelu, tanh, unary } from './unary';

describeOnBackends('unary ops', (backendOf) => {
  const randn = (shape: number[], seed: number): T.Tensor => T.randn(shape, { seed, dtype: 'float64', backend: backendOf() });
  // Positive inputs away from 0, for log, sqrt, rsqrt and fractional powers.
  const positive = (shape: number[], seed: number): T.Tensor => T.rand(shape, { seed, low: 0.5, high: 2, dtype: 'float64', backend: backendOf() });
  // Reduces a (2, 3, 4) output to a scalar with fixed random weights, so every output element matters.
  const loss = (out: Var): Var => sum(mul(out, constant(randn([2, 3, 4], 99))));

  // Each autograd op, the tensor op it must equal, and whether it needs positive inputs.
  const cases: { name: string; op: (x: Var) => Var; expected: (x: T.Tensor) => T.Tensor; positive?: boolean }[] = [
    { name: 'neg', op: neg, expected: (x) => T.neg(x) },
    { name: 'exp', op: exp, expected: (x) => T.exp(x) },
    { name: 'log', op: log, expected: (x) => T.log(x), positive: true },
    { name: 'sqrt', op: sqrt, expected: (x) => T.sqrt(x), positive: true },
    { name: 'rsqrt', op: rsqrt, expected: (x) => T.rsqrt(x), positive: true },
    { name: 'tanh', op: tanh, expected: (x) => T.tanh(x) },
    { name: 'relu', op: relu, expected: (x) => T.relu(x) },
    { name: 'silu', op: silu, expected: (x) => T.silu(x) },
    { name: 'squaredRelu', op: squaredRelu, expected: (x) => T.squaredRelu(x) },
    { name: 'pow 2', op: (x) => pow(x, 2), expected: (x) => T.pow(x, 2) },
    { name: 'pow 3', op: (x) => pow(x, 3), expected: (x) => T.pow(x, 3) },
    { name: 'pow 0.5', op: (x) => pow(x, 0.5), expected: (x) => T.pow(x, 0.5), positive: true },
    { name: 'pow -1.5', op: (x) => pow(x, -1.5), expected: (x) => T.pow(x, -1.5), positive: true },
    { name: 'gelu (default, erf)', op: (x) => gelu(x), expected: (x) => T.gelu(x) },
    { name: 'gelu none', op: (x) => gelu(x, { approximate: 'none' }), expected: (x) => T.gelu(x, { approximate: 'none' }) },
    { name: 'gelu tanh', op: (x) => gelu(x, { approximate: 'tanh' }), expected: (x) => T.gelu(x, { approximate: 'tanh' }) },
    // Every op of the tensor package's unary family through the generic `unary`, so a new op is checked here unedited.
    ...(Object.keys(T.UNARY_OP_DOMAINS) as T.UnaryOp[]).map((op) => {
      const exponent = op === 'pow' ? 2.5 : undefined;
      return {
        name: `unary ${op}`,
        op: (x: Var) => unary(op, x, exponent),
        expected: (x: T.Tensor) => T.unary(op, x, { param: exponent }),
        positive: T.UNARY_OP_DOMAINS[op] === 'positive',
      };
    }),
    { name: 'unary pow 4', op: (x) => unary('pow', x, 4), expected: (x) => T.pow(x, 4) },
    { name: 'scale 0.25', op: (x) => scale(x, 0.25), expected: (x) => T.mul(x, 0.25) },
    { name: 'scale -3', op: (x) => scale(x, -3), expected: (x) => T.mul(x, -3) },
    { name: 'addScalar 1.5', op: (x) => addScalar(x, 1.5), expected: (x) => T.add(x, 1.5) },
  ];

  for (const c of cases) {
    const input = (): T.Tensor => (c.positive ? positive([2, 3, 4], 1) : randn([2, 3, 4], 1));

    it(`${c.name}: forward equals the tensor op`, () => {
      const x = input();
      const out = c.op(param(x));
      expect(out.shape).toEqual([2, 3, 4]);
      expect(out.value.toArray()).toEqual(c.expected(x).toArray());
      releaseGraph(out);
    });

    it(`${c.name}: gradients`, () => {
      const result = gradCheck((x) => loss(c.op(x)), [input()]);
      expect(result.ok, result.message).toBe(true);
    });

    it(`${c.name}: gradients through a transposed (strided) input`, () => {
      // (2, 4, 3) transposed to (2, 3, 4): the op reads a non-contiguous view.
      const x = c.positive ? positive([2, 4, 3], 2) : randn([2, 4, 3], 2);
      const result = gradCheck((v) => loss(c.op(transpose(v))), [x]);
      expect(result.ok, result.message).toBe(true);
    });
  }

  it('a Var used twice accumulates both contributions', () => {
    const result = gradCheck((x) => loss(mul(tanh(x), exp(x))), [randn([2, 3, 4], 3)]);
    expect(result.ok, result.message).toBe(true);
    // d/dx sum(2x + 3x) = 5 everywhere.
    const x = param(randn([2, 3, 4], 4));
    const out = sum(add(scale(x, 2), scale(x, 3)));
    out.backward();
    expect([...x.grad!.toArray()]).toEqual(new Array<number>(24).fill(5));
    releaseGraph(out);
  });

  it('a constant input gets no gradient and the output records no backward', () => {
    const out = exp(constant(randn([3], 5)));
    expect(out.requiresGrad).toBe(false);
    expect(out.backwardStep).toBeNull();
    releaseGraph(out);
  });

  it('rejects a bad gelu approximation and pow without an exponent', () => {
    const x = param(randn([3], 6));
    expect(() => gelu(x, { approximate: 'fast' as 'tanh' })).toThrow(TypeError);
    expect(() => unary('pow', x)).toThrow(TypeError);
  });

  it('rejects a non-float input with a DTypeError', () => {
    const ids = constant(T.tensor([1, 2, 3], { dtype: 'int32', backend: backendOf() }));
    expect(() => exp(ids)).toThrow(T.DTypeError);
    expect(() => scale(ids, 2)).toThrow(T.DTypeError);
  });
});
