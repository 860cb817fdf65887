// GPT-2's byte-to-unicode table (`bytes_to_unicode` in OpenAI's encoder.py), which Hugging Face byte-level BPE
// uses to write token bytes as printable strings: printable Latin-1 bytes map to themselves, the other 68 bytes
// to U+0100…U+0143 in byte order (so space is 'Ġ' U+0120 and newline 'Ċ' U+010A).

/** The character standing for each byte, by byte. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const chars: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    chars.push(String.fromCharCode(printable ? b : next++));
  }
  return chars;
})();

const CHAR_TO_BYTE = new Map<number, number>(BYTE_TO_CHAR.map((c, b) => [c.charCodeAt(0), b]));

/** The byte-level string of `bytes` (one character a byte). */
export function bytesToByteLevel(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += BYTE_TO_CHAR[b]!;
  return out;
}

/**
 * The bytes of byte-level string `text`, or `null` when a character is not in the table (so `text` is not a
 * byte-level token: e.g. a literal space, or a character above U+0143 that no byte maps to).
 */
export function byteLevelToBytes(text: string): Uint8Array | null {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const b = CHAR_TO_BYTE.get(text.charCodeAt(i));
    if (b === undefined) return null;
    out[i] = b;
  }
  return out;
}
