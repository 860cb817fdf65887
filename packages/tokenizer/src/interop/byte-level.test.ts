// GPT-2's byte-to-unicode table.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BYTE_TO_CHAR, byteLevelToBytes, bytesToByteLevel } from './byte-level';

describe('byte-level strings', () => {
  it('matches GPT-2: printable bytes are themselves, space is Ġ, newline Ċ', () => {
    expect(new Set(BYTE_TO_CHAR).size).toBe(256);
    expect(BYTE_TO_CHAR[0x21]).toBe('!');
    expect(BYTE_TO_CHAR[0x20]).toBe('Ġ');
    expect(BYTE_TO_CHAR[0x0a]).toBe('Ċ');
    expect(BYTE_TO_CHAR[0xad]).toBe('\u0143');
    expect(bytesToByteLevel(new TextEncoder().encode(' héllo\n'))).toBe('ĠhÃ©lloĊ');
  });

  it('round-trips any bytes and refuses characters outside the table', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), (bytes) => {
        expect(byteLevelToBytes(bytesToByteLevel(bytes))).toEqual(bytes);
      }),
    );
    expect(byteLevelToBytes('a b')).toBeNull();
    expect(byteLevelToBytes('\u0144')).toBeNull();
  });
});
