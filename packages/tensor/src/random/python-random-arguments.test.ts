// PythonRandom's argument checks (the messages CPython gives, and a failed call draws nothing) and the kinds of
// sequence it shuffles and chooses from. The CPython fixture is checked in python-random.test.ts.
import { describe, expect, it } from 'vitest';
import { PythonRandom } from './python-random.js';

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

describe('PythonRandom argument errors', () => {
  const rng = new PythonRandom(1);

  it('choices', () => {
    expect(() => rng.choices([1, 2, 3, 4], [1, 2, 3])).toThrow(
      new RangeError('choices: 3 weights for 4 population items'),
    );
    expect(() => rng.choices([1, 2], [0, 0])).toThrow(
      new RangeError('choices: total of weights must be greater than zero, got 0'),
    );
    expect(() => rng.choices([1, 2], [1, -3])).toThrow(
      new RangeError('choices: total of weights must be greater than zero, got -2'),
    );
    expect(() => rng.choices([1, 2], [1, Infinity])).toThrow(
      new RangeError('choices: total of weights must be finite, got Infinity'),
    );
    // CPython checks `total <= 0` first, which is false for NaN.
    expect(() => rng.choices([1, 2], [Infinity, -Infinity])).toThrow(
      new RangeError('choices: total of weights must be finite, got NaN'),
    );
    expect(() => rng.choices([], null, 2)).toThrow(
      new RangeError('choices: population is empty'),
    );
    expect(() => rng.choices([], [])).toThrow(new RangeError('choices: population is empty'));
    expect(rng.choices([], null, 0)).toEqual([]);
    expect(() => rng.choices([1], null, -1)).toThrow(
      new RangeError('choices: k must be non-negative, got -1'),
    );
    expect(() => rng.choices([1], null, 1.5)).toThrow(
      new TypeError('choices: k must be an integer, got 1.5'),
    );
  });

  it('getrandbits and getrandbitsBig', () => {
    expect(() => rng.getrandbits(54)).toThrow(
      new RangeError('getrandbits: k must be in [0, 53], got 54 (use getrandbitsBig for more bits)'),
    );
    expect(() => rng.getrandbits(-1)).toThrow(RangeError);
    expect(() => rng.getrandbits(1.5)).toThrow(
      new TypeError('getrandbits: k must be an integer, got 1.5'),
    );
    expect(() => rng.getrandbitsBig(-1)).toThrow(
      new RangeError('getrandbitsBig: k must be non-negative, got -1'),
    );
  });

  it('randbelow, randrange and randint', () => {
    expect(() => rng.randbelow(0)).toThrow(new RangeError('randbelow: n must be positive, got 0'));
    expect(() => rng.randbelow(2 ** 53)).toThrow(
      new RangeError('randbelow: n must be a safe integer, got 9007199254740992'),
    );
    expect(() => rng.randbelow(NaN)).toThrow(
      new TypeError('randbelow: n must be an integer, got NaN'),
    );
    expect(() => rng.randrange(0)).toThrow(new RangeError('randrange: empty range, stop=0'));
    expect(() => rng.randrange(5, 5)).toThrow(
      new RangeError('randrange: empty range, start=5 stop=5 step=1'),
    );
    expect(() => rng.randrange(0, 10, -1)).toThrow(
      new RangeError('randrange: empty range, start=0 stop=10 step=-1'),
    );
    expect(() => rng.randrange(0, 10, 0)).toThrow(new RangeError('randrange: step must not be 0'));
    expect(() => rng.randrange(10, undefined, 2)).toThrow(
      new TypeError('randrange: step 2 given without stop'),
    );
    expect(() => rng.randrange(0.5)).toThrow(
      new TypeError('randrange: start must be an integer, got 0.5'),
    );
    expect(() => rng.randint(3, 2)).toThrow(new RangeError('randint: empty range, a=3 > b=2'));
  });

  it('seed', () => {
    expect(() => {
      rng.seed(0.5);
    }).toThrow(new TypeError('seed: expected an integer, got 0.5'));
    expect(() => new PythonRandom(Infinity)).toThrow(
      new TypeError('seed: expected an integer, got Infinity'),
    );
    expect(() => new PythonRandom('1' as unknown as number)).toThrow(
      new TypeError('seed: expected a number or bigint, got string'),
    );
  });

  it('failed calls consume nothing', () => {
    const r = new PythonRandom(9);
    expect(() => r.randrange(3, 3)).toThrow(RangeError);
    expect(() => r.choices([1, 2], [0, 0])).toThrow(RangeError);
    expect(r.random()).toBe(new PythonRandom(9).random());
  });
});

describe('PythonRandom sequences', () => {
  it('shuffles typed arrays like arrays', () => {
    const array = range(100);
    const typed = Float64Array.from(array);
    new PythonRandom(11).shuffle(array);
    new PythonRandom(11).shuffle(typed);
    expect(Array.from(typed)).toEqual(array);
  });

  it('chooses characters from a string', () => {
    const picks = new PythonRandom(0).choices('abc', null, 50);
    expect(picks.every((ch) => 'abc'.includes(ch))).toBe(true);
  });
});
