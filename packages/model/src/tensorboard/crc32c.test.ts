// CRC-32C against published check values, and TensorFlow's masking against a record TensorFlow wrote.
import { describe, expect, it } from 'vitest';
import { crc32c, maskedCrc32c } from './crc32c';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('crc32c', () => {
  it('matches the check values of RFC 3720 (iSCSI) and the CRC catalogue', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // 32 zero bytes
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43); // 32 0xff bytes
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e); // 0, 1, …, 31
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('masks as TensorFlow does: the masked CRC of a record header TensorFlow wrote', () => {
    // Every event file TensorFlow or TensorBoard writes starts with the same 12 bytes: the length 24 of its
    // file_version event ("brain.Event:2" and a wall_time), then the masked CRC of those 8 bytes,
    // 18 00 00 00 00 00 00 00 a3 7f 4b 22.
    const length = new Uint8Array(8);
    new DataView(length.buffer).setBigUint64(0, 24n, true);
    expect(maskedCrc32c(length)).toBe(0x224b7fa3);
  });
});
