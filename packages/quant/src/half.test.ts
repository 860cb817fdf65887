// Every fp16 and bf16 bit pattern, and the float32 values halfway between neighbours (ties to even).
import { describe, expect, it } from 'vitest';
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBfloat16Bits, float32ToFloat16Bits } from './half';

/** fp16 value by the IEEE definition, independently of the code under test. */
function referenceFloat16(bits: number): number {
  const sign = bits >> 15 ? -1 : 1;
  const e = (bits >> 10) & 31;
  const m = bits & 1023;
  if (e === 31) return m ? NaN : sign * Infinity;
  return e === 0 ? sign * m * 2 ** -24 : sign * 2 ** (e - 15) * (1 + m / 1024);
}

/** float32 neighbours of x (x is a float32). */
function nextUp(x: number): number {
  const b = new Float32Array([x]);
  const u = new Uint32Array(b.buffer);
  u[0] = x >= 0 ? u[0]! + 1 : u[0]! - 1;
  return b[0]!;
}
function nextDown(x: number): number {
  return -nextUp(-x);
}

/** bf16 value by definition: the top half of a float32. */
function referenceBfloat16(bits: number): number {
  const f = new Float32Array(1);
  new Uint32Array(f.buffer)[0] = bits << 16;
  return f[0]!;
}

/** A 16-bit format: its conversions, an independent reference, its exponent mask and its largest finite pattern. */
interface Format {
  readonly name: string;
  readonly decode: (bits: number) => number;
  readonly encode: (value: number) => number;
  readonly reference: (bits: number) => number;
  readonly exponentMask: number;
  readonly maxFinite: number;
}

const FORMATS: readonly Format[] = [
  { name: 'fp16', decode: float16BitsToFloat32, encode: float32ToFloat16Bits, reference: referenceFloat16, exponentMask: 0x7c00, maxFinite: 0x7bff },
  { name: 'bf16', decode: bfloat16BitsToFloat32, encode: float32ToBfloat16Bits, reference: referenceBfloat16, exponentMask: 0x7f80, maxFinite: 0x7f7f },
];

describe.each(FORMATS)('$name', ({ decode, encode, reference, exponentMask, maxFinite }) => {
  // Mismatches are collected and compared once: 400,000 separate expect() calls take seconds under load.
  it('decodes all 65,536 bit patterns exactly and encodes each back to itself (NaN stays a NaN of the same sign)', () => {
    const mantissaMask = 0x7fff & ~exponentMask;
    const mismatches: string[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const value = decode(bits);
      const expected = reference(bits);
      const back = encode(value);
      const ok = Number.isNaN(expected)
        ? Number.isNaN(value) && (back & exponentMask) === exponentMask && (back & mantissaMask) !== 0 && (back & 0x8000) === (bits & 0x8000)
        : Object.is(value, expected) && back === bits;
      if (!ok) mismatches.push(`0x${bits.toString(16)}: decoded ${value}, expected ${expected}, encoded back 0x${back.toString(16)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('rounds to nearest, ties to even, between every pair of neighbouring finite values', () => {
    const mismatches: string[] = [];
    const check = (value: number, expected: number): void => {
      const found = encode(value);
      if (found !== expected) mismatches.push(`${value}: expected 0x${expected.toString(16)}, found 0x${found.toString(16)}`);
    };
    for (let bits = 0; bits < maxFinite; bits++) {
      for (const sign of [0, 0x8000]) {
        const mid = (decode(bits | sign) + decode((bits + 1) | sign)) / 2; // exact in float32: both formats are narrower
        const even = (bits & 1) === 0 ? bits : bits + 1;
        check(mid, even | sign);
        check(sign ? nextDown(mid) : nextUp(mid), (bits + 1) | sign);
        check(sign ? nextUp(mid) : nextDown(mid), bits | sign);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('fp16 edges', () => {
  it('overflows to infinity from 65520 up, and flushes below half the smallest subnormal to zero', () => {
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65519.99)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-1e10)).toBe(0xfc00);
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0); // a tie with zero: even
    expect(float32ToFloat16Bits(nextUp(2 ** -25))).toBe(1);
    expect(float32ToFloat16Bits(-(2 ** -26))).toBe(0x8000);
    expect(float32ToFloat16Bits(1e-45)).toBe(0);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
  });
});

describe('bf16 edges', () => {
  it('rounds the largest finite float32 to infinity, keeps NaN a NaN', () => {
    expect(float32ToBfloat16Bits(3.4028234663852886e38)).toBe(0x7f80);
    expect(float32ToBfloat16Bits(-Infinity)).toBe(0xff80);
    expect(bfloat16BitsToFloat32(float32ToBfloat16Bits(NaN))).toBeNaN();
  });
});
