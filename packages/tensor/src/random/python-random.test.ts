// PythonRandom against CPython 3.11's random.Random: every value of a recorded fixture, and its state round trip.
// Argument checks and sequence kinds are in python-random-arguments.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PythonRandom, type PythonRandomState } from './python-random.js';

// Values recorded from CPython 3.11 by scripts/make-python-random-fixture.py.
type Op =
  | { op: 'random'; n: number; out: number[] }
  | { op: 'getrandbits'; k: number; out: string }
  | { op: 'gauss'; mu: number; sigma: number; n: number; out: number[] }
  | { op: 'uniform'; a: number; b: number; n: number; out: number[] }
  | { op: 'randbelow'; arg: number; n: number; out: number[] }
  | { op: 'randrange'; args: [number, number?, number?]; n: number; out: number[] }
  | { op: 'randint'; a: number; b: number; n: number; out: number[] }
  | { op: 'shuffle'; len: number; out: number[] }
  | {
      op: 'shuffleSummary';
      len: number;
      out: { head: number[]; tail: number[]; weightedSum: number };
    }
  | {
      op: 'choices';
      population: number | string;
      weights: number[] | null;
      k: number;
      out: (number | string)[];
    }
  | { op: 'discard'; n: number };

interface Case {
  name: string;
  seed: string;
  ops: Op[];
}

interface Fixture {
  generator: string;
  cases: Case[];
  stateRoundTrip: {
    seed: string;
    fresh: { index: number; gaussNext: null; wordsHead: number[] };
    before: Op[];
    state: PythonRandomState;
    after: Op[];
  };
}

const fixture = JSON.parse(
  readFileSync(new URL('./python-random.fixture.json', import.meta.url), 'utf8'),
) as Fixture;

function caseNamed(name: string): Case {
  const found = fixture.cases.find((c) => c.name === name);
  if (!found) throw new Error(`fixture has no case ${name}`);
  return found;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Number of values that {@link replay} compares for `ops`. */
function countValues(ops: Op[]): number {
  let count = 0;
  for (const op of ops) {
    if (op.op === 'discard') continue;
    if (op.op === 'getrandbits') count += 1;
    else if (op.op === 'shuffleSummary') count += op.out.head.length + op.out.tail.length + 1;
    else count += op.out.length;
  }
  return count;
}

interface GaussMismatch {
  where: string;
  expected: number;
  actual: number;
}

/**
 * Runs the fixture's calls on `rng` and checks each result exactly, except
 * that gauss results are returned as a list of mismatches rather than
 * asserted: they depend on the platform's `log`/`cos`/`sin` (see the gauss
 * tests below), while what gauss draws from the stream does not, so the
 * other values stay checkable after a gauss mismatch.
 * `bigBits` routes every getrandbits through getrandbitsBig.
 */
function replay(rng: PythonRandom, ops: Op[], bigBits = false): GaussMismatch[] {
  const gaussMismatches: GaussMismatch[] = [];
  ops.forEach((op, i) => {
    const where = `op ${i} (${op.op})`;
    const repeat = <T>(n: number, f: () => T): T[] => Array.from({ length: n }, f);
    switch (op.op) {
      case 'random':
        expect(repeat(op.n, () => rng.random()), where).toEqual(op.out);
        break;
      case 'getrandbits':
        if (bigBits || op.k > 53) expect(rng.getrandbitsBig(op.k), where).toBe(BigInt(op.out));
        else expect(rng.getrandbits(op.k), where).toBe(Number(op.out));
        break;
      case 'gauss':
        op.out.forEach((expected, j) => {
          const actual = rng.gauss(op.mu, op.sigma);
          if (!Object.is(actual, expected)) {
            gaussMismatches.push({ where: `${where} value ${j}`, expected, actual });
          }
        });
        break;
      case 'uniform':
        expect(repeat(op.n, () => rng.uniform(op.a, op.b)), where).toEqual(op.out);
        break;
      case 'randbelow':
        expect(repeat(op.n, () => rng.randbelow(op.arg)), where).toEqual(op.out);
        break;
      case 'randrange':
        expect(repeat(op.n, () => rng.randrange(...op.args)), where).toEqual(op.out);
        break;
      case 'randint':
        expect(repeat(op.n, () => rng.randint(op.a, op.b)), where).toEqual(op.out);
        break;
      case 'shuffle': {
        const x = range(op.len);
        rng.shuffle(x);
        expect(x, where).toEqual(op.out);
        break;
      }
      case 'shuffleSummary': {
        const x = range(op.len);
        rng.shuffle(x);
        expect(x.slice(0, 10), where).toEqual(op.out.head);
        expect(x.slice(-10), where).toEqual(op.out.tail);
        expect(
          x.reduce((sum, v, j) => sum + (j + 1) * v, 0),
          where,
        ).toBe(op.out.weightedSum);
        break;
      }
      case 'choices': {
        const population =
          typeof op.population === 'number' ? range(op.population) : op.population;
        expect(rng.choices<number | string>(population, op.weights, op.k), where).toEqual(
          op.out,
        );
        break;
      }
      case 'discard':
        for (let j = 0; j < op.n; j++) rng.getrandbits(32);
        break;
    }
  });
  return gaussMismatches;
}

/** How many representable float64 values lie between a and b (same sign assumed; 0 when equal). */
function ulpDistance(a: number, b: number): number {
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, a);
  view.setFloat64(8, b);
  return Number(view.getBigInt64(0) - view.getBigInt64(8)) * (view.getBigInt64(0) < view.getBigInt64(8) ? -1 : 1);
}

/** The seed as a number, when a number can hold it exactly. */
function exactNumber(seed: string): number | undefined {
  const n = Number(seed);
  return BigInt(n) === BigInt(seed) ? n : undefined;
}

describe('PythonRandom reproduces CPython 3.11 random.Random', () => {
  it('checks the whole fixture', () => {
    const total =
      fixture.cases.reduce((sum, c) => sum + countValues(c.ops), 0) +
      countValues(fixture.stateRoundTrip.before) +
      countValues(fixture.stateRoundTrip.after);
    expect(total).toBeGreaterThan(1500);
  });

  for (const c of fixture.cases) {
    // toEqual compares numbers with Object.is, so these are bit-exact checks.
    it(`${c.name}: every non-gauss value, bigint seed`, () => {
      replay(new PythonRandom(BigInt(c.seed)), c.ops);
    });
    const n = exactNumber(c.seed);
    if (n !== undefined) {
      it(`${c.name}: every non-gauss value, number seed`, () => {
        replay(new PythonRandom(n), c.ops);
      });
    }
    it(`${c.name}: every non-gauss value, getrandbitsBig, after seed()`, () => {
      const rng = new PythonRandom(7);
      rng.gauss(); // leaves a cached deviate that seed() must discard
      rng.seed(BigInt(c.seed));
      replay(rng, c.ops, true);
    });
    if (c.ops.some((op) => op.op === 'gauss')) {
      // gauss goes through Math.log and Math.cos, which V8 computes with its own libm (fdlibm port) while
      // CPython calls glibc's; the two disagree in the last bits on ~7% of log and ~3% of cos inputs
      // (measured over 2M inputs here; glibc's FMA and non-FMA builds disagree with each other too). So gauss
      // is exact for most values and within 4 ulps for the rest; everything it draws from the stream is exact.
      it(`${c.name}: every gauss value exact or within 4 ulps`, () => {
        const mismatches = replay(new PythonRandom(BigInt(c.seed)), c.ops);
        const gaussCount = c.ops.reduce((n, op) => n + (op.op === 'gauss' ? op.n : 0), 0);
        for (const m of mismatches) expect(ulpDistance(m.actual, m.expected), m.where).toBeLessThanOrEqual(4);
        expect(mismatches.length).toBeLessThanOrEqual(Math.ceil(gaussCount * 0.1));
      });
    }
  }

  it('matches microgpt.py: random.seed(42), then random.gauss(0, 0.08)', () => {
    const rng = new PythonRandom(42);
    expect([rng.gauss(0, 0.08), rng.gauss(0, 0.08)]).toEqual([
      -0.011527226366234268, -0.013832288026521545,
    ]);
    const weights = caseNamed('microgpt: seed 42 then gauss(0, 0.08)');
    expect(replay(new PythonRandom(42), weights.ops)).toEqual([]);
    const inOrder = caseNamed('microgpt: seed 42, shuffle 32033 docs, gauss(0, 0.08), sample');
    expect(replay(new PythonRandom(42), inOrder.ops)).toEqual([]);
  });

  it('seeds with |n|, like CPython', () => {
    const a = new PythonRandom(-12345);
    const b = new PythonRandom(12345n);
    expect(range(5).map(() => a.random())).toEqual(range(5).map(() => b.random()));
  });
});

describe('PythonRandom state', () => {
  const { seed, fresh, before, state, after } = fixture.stateRoundTrip;

  it('a freshly seeded state matches CPython getstate()', () => {
    const got = new PythonRandom(BigInt(seed)).getstate();
    expect(got.version).toBe(3);
    expect(got.index).toBe(fresh.index);
    expect(got.gaussNext).toBe(fresh.gaussNext);
    expect(got.words.slice(0, fresh.wordsHead.length)).toEqual(fresh.wordsHead);
  });

  it('a mid-stream state, with a cached gauss value, matches CPython getstate()', () => {
    const rng = new PythonRandom(BigInt(seed));
    expect(replay(rng, before)).toEqual([]);
    expect(rng.getstate()).toEqual(state);
    expect(replay(rng, after)).toEqual([]);
  });

  it('setstate with CPython state continues like CPython', () => {
    const rng = new PythonRandom(0);
    rng.setstate(state);
    expect(replay(rng, after)).toEqual([]);
    rng.setstate(state);
    expect(replay(rng, after)).toEqual([]);
  });

  it('round-trips through JSON exactly', () => {
    const rng = new PythonRandom(2024);
    rng.random();
    rng.gauss();
    const saved = JSON.parse(JSON.stringify(rng.getstate())) as PythonRandomState;
    const draw = (r: PythonRandom): number[] =>
      range(700).flatMap(() => [r.random(), r.gauss(0.5, 2), r.getrandbits(13), r.randbelow(1000)]);
    const expected = draw(rng);
    const restored = new PythonRandom(1);
    restored.setstate(saved);
    expect(draw(restored)).toEqual(expected);
  });

  it('getstate returns a copy', () => {
    const rng = new PythonRandom(3);
    const s = rng.getstate();
    (s.words as number[]).fill(0);
    expect(rng.random()).toBe(new PythonRandom(3).random());
  });

  it('rejects invalid states and leaves the generator unchanged', () => {
    const rng = new PythonRandom(5);
    const good = rng.getstate();
    const bad = (patch: object): PythonRandomState => ({ ...good, ...patch });
    expect(() => {
      rng.setstate(bad({ version: 2 }));
    }).toThrow(
      new RangeError('setstate: unsupported state version 2, expected 3'),
    );
    expect(() => {
      rng.setstate(bad({ words: good.words.slice(1) }));
    }).toThrow(
      new RangeError('setstate: expected 624 state words, got 623'),
    );
    const words = [...good.words];
    words[10] = 2 ** 32;
    expect(() => {
      rng.setstate(bad({ words }));
    }).toThrow(
      new RangeError('setstate: state word 10 is not a uint32: 4294967296'),
    );
    expect(() => {
      rng.setstate(bad({ index: 625 }));
    }).toThrow(
      new RangeError('setstate: index must be an integer in [0, 624], got 625'),
    );
    expect(() => {
      rng.setstate(bad({ gaussNext: '0.5' }));
    }).toThrow(
      new TypeError('setstate: gaussNext must be a number or null, got "0.5"'),
    );
    expect(() => {
      rng.setstate(bad({ words: 'x' }));
    }).toThrow(TypeError);
    expect(() => {
      rng.setstate(null as unknown as PythonRandomState);
    }).toThrow(TypeError);
    expect(rng.random()).toBe(new PythonRandom(5).random());
  });
});
