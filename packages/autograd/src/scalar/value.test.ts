import { describe, expect, it } from 'vitest';
import { Value } from './value';

/** Runs backward from `f(x)` (and `f(x, y)`) and returns the gradients, with the forward value. */
function grads(f: (...xs: Value[]) => Value, ...inputs: number[]): { data: number; grads: number[] } {
  const xs = inputs.map((x) => new Value(x));
  const out = f(...xs);
  out.backward();
  return { data: out.data, grads: xs.map((x) => x.grad) };
}

describe('Value ops: forward values and hand-derived gradients', () => {
  it('add: d(x + y) = 1, 1; a number operand works', () => {
    expect(grads((x, y) => x.add(y), 2, -3)).toEqual({ data: -1, grads: [1, 1] });
    expect(grads((x) => x.add(5), 2)).toEqual({ data: 7, grads: [1] });
  });

  it('mul: d(x · y) = y, x', () => {
    expect(grads((x, y) => x.mul(y), 3, -4)).toEqual({ data: -12, grads: [-4, 3] });
    expect(grads((x) => x.mul(2.5), 3)).toEqual({ data: 7.5, grads: [2.5] });
  });

  it('pow: d(x³) = 3x², d(x^-0.5) = -0.5 x^-1.5', () => {
    expect(grads((x) => x.pow(3), 2)).toEqual({ data: 8, grads: [12] });
    const r = grads((x) => x.pow(-0.5), 4);
    expect(r.data).toBe(0.5);
    expect(r.grads[0]).toBeCloseTo(-0.5 * 4 ** -1.5, 15);
  });

  it('log: d(ln x) = 1/x', () => {
    const r = grads((x) => x.log(), 4);
    expect(r.data).toBe(Math.log(4));
    expect(r.grads).toEqual([0.25]);
  });

  it('exp: d(eˣ) = eˣ', () => {
    const r = grads((x) => x.exp(), 1.5);
    expect(r.data).toBe(Math.exp(1.5));
    expect(r.grads).toEqual([Math.exp(1.5)]);
  });

  it('relu: slope 1 above 0, 0 below and at 0', () => {
    expect(grads((x) => x.relu(), 3)).toEqual({ data: 3, grads: [1] });
    expect(grads((x) => x.relu(), -3)).toEqual({ data: 0, grads: [0] });
    expect(grads((x) => x.relu(), 0)).toEqual({ data: 0, grads: [0] });
  });

  it('neg and sub: d(-x) = -1; d(x - y) = 1, -1; a number operand works', () => {
    expect(grads((x) => x.neg(), 3)).toEqual({ data: -3, grads: [-1] });
    expect(grads((x, y) => x.sub(y), 5, 2)).toEqual({ data: 3, grads: [1, -1] });
    expect(grads((x) => x.sub(2), 5)).toEqual({ data: 3, grads: [1] });
  });

  it('div: d(x / y) = 1/y, -x/y²', () => {
    const r = grads((x, y) => x.div(y), 3, 4);
    expect(r.data).toBe(0.75);
    expect(r.grads).toEqual([0.25, -3 / 16]);
    expect(grads((x) => x.div(4), 3).grads).toEqual([0.25]);
  });

  it('labels each op and keeps its children', () => {
    const x = new Value(2);
    const y = x.mul(3).add(1);
    expect(y.op).toBe('+');
    expect(y.children[0]!.op).toBe('*');
    expect(y.children[0]!.children[0]).toBe(x);
    expect(x.op).toBe('');
    expect(String(y)).toBe('Value(data=7, grad=0)');
  });
});

describe('Value.backward', () => {
  it('accumulates both contributions of a Value used twice', () => {
    // d(x·x)/dx = 2x: both children of the product are x.
    expect(grads((x) => x.mul(x), 3).grads).toEqual([6]);
    // y = x + 1 feeds two ops: d(y·y + y)/dx = 2y + 1 = 9 at x = 3.
    const twice = (x: Value): Value => {
      const y = x.add(1);
      return y.mul(y).add(y);
    };
    expect(grads(twice, 3).grads).toEqual([9]);
  });

  it('backpropagates through a 100k-node chain without overflowing the stack', () => {
    // A recursive depth-first search would need one JS stack frame per node here.
    const x = new Value(1);
    let y = x;
    for (let i = 0; i < 50_000; i++) y = y.add(1e-5).mul(1); // 100k nodes, dy/dx = 1 through each
    y.mul(y).backward(); // d(y²)/dx = 2y
    expect(y.data).toBeCloseTo(1.5, 9);
    expect(x.grad).toBeCloseTo(2 * y.data, 9);
  });

  it('resets intermediate gradients, so a second backward adds the same gradient again to the leaves', () => {
    const x = new Value(2);
    const y = x.mul(x).mul(x); // dy/dx = 3x² = 12
    y.backward();
    y.backward();
    expect(x.grad).toBe(24);
    expect(y.children[0]!.grad).toBe(2); // x·x's gradient is x = 2, not 4
  });

  it('reproduces the micrograd README example', () => {
    const a = new Value(-4);
    const b = new Value(2);
    let c = a.add(b);
    let d = a.mul(b).add(b.pow(3));
    c = c.add(c.add(1));
    c = c.add(c.add(1).add(a.neg())); // 1 + c + (-a)
    d = d.add(d.mul(2).add(b.add(a).relu()));
    d = d.add(d.mul(3).add(b.sub(a).relu())); // 3 * d + (b - a).relu()
    const e = c.sub(d);
    const f = e.pow(2);
    let g = f.div(2);
    g = g.add(new Value(10).div(f)); // 10.0 / f
    g.backward();
    expect(Math.abs(g.data - 24.7041)).toBeLessThan(1e-4);
    expect(Math.abs(a.grad - 138.8338)).toBeLessThan(1e-4);
    expect(Math.abs(b.grad - 645.5773)).toBeLessThan(1e-4);
  });
});
