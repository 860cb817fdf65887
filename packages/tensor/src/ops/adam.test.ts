import { describe, expect, it } from 'vitest';
import { powCorrectlyRounded } from '../backends/js/adam';
import { tensor, zeros } from '../create';
import type { Tensor } from '../tensor';
import { FLOAT32_TOLERANCE, assertClose } from '../testing/compare';
import { type AdamOptions, adamUpdate } from './adam';

const f64 = { dtype: 'float64' } as const;

/** microgpt.py's Adam (plus PyTorch's decoupled weight decay) as a plain float64 loop, with JS's own `**`. */
function plainAdam(p: number[], g: number[], m: number[], v: number[], o: Required<AdamOptions>): void {
  for (let i = 0; i < p.length; i++) {
    p[i] = p[i]! * (1 - o.lr * o.weightDecay);
    m[i] = o.beta1 * m[i]! + (1 - o.beta1) * g[i]!;
    v[i] = o.beta2 * v[i]! + (1 - o.beta2) * g[i]! ** 2;
    const mHat = m[i]! / (1 - o.beta1 ** o.step);
    const vHat = v[i]! / (1 - o.beta2 ** o.step);
    p[i] = p[i]! - (o.lr * mHat) / (vHat ** 0.5 + o.eps);
  }
}

function state(values: number[], dtype: 'float32' | 'float64' = 'float64'): [Tensor, Tensor, Tensor] {
  return [tensor(values, { dtype }), zeros([values.length], { dtype }), zeros([values.length], { dtype })];
}

describe('adamUpdate', () => {
  it('takes one hand-computed step (exact binary fractions)', () => {
    // beta1 = 1/2, beta2 = 3/4: m = g / 2, v = g² / 4, m̂ = g, v̂ = g², step = lr · g / |g|.
    const [param, m, v] = state([1, -2]);
    adamUpdate(param, tensor([0.5, -0.25], f64), m, v, { lr: 0.125, beta1: 0.5, beta2: 0.75, eps: 0, step: 1 });
    expect(Array.from(param.toArray())).toEqual([0.875, -1.875]);
    expect(Array.from(m.toArray())).toEqual([0.25, -0.125]);
    expect(Array.from(v.toArray())).toEqual([0.0625, 0.015625]);
  });

  it('moves each parameter by about lr · sign(g) at step 1 with the default betas (bias correction)', () => {
    const [param, m, v] = state([1, -2, 0.5]);
    const grad = tensor([0.5, -3, 1e-3], f64);
    adamUpdate(param, grad, m, v, { lr: 0.1, step: 1 });
    // m̂ = g and v̂ = g² up to rounding, so the step is lr · g / (|g| + eps).
    const expected = [1 - 0.1 * (0.5 / (0.5 + 1e-8)), -2 + 0.1 * (3 / (3 + 1e-8)), 0.5 - 0.1 * (1e-3 / (1e-3 + 1e-8))];
    assertClose(param, expected, { atol: 0, rtol: 1e-15 });
  });

  it('reproduces a CPython run of microgpt.py bit for bit over 12 steps with lr decay', () => {
    // Recorded with CPython 3.11 (glibc 2.36): microgpt.py's update with beta1 0.85, beta2 0.99, eps 1e-8, lr
    // 0.01 · (1 - step / 12), grads g = ((i + 1) · (step · 7 % 11) - 5) / 8 + param · 0.5. V8's `**` misrounds
    // 0.99 ** 6, 0.85 ** 7 and 0.99 ** 12, which changes 4 of these 5 parameters.
    const [param, m, v] = state([0.001, -0.0025, 0.005, 0.015, -0.03]);
    const grad = zeros([5], f64);
    for (let step = 0; step < 12; step++) {
      const p = param.toArray();
      grad.backend.write(grad.storage, 0, Float64Array.from(p, (x, i) => ((i + 1) * ((step * 7) % 11) - 5) / 8 + x * 0.5));
      adamUpdate(param, grad, m, v, { lr: 0.01 * (1 - step / 12), beta1: 0.85, beta2: 0.99, eps: 1e-8, step: step + 1 });
    }
    expect(Array.from(param.toArray())).toEqual([0.013672069268827736, -0.022995312406941082, -0.022777782777536372, -0.015566008816831147, -0.06176371733693871]);
    expect(Array.from(m.toArray())).toEqual([-0.08255811909887126, 0.3530419841741399, 0.8014826144945891, 1.2524719837104685, 1.6803984247635033]);
    expect(Array.from(v.toArray())).toEqual([0.01996795286415061, 0.10856451864724126, 0.31071259862048495, 0.6275891624671512, 1.0452547023577745]);
  });

  it('matches a plain float64 loop over several steps, with and without weight decay, and float32 is close', () => {
    for (const weightDecay of [0, 0.1]) {
      const start = [0.3, -1.2, 2.5, 0, -0.7, 1e-3, 4];
      const p = [...start];
      const m = p.map(() => 0);
      const v = p.map(() => 0);
      const [param, mt, vt] = state(start);
      const [param32, m32, v32] = state(start, 'float32');
      for (let step = 1; step <= 6; step++) {
        const g = start.map((x, i) => Math.cos(i + step) * (1 + x) + 0.1 * step);
        const options = { lr: 0.05, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay, step };
        plainAdam(p, g, m, v, options);
        adamUpdate(param, tensor(g, f64), mt, vt, options);
        adamUpdate(param32, tensor(g), m32, v32, options);
      }
      assertClose(param, p, { atol: 1e-15, rtol: 1e-14 }, 'param');
      assertClose(mt, m, { atol: 1e-15, rtol: 1e-14 }, 'm');
      assertClose(vt, v, { atol: 1e-15, rtol: 1e-14 }, 'v');
      assertClose(param32, p, FLOAT32_TOLERANCE, 'param float32');
    }
  });

  it('decays weights decoupled from the gradient (AdamW): p *= 1 - lr · weightDecay first', () => {
    const [param, m, v] = state([2, -4]);
    adamUpdate(param, zeros([2], f64), m, v, { lr: 0.1, weightDecay: 0.5, step: 3 });
    expect(Array.from(param.toArray())).toEqual([2 * 0.95, -4 * 0.95]);
  });

  it('rejects bad steps, hyperparameters, shapes and dtypes with messages naming the op', () => {
    const [param, m, v] = state([1, 2, 3, 4]);
    const grad = zeros([4], f64);
    const call = (p: Tensor, g: Tensor, mt: Tensor, vt: Tensor, options: AdamOptions) => (): void => {
      adamUpdate(p, g, mt, vt, options);
    };
    expect(call(param, grad, m, v, { lr: 0.1, step: 0 })).toThrow(/^adamUpdate: step must be an integer ≥ 1 \(1-based\), found 0$/);
    expect(call(param, grad, m, v, { lr: 0.1, step: 1.5 })).toThrow(/found 1.5$/);
    expect(call(param, zeros([2, 2], f64), m, v, { lr: 0.1, step: 1 })).toThrow(/^adamUpdate: grad is \[2, 2\], expected \[4\]$/);
    expect(call(param, grad, zeros([3], f64), v, { lr: 0.1, step: 1 })).toThrow(/^adamUpdate: m is \[3\], expected \[4\]$/);
    expect(call(param, grad, m, zeros([4]), { lr: 0.1, step: 1 })).toThrow(/^adamUpdate: v must be float64, found float32$/);
    expect(call(param, grad, m, v, { lr: 0.1, beta1: 1, step: 1 })).toThrow(/^adamUpdate: beta1 must be in \[0, 1\), found 1$/);
    expect(call(param, grad, m, v, { lr: NaN, step: 1 })).toThrow(/^adamUpdate: lr must be finite, found NaN$/);
    const strided = zeros([2, 2], f64).transpose();
    expect(call(strided, zeros([2, 2], f64), zeros([2, 2], f64), zeros([2, 2], f64), { lr: 0.1, step: 1 })).toThrow(
      /^adamUpdate: param must be contiguous/,
    );
    expect(Array.from(param.toArray())).toEqual([1, 2, 3, 4]);
  });
});

describe('powCorrectlyRounded', () => {
  it("matches CPython's beta ** step where V8's ** is off by one ulp", () => {
    // CPython 3.11 values; V8 returns a neighbouring double for each of these.
    const python: [number, number, number][] = [
      [0.85, 7, 0.3205770882812499],
      [0.99, 6, 0.941480149401],
      [0.99, 12, 0.8863848717161292],
      [0.9, 4, 0.6561],
      [0.999, 16, 0.9841194418156399],
    ];
    for (const [base, n, expected] of python) expect(powCorrectlyRounded(base, n)).toBe(expected);
    expect(powCorrectlyRounded(0.9, 0)).toBe(1);
    expect(powCorrectlyRounded(0.9, 1)).toBe(0.9);
    expect(powCorrectlyRounded(0, 5)).toBe(0);
  });

  it('is the nearest double to the exact power for the betas of training runs, steps 1 to 3000', () => {
    // Each result is checked against base^n in exact integer arithmetic: base = M · 2^E, so base^n = M^n · 2^(E·n).
    for (const base of [0.85, 0.9, 0.95, 0.99, 0.999, 0.9999]) {
      const [M, E] = exactParts(base);
      let exact = 1n;
      for (let n = 1; n <= 3000; n++) {
        exact *= M;
        const result = powCorrectlyRounded(base, n);
        if (!isNearest(result, exact, E * n)) expect.fail(`${base} ** ${n}: ${result} is not the nearest double`);
      }
    }
  });
});

/** A finite double x > 0 as [M, E] with x = M · 2^E exactly (M an integer). */
function exactParts(x: number): [bigint, number] {
  let e = 0;
  while (!Number.isInteger(x)) {
    x *= 2;
    e--;
  }
  return [BigInt(x), e];
}

/**
 * Whether the normal double `r` is the nearest double to X · 2^e (ties to even): |r - X · 2^e| is at most half the
 * spacing of doubles on X's side of r (half as wide below a power of two).
 */
function isNearest(r: number, X: bigint, e: number): boolean {
  const [Q, F] = exactParts(r);
  // r's spacing above is 2^ulpExponent (53 significant bits); one more bit below keeps every quantity an integer.
  const ulpExponent = F + Q.toString(2).length - 53;
  const low = Math.min(ulpExponent - 1, e);
  const R = Q << BigInt(F - low);
  const exact = X << BigInt(e - low);
  const ulp = 1n << BigInt(ulpExponent - low);
  const spacing = exact < R && Q === 1n ? ulp / 2n : ulp;
  const distance = 2n * (exact > R ? exact - R : R - exact);
  if (distance < spacing) return true;
  return distance === spacing && ((R / ulp) & 1n) === 0n;
}
