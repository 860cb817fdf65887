// Strict standard base64 (RFC 4648, with padding) for tiktoken rank files: lenient decoders such as atob accept
// whitespace and missing padding, which would hide a corrupted file.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const PAD = 61; // '='
// Value of each character code, or -1 for a character outside the alphabet.
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

function value(text: string, i: number): number {
  const code = text.charCodeAt(i);
  return code < 128 ? VALUES[code]! : -1;
}

/**
 * The bytes of standard padded base64 `text`, or `null` when it is not canonical base64 (a character outside
 * the alphabet, a length that is not a multiple of 4, padding anywhere but the end, or non-zero unused bits).
 */
export function base64Decode(text: string): Uint8Array | null {
  const n = text.length;
  if (n % 4 !== 0) return null;
  const pad = n > 0 && text.charCodeAt(n - 1) === PAD ? (text.charCodeAt(n - 2) === PAD ? 2 : 1) : 0;
  const out = new Uint8Array((n / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < n; i += 4) {
    const last = i + 4 === n;
    const a = value(text, i);
    const b = value(text, i + 1);
    const c = last && pad === 2 ? 0 : value(text, i + 2);
    const d = last && pad >= 1 ? 0 : value(text, i + 3);
    if ((a | b | c | d) < 0) return null;
    // Bits that padding leaves unused must be 0, so each byte string has exactly one spelling.
    if (last && ((pad === 1 && (c & 3) !== 0) || (pad === 2 && (b & 15) !== 0))) return null;
    const triple = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = triple >> 16;
    if (o < out.length) out[o++] = (triple >> 8) & 255;
    if (o < out.length) out[o++] = triple & 255;
  }
  return out;
}

/** Standard padded base64 of `bytes`. */
export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const rest = bytes.length - i;
    const triple = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET[triple >> 18]! + ALPHABET[(triple >> 12) & 63]!;
    out += rest > 1 ? ALPHABET[(triple >> 6) & 63]! : '=';
    out += rest > 2 ? ALPHABET[triple & 63]! : '=';
  }
  return out;
}
