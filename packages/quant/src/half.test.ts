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

describe('fp16', () => {
  it('decodes all 65,536 bit patterns exactly and encodes each back to itself', () => {
    for (let bits = 0; bits < 65536; bits++) {
      const value = float16BitsToFloat32(bits);
      const expected = referenceFloat16(bits);
      if (Number.isNaN(expected)) {
        expect(value).toBeNaN();
        const back = float32ToFloat16Bits(value);
        expect((back & 0x7c00) === 0x7c00 && (back & 0x3ff) !== 0 && (back & 0x8000) === (bits & 0x8000)).toBe(true);
        continue;
      }
      expect(Object.is(value, expected)).toBe(true);
      expect(float32ToFloat16Bits(value)).toBe(bits);
    }
  });

  it('rounds to nearest, ties to even, between every pair of neighbouring finite values', () => {
    for (let bits = 0; bits < 0x7bff; bits++) {
      for (const sign of [0, 0x8000]) {
        const a = float16BitsToFloat32(bits | sign);
        const b = float16BitsToFloat32((bits + 1) | sign);
        const mid = (a + b) / 2; // exact in float32: fp16 has 11 significant bits
        const even = (bits & 1) === 0 ? bits : bits + 1;
        expect(float32ToFloat16Bits(mid)).toBe(even | sign);
        expect(float32ToFloat16Bits(sign ? nextDown(mid) : nextUp(mid))).toBe((bits + 1) | sign);
        expect(float32ToFloat16Bits(sign ? nextUp(mid) : nextDown(mid))).toBe(bits | sign);
      }
    }
  });

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

describe('bf16', () => {
  it('decodes all 65,536 bit patterns exactly and encodes each back to itself', () => {
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (let bits = 0; bits < 65536; bits++) {
      u[0] = bits << 16;
      const expected = f[0]!;
      const value = bfloat16BitsToFloat32(bits);
      if (Number.isNaN(expected)) {
        expect(value).toBeNaN();
        const back = float32ToBfloat16Bits(value);
        expect((back & 0x7f80) === 0x7f80 && (back & 0x7f) !== 0 && (back & 0x8000) === (bits & 0x8000)).toBe(true);
        continue;
      }
      expect(Object.is(value, expected)).toBe(true);
      expect(float32ToBfloat16Bits(value)).toBe(bits);
    }
  });

  it('rounds to nearest, ties to even, between every pair of neighbouring finite values', () => {
    for (let bits = 0; bits < 0x7f7f; bits++) {
      for (const sign of [0, 0x8000]) {
        const a = bfloat16BitsToFloat32(bits | sign);
        const b = bfloat16BitsToFloat32((bits + 1) | sign);
        const mid = (a + b) / 2;
        const even = (bits & 1) === 0 ? bits : bits + 1;
        expect(float32ToBfloat16Bits(mid)).toBe(even | sign);
        expect(float32ToBfloat16Bits(sign ? nextDown(mid) : nextUp(mid))).toBe((bits + 1) | sign);
        expect(float32ToBfloat16Bits(sign ? nextUp(mid) : nextDown(mid))).toBe(bits | sign);
      }
    }
  });

  it('rounds the largest finite float32 to infinity, keeps NaN a NaN', () => {
    expect(float32ToBfloat16Bits(3.4028234663852886e38)).toBe(0x7f80);
    expect(float32ToBfloat16Bits(-Infinity)).toBe(0xff80);
    expect(bfloat16BitsToFloat32(float32ToBfloat16Bits(NaN))).toBeNaN();
  });
});
