import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thousands } from './thousands';

describe('thousands', () => {
  it('groups digits exactly as toLocaleString("en-US")', () => {
    for (const n of [0, -0, 1, 12, 123, 1234, 12345, 123456, 1234567, -1234567, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e20, 1e21 - 131072, 1e21, 1.5, -0.25, Number.NaN, Infinity, -Infinity, Number.MAX_VALUE]) {
      expect(thousands(n), String(n)).toBe(n.toLocaleString('en-US'));
    }
    fc.assert(fc.property(fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), fc.maxSafeInteger(), fc.double()), (n) => thousands(n) === n.toLocaleString('en-US')), { seed: 20 });
  });
});
