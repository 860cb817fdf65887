// CPython 3.11's random.Random in TypeScript: the same MT19937 stream, seeding and methods, so a model can draw
// exactly the numbers microgpt.py draws. gauss can differ in the last bits (V8's Math.log/cos are not glibc's).
import { TWO_POW_32, bisectRight, bitLength, ceilDiv, requireInteger, requireSafeInteger, seedKey, show } from './helpers';
import { MT19937, MT_N } from './mt19937';

/**
 * A snapshot of a {@link PythonRandom}, as plain JSON-serialisable data.
 *
 * It carries the same information as CPython's `Random.getstate()`, which is
 * `(3, (*words, index), gauss_next)`: `words` and `index` are the 625 ints of
 * the inner tuple, `gaussNext` is `gauss_next` (`null` for `None`).
 */
export interface PythonRandomState {
  /** Format version; CPython's `Random.VERSION`, always 3. */
  readonly version: 3;
  /** The 624 Mersenne Twister state words, each in `[0, 2^32)`. */
  readonly words: readonly number[];
  /** Index of the next state word to use, in `[0, 624]`. */
  readonly index: number;
  /** The second normal deviate cached by {@link PythonRandom.gauss}, if any. */
  readonly gaussNext: number | null;
}

/** An indexable, writable sequence such as an array or a typed array. */
export interface MutableArrayLike<T> {
  /** Number of elements; indices 0 … length - 1 are read and written. */
  readonly length: number;
  /** Element `index`, read and assigned in place. */
  [index: number]: T;
}

/** CPython's `math.tau`, which is exactly `2 * Math.PI`. */
const TWOPI = 2 * Math.PI;

/**
 * A pseudo-random generator that reproduces CPython 3.11's `random.Random`
 * bit for bit: for the same integer seed and the same sequence of calls it
 * returns the same values, so results of Python reference code (for example
 * Karpathy's `microgpt.py`) can be replicated exactly.
 *
 * Integer results are JS numbers, so integer arguments must be safe integers
 * (`|n| < 2^53`); {@link PythonRandom.getrandbitsBig} covers wider bit
 * counts as a `bigint`.
 */
export class PythonRandom {
  private readonly mt = new MT19937();
  // A flag plus a plain number, rather than `number | null`, so that V8 keeps
  // the field as an unboxed double and gauss() does not allocate.
  private hasGaussNext = false;
  private gaussNext = 0;

  /**
   * Creates a generator seeded as `random.seed(seed)` would be.
   * @param seed - An integer; see {@link PythonRandom.seed}.
   * @throws {TypeError} If `seed` is not an integer number or a bigint.
   */
  constructor(seed: number | bigint) {
    this.seed(seed);
  }

  /**
   * Re-seeds the generator exactly as CPython's `random.seed(int)`: the
   * absolute value of the integer is split into 32-bit words, least
   * significant first, and fed to MT19937's `init_by_array`; the cached
   * gauss value is cleared.
   *
   * A `number` seed stands for the exact integer it holds, so
   * `seed(1e20)` matches Python's `seed(10**20)` (not `seed(1e20)`, which
   * Python would hash as a float).
   * @param seed - An integer number or a bigint, of any sign and size.
   * @throws {TypeError} If `seed` is not an integer number or a bigint.
   */
  seed(seed: number | bigint): void {
    this.mt.initByArray(seedKey(seed));
    this.hasGaussNext = false;
    this.gaussNext = 0;
  }

  /**
   * Returns the next float in `[0, 1)` with 53 random bits, as CPython's
   * `random()` (two 32-bit draws, keeping 27 and 26 bits).
   */
  random(): number {
    const a = this.mt.genrandUint32() >>> 5;
    const b = this.mt.genrandUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * Returns a non-negative integer with `k` random bits, as CPython's
   * `getrandbits(k)`, limited to `k <= 53` so the result is an exact number.
   * Use {@link PythonRandom.getrandbitsBig} for larger `k`; both consume the
   * generator identically.
   * @param k - Number of bits, an integer in `[0, 53]`.
   * @returns An integer in `[0, 2^k)`.
   * @throws {TypeError} If `k` is not an integer.
   * @throws {RangeError} If `k` is negative or above 53.
   */
  getrandbits(k: number): number {
    requireInteger('getrandbits', 'k', k);
    if (k < 0 || k > 53) {
      throw new RangeError(
        `getrandbits: k must be in [0, 53], got ${k} (use getrandbitsBig for more bits)`,
      );
    }
    return this.bits(k);
  }

  /**
   * Returns a non-negative integer with `k` random bits as a `bigint`, as
   * CPython's `getrandbits(k)` for any `k`: 32-bit draws fill the result from
   * the least significant word up, and the last draw keeps only its top bits.
   * @param k - Number of bits, a non-negative integer.
   * @returns A bigint in `[0, 2^k)`.
   * @throws {TypeError} If `k` is not an integer.
   * @throws {RangeError} If `k` is negative.
   */
  getrandbitsBig(k: number): bigint {
    requireInteger('getrandbitsBig', 'k', k);
    if (k < 0) {
      throw new RangeError(`getrandbitsBig: k must be non-negative, got ${k}`);
    }
    if (k <= 32) return BigInt(this.bits(k));
    let result = 0n;
    let shift = 0n;
    for (let left = k; left > 0; left -= 32) {
      let r = this.mt.genrandUint32();
      if (left < 32) r >>>= 32 - left;
      result |= BigInt(r) << shift;
      shift += 32n;
    }
    return result;
  }

  /**
   * Returns a uniform integer in `[0, n)` by rejection sampling, as CPython's
   * `_randbelow_with_getrandbits`: draw `n.bit_length()` bits until the
   * value is below `n`.
   * @param n - Exclusive upper bound, a positive safe integer.
   * @throws {TypeError} If `n` is not an integer.
   * @throws {RangeError} If `n` is not positive or not a safe integer.
   */
  randbelow(n: number): number {
    requireSafeInteger('randbelow', 'n', n);
    if (n <= 0) throw new RangeError(`randbelow: n must be positive, got ${n}`);
    return this.below(n);
  }

  /**
   * Returns a random element of `range(stop)` or `range(start, stop, step)`,
   * as CPython's `randrange`.
   *
   * Called with one argument, that argument is `stop` and the range starts
   * at 0.
   * @param start - Start of the range (or its stop, when `stop` is omitted).
   * @param stop - Exclusive end of the range.
   * @param step - Step of the range; default 1; only allowed with `stop`.
   * @throws {TypeError} If an argument is not an integer, or `step` is given
   * without `stop`.
   * @throws {RangeError} If the range is empty, `step` is 0, or an argument
   * or the range width is not a safe integer.
   */
  randrange(start: number, stop?: number, step?: number): number {
    requireSafeInteger('randrange', 'start', start);
    if (stop === undefined) {
      if (step !== undefined) {
        throw new TypeError(`randrange: step ${step} given without stop`);
      }
      if (start > 0) return this.below(start);
      throw new RangeError(`randrange: empty range, stop=${start}`);
    }
    requireSafeInteger('randrange', 'stop', stop);
    const istep = step ?? 1;
    requireSafeInteger('randrange', 'step', istep);
    const width = stop - start;
    requireSafeInteger('randrange', 'stop - start', width);
    if (istep === 0) throw new RangeError('randrange: step must not be 0');
    // CPython's `(width + step -/+ 1) // step` is ceil(width / step) for either sign.
    const n = istep === 1 ? width : ceilDiv(width, istep);
    if (n <= 0) {
      throw new RangeError(
        `randrange: empty range, start=${start} stop=${stop} step=${istep}`,
      );
    }
    return start + istep * this.below(n);
  }

  /**
   * Returns a random integer in `[a, b]`, both ends included, as CPython's
   * `randint(a, b)` (that is, `randrange(a, b + 1)`).
   * @param a - Lowest possible value.
   * @param b - Highest possible value.
   * @throws {TypeError} If `a` or `b` is not an integer.
   * @throws {RangeError} If `a > b`, or `a`, `b` or `b - a + 1` is not a safe
   * integer.
   */
  randint(a: number, b: number): number {
    requireSafeInteger('randint', 'a', a);
    requireSafeInteger('randint', 'b', b);
    const width = b - a + 1;
    requireSafeInteger('randint', 'b - a + 1', width);
    if (width <= 0) throw new RangeError(`randint: empty range, a=${a} > b=${b}`);
    return a + this.below(width);
  }

  /**
   * Returns `a + (b - a) * random()`, as CPython's `uniform(a, b)`: a float
   * between `a` and `b` (either may be the larger).
   */
  uniform(a: number, b: number): number {
    return a + (b - a) * this.random();
  }

  /**
   * Returns a normal deviate with mean `mu` and standard deviation `sigma`,
   * as CPython's `gauss` (Box–Muller). Deviates are made in pairs: every
   * other call returns the cached second one without drawing, and re-seeding
   * or {@link PythonRandom.setstate} replaces the cache.
   *
   * The formula and its order follow CPython exactly, but the result is
   * bit-identical only where `Math.log`/`Math.cos`/`Math.sin` round like the
   * C library CPython calls: against glibc 2.36 on x86-64 about 5% of
   * deviates differ by 1 to 4 ulps. The draws consumed are always the same,
   * so every later value of the stream stays in step.
   * @param mu - Mean; default 0.
   * @param sigma - Standard deviation; default 1.
   */
  gauss(mu = 0, sigma = 1): number {
    let z: number;
    if (this.hasGaussNext) {
      z = this.gaussNext;
      this.hasGaussNext = false;
    } else {
      const x2pi = this.random() * TWOPI;
      const g2rad = Math.sqrt(-2.0 * Math.log(1.0 - this.random()));
      z = Math.cos(x2pi) * g2rad;
      this.gaussNext = Math.sin(x2pi) * g2rad;
      this.hasGaussNext = true;
    }
    return mu + z * sigma;
  }

  /**
   * Shuffles `x` in place, as CPython 3.11's `shuffle`: for `i` from
   * `length - 1` down to 1, swaps `x[i]` with `x[randbelow(i + 1)]`.
   * @param x - An array or typed array; it is modified.
   */
  shuffle<T>(x: MutableArrayLike<T>): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = x[i] as T;
      x[i] = x[j] as T;
      x[j] = t;
    }
  }

  /**
   * Returns `k` elements of `population` chosen with replacement, as
   * CPython 3.11's `choices(population, weights, k=k)`.
   *
   * Without weights each pick is `population[floor(random() * n)]`. With
   * weights, the cumulative sums are taken left to right in float64 and each
   * pick bisects them (bisect-right) with `random() * total`.
   * Unlike Python, a negative `k` is an error rather than an empty result.
   * @param population - The items to choose from (an array, typed array or
   * string).
   * @param weights - Relative weights, one per item; `null`/omitted for
   * uniform picks.
   * @param k - Number of picks; default 1.
   * @throws {TypeError} If `k` is not an integer.
   * @throws {RangeError} If `k` is negative, the population is empty while
   * something must be picked, the weights and population differ in length,
   * or the total weight is not positive and finite.
   */
  choices<T>(
    population: ArrayLike<T>,
    weights?: ArrayLike<number> | null,
    k = 1,
  ): T[] {
    requireSafeInteger('choices', 'k', k);
    if (k < 0) throw new RangeError(`choices: k must be non-negative, got ${k}`);
    const n = population.length;
    const out: T[] = [];
    if (weights === undefined || weights === null) {
      if (n === 0 && k > 0) throw new RangeError('choices: population is empty');
      for (let i = 0; i < k; i++) {
        out.push(population[Math.floor(this.random() * n)] as T);
      }
      return out;
    }
    if (weights.length !== n) {
      throw new RangeError(`choices: ${weights.length} weights for ${n} population items`);
    }
    if (n === 0) throw new RangeError('choices: population is empty');
    const cum = new Float64Array(n);
    let acc = weights[0]!;
    cum[0] = acc;
    for (let i = 1; i < n; i++) {
      acc += weights[i]!;
      cum[i] = acc;
    }
    const total = acc + 0.0;
    // Same test order as CPython, so a NaN total reports "finite".
    if (total <= 0) {
      throw new RangeError(`choices: total of weights must be greater than zero, got ${total}`);
    }
    if (!Number.isFinite(total)) {
      throw new RangeError(`choices: total of weights must be finite, got ${total}`);
    }
    const hi = n - 1;
    for (let i = 0; i < k; i++) {
      out.push(population[bisectRight(cum, this.random() * total, hi)] as T);
    }
    return out;
  }

  /**
   * Returns a copy of the full generator state, including the cached gauss
   * value, as plain data that survives `JSON.stringify`/`JSON.parse`.
   */
  getstate(): PythonRandomState {
    return {
      version: 3,
      words: Array.from(this.mt.state),
      index: this.mt.index,
      gaussNext: this.hasGaussNext ? this.gaussNext : null,
    };
  }

  /**
   * Restores a state returned by {@link PythonRandom.getstate} (or built from
   * CPython's `getstate()`), after which the generator continues exactly as
   * the one that produced it. The state is fully validated before anything
   * changes.
   * @param state - The state to restore.
   * @throws {TypeError} If `state` or one of its fields has the wrong type.
   * @throws {RangeError} If the version, word count, a word or the index is
   * out of range.
   */
  setstate(state: PythonRandomState): void {
    // Checked as unknown data: states usually come back through JSON.parse.
    const raw: unknown = state;
    if (typeof raw !== 'object' || raw === null) {
      throw new TypeError(`setstate: expected a state object, got ${show(raw)}`);
    }
    const { version, words, index, gaussNext } = raw as Record<string, unknown>;
    if (version !== 3) {
      throw new RangeError(`setstate: unsupported state version ${show(version)}, expected 3`);
    }
    if (!Array.isArray(words)) {
      throw new TypeError(`setstate: words must be an array, got ${show(words)}`);
    }
    if (words.length !== MT_N) {
      throw new RangeError(`setstate: expected ${MT_N} state words, got ${words.length}`);
    }
    for (let i = 0; i < MT_N; i++) {
      const w: unknown = words[i];
      if (typeof w !== 'number' || !Number.isInteger(w) || w < 0 || w >= TWO_POW_32) {
        throw new RangeError(`setstate: state word ${i} is not a uint32: ${show(w)}`);
      }
    }
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > MT_N) {
      throw new RangeError(`setstate: index must be an integer in [0, ${MT_N}], got ${show(index)}`);
    }
    if (gaussNext !== null && typeof gaussNext !== 'number') {
      throw new TypeError(`setstate: gaussNext must be a number or null, got ${show(gaussNext)}`);
    }
    this.mt.state.set(words as number[]);
    this.mt.index = index;
    this.hasGaussNext = gaussNext !== null;
    this.gaussNext = gaussNext ?? 0;
  }

  /** `getrandbits` without argument checks, for `k` in `[0, 53]`. */
  private bits(k: number): number {
    if (k <= 32) return k === 0 ? 0 : this.mt.genrandUint32() >>> (32 - k);
    const low = this.mt.genrandUint32();
    return (this.mt.genrandUint32() >>> (64 - k)) * TWO_POW_32 + low;
  }

  /** `randbelow` without argument checks, for a safe integer `n >= 1`. */
  private below(n: number): number {
    const k = bitLength(n);
    let r = this.bits(k);
    while (r >= n) r = this.bits(k);
    return r;
  }
}
