/**
 * Mersenne Twister MT19937, transcribed from CPython's `Modules/_randommodule.c`
 * (itself the Matsumoto–Nishimura reference code), so that the word stream is
 * bit-identical to Python's `random` module.
 *
 * Arithmetic is done on JS numbers: `Math.imul` for the 32-bit products and
 * the `Uint32Array` store (which reduces modulo 2^32) for the wrapping sums.
 */

/** Number of 32-bit words in the MT19937 state. */
export const MT_N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** MT19937 generator state plus the CPython routines that seed and read it. */
export class MT19937 {
  /** The 624 state words; exposed so that get/set-state can copy them. */
  readonly state = new Uint32Array(MT_N);
  /**
   * Position of the next word to temper, in `[0, 624]`; 624 means the state
   * must be regenerated before the next draw (CPython's `self->index`).
   * A fresh instance is all zeros, as CPython never draws before seeding.
   */
  index = MT_N;

  /**
   * Seeds from a single word, as CPython's `init_genrand`.
   * @param s - Seed word; only its low 32 bits are used.
   */
  initGenrand(s: number): void {
    const mt = this.state;
    mt[0] = s;
    for (let i = 1; i < MT_N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = Math.imul(1812433253, prev ^ (prev >>> 30)) + i;
    }
    this.index = MT_N;
  }

  /**
   * Seeds from a key of 32-bit words, as CPython's `init_by_array` (which is
   * what `random.seed(int)` uses, with the int split into words
   * least-significant first).
   * @param key - Seed words, each in `[0, 2^32)`; must not be empty.
   * @throws {RangeError} If `key` is empty.
   */
  initByArray(key: ArrayLike<number>): void {
    const keyLength = key.length;
    if (keyLength === 0) {
      throw new RangeError('MT19937.initByArray: key must not be empty');
    }
    const mt = this.state;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(MT_N, keyLength); k > 0; k--) {
      const prev = mt[i - 1]!;
      // The sum may exceed 2^32; the typed-array store wraps it like C's uint32_t.
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1664525)) >>> 0) + key[j]! + j;
      i++;
      j++;
      if (i >= MT_N) {
        mt[0] = mt[MT_N - 1]!;
        i = 1;
      }
      if (j >= keyLength) j = 0;
    }
    for (let k = MT_N - 1; k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) >>> 0) - i;
      i++;
      if (i >= MT_N) {
        mt[0] = mt[MT_N - 1]!;
        i = 1;
      }
    }
    // CPython forces the MSB so the state can never be all zeros.
    mt[0] = 0x80000000;
  }

  /**
   * Returns the next tempered 32-bit word, as CPython's `genrand_uint32`.
   * @returns An integer in `[0, 2^32)`.
   */
  genrandUint32(): number {
    const mt = this.state;
    if (this.index >= MT_N) this.twist();
    let y = mt[this.index++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    return (y ^ (y >>> 18)) >>> 0;
  }

  /** Regenerates all 624 words at once ("generate N words at one time"). */
  private twist(): void {
    const mt = this.state;
    let kk = 0;
    let y: number;
    // `-(y & 1) & MATRIX_A` is the branch-free form of CPython's mag01[y & 1].
    for (; kk < MT_N - M; kk++) {
      y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + M]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; kk < MT_N - 1; kk++) {
      y = (mt[kk]! & UPPER_MASK) | (mt[kk + 1]! & LOWER_MASK);
      mt[kk] = mt[kk + (M - MT_N)]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    y = (mt[MT_N - 1]! & UPPER_MASK) | (mt[0]! & LOWER_MASK);
    mt[MT_N - 1] = mt[M - 1]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.index = 0;
  }
}
