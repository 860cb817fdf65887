// Argument checks and integer helpers of PythonRandom, kept apart so the class reads as CPython's methods.

/** 2^32: the base of the 32-bit words that seeds and large integers are split into, as CPython does. */
export const TWO_POW_32 = 4294967296;

/** Splits `|seed|` into 32-bit words, least significant first, as CPython. */
export function seedKey(seed: number | bigint): number[] {
  let big: bigint;
  if (typeof seed === 'number') {
    if (!Number.isInteger(seed)) {
      throw new TypeError(`seed: expected an integer, got ${seed}`);
    }
    const abs = Math.abs(seed);
    if (abs < TWO_POW_32) return [abs];
    if (abs <= Number.MAX_SAFE_INTEGER) return [abs % TWO_POW_32, Math.floor(abs / TWO_POW_32)];
    big = BigInt(abs);
  } else if (typeof seed === 'bigint') {
    big = seed < 0n ? -seed : seed;
  } else {
    throw new TypeError(`seed: expected a number or bigint, got ${typeof seed}`);
  }
  const key: number[] = [];
  do {
    key.push(Number(big & 0xffffffffn));
    big >>= 32n;
  } while (big > 0n);
  return key;
}

/** Python's `int.bit_length()` for an integer in `[1, 2^53)`. */
export function bitLength(n: number): number {
  return n < TWO_POW_32 ? 32 - Math.clz32(n) : 64 - Math.clz32(Math.floor(n / TWO_POW_32));
}

/** Exact `ceil(a / b)` for safe integers, `b !== 0`. */
export function ceilDiv(a: number, b: number): number {
  const r = a % b;
  const q = (a - r) / b;
  return r !== 0 && (r > 0) === (b > 0) ? q + 1 : q;
}

/** Python's `bisect.bisect_right(a, x, 0, hi)`. */
export function bisectRight(a: Float64Array, x: number, hi: number): number {
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x < a[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Renders a bad value for an error message. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object' && value !== null) return 'an object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** @throws {TypeError} naming `fn` and `name` unless `value` is an integer. */
export function requireInteger(fn: string, name: string, value: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${fn}: ${name} must be an integer, got ${String(value)}`);
  }
}

/** @throws {TypeError | RangeError} naming `fn` and `name` unless `value` is a safe integer. */
export function requireSafeInteger(fn: string, name: string, value: number): void {
  requireInteger(fn, name, value);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${fn}: ${name} must be a safe integer, got ${value}`);
  }
}
