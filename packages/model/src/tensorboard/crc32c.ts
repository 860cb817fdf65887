// CRC-32C (Castagnoli), the checksum of TFRecord framing, and TensorFlow's "masked" form of it, which keeps a
// CRC stored inside checksummed data from looking like data with a valid CRC.

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1; // the reflected Castagnoli polynomial
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `bytes` (e.g. 0xe3069283 for the ASCII text "123456789"). */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** TensorFlow's masked CRC-32C: the CRC rotated right by 15 bits plus 0xa282ead8 (mod 2³²). */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}
