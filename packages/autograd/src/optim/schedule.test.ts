import { describe, expect, it } from 'vitest';
import { constantLr, linearDecay, warmupCosine } from './schedule';

describe('constantLr', () => {
  it('returns lr at every step and checks its arguments', () => {
    const lr = constantLr(3e-4);
    expect([lr(0), lr(1), lr(1e9)]).toEqual([3e-4, 3e-4, 3e-4]);
    expect(() => constantLr(-1)).toThrow(/^constantLr: lr must be finite and ≥ 0, found -1$/);
    expect(() => lr(-1)).toThrow(/^constantLr: step must be a finite number ≥ 0, found -1$/);
  });
});

describe('linearDecay', () => {
  it("is microgpt.py's lr · (1 - step / steps) bit for bit", () => {
    const lr = linearDecay({ lr: 0.01, steps: 1000 });
    for (let step = 0; step < 1000; step += 37) expect(lr(step)).toBe(0.01 * (1 - step / 1000));
    expect(lr(0)).toBe(0.01);
  });

  it('reaches end at steps and stays there', () => {
    const lr = linearDecay({ lr: 1, steps: 10, end: 0.5 });
    expect([lr(0), lr(5), lr(10), lr(11), lr(1e6)]).toEqual([1, 0.75, 0.5, 0.5, 0.5]);
    expect(linearDecay({ lr: 1, steps: 4 })(4)).toBe(0);
  });

  it('rejects bad arguments with RangeErrors', () => {
    expect(() => linearDecay({ lr: 1, steps: 0 })).toThrow(/^linearDecay: steps must be an integer ≥ 1, found 0$/);
    expect(() => linearDecay({ lr: 1, steps: 2.5 })).toThrow(/steps must be an integer ≥ 1, found 2.5/);
    expect(() => linearDecay({ lr: Number.NaN, steps: 5 })).toThrow(/^linearDecay: lr must be finite and ≥ 0, found NaN$/);
    expect(() => linearDecay({ lr: 1, steps: 5, end: -1 })).toThrow(/^linearDecay: end must be finite and ≥ 0, found -1$/);
    expect(() => linearDecay({ lr: 1, steps: 5 })(Number.NaN)).toThrow(RangeError);
  });
});

describe('warmupCosine', () => {
  const options = { lr: 6e-4, warmupSteps: 10, steps: 110, minLr: 6e-5 };
  /** nanoGPT's get_lr, transcribed. */
  const getLr = (it: number): number => {
    if (it < options.warmupSteps) return (options.lr * (it + 1)) / (options.warmupSteps + 1);
    if (it > options.steps) return options.minLr;
    const decayRatio = (it - options.warmupSteps) / (options.steps - options.warmupSteps);
    const coeff = 0.5 * (1.0 + Math.cos(Math.PI * decayRatio));
    return options.minLr + coeff * (options.lr - options.minLr);
  };

  it("matches nanoGPT's get_lr at every step", () => {
    const lr = warmupCosine(options);
    for (let step = 0; step < 130; step++) expect(lr(step)).toBe(getLr(step));
  });

  it('has the right values at the boundaries', () => {
    const lr = warmupCosine(options);
    expect(lr(0)).toBe((6e-4 * 1) / 11); // warmup starts above 0
    expect(lr(9)).toBe((6e-4 * 10) / 11); // last warmup step
    expect(lr(10)).toBeCloseTo(6e-4, 18); // peak: minLr + 1 · (lr - minLr)
    expect(lr(60)).toBeCloseTo((6e-4 + 6e-5) / 2, 18); // halfway down the cosine
    expect(lr(110)).toBe(6e-5); // cos(π) = -1 exactly: the decay ends at minLr
    expect([lr(111), lr(1e6)]).toEqual([6e-5, 6e-5]);
    for (let step = 11; step <= 110; step++) expect(lr(step)).toBeLessThanOrEqual(lr(step - 1));
  });

  it('starts the cosine at step 0 without warmup', () => {
    const lr = warmupCosine({ lr: 1, warmupSteps: 0, steps: 4, minLr: 0 });
    expect([lr(0), lr(2), lr(4), lr(5)]).toEqual([1, 0.5 * (1 + Math.cos(Math.PI / 2)), 0, 0]);
  });

  it('rejects bad arguments with RangeErrors', () => {
    expect(() => warmupCosine({ ...options, steps: 10 })).toThrow(/^warmupCosine: steps must be an integer ≥ 11, found 10$/);
    expect(() => warmupCosine({ ...options, warmupSteps: -1 })).toThrow(/^warmupCosine: warmupSteps must be an integer ≥ 0, found -1$/);
    expect(() => warmupCosine({ ...options, minLr: 1e-3 })).toThrow(/^warmupCosine: minLr \(0.001\) must not exceed lr \(0.0006\)$/);
    expect(() => warmupCosine({ ...options, lr: Number.POSITIVE_INFINITY })).toThrow(/^warmupCosine: lr must be finite and ≥ 0, found Infinity$/);
    expect(() => warmupCosine({ ...options, minLr: -1 })).toThrow(/^warmupCosine: minLr must be finite and ≥ 0, found -1$/);
    expect(() => warmupCosine(options)(-2)).toThrow(/^warmupCosine: step must be a finite number ≥ 0, found -2$/);
  });
});
