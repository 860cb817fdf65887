// The few protocol-buffer encodings TensorBoard's event files need (varints, 64- and 32-bit floats, length-
// delimited fields, packed doubles), written field by field: a message is the concatenation of its fields.
// No decoding: the tests read our output with protobufjs, an implementation we did not write.

const encoder = new TextEncoder();

/** Bytes of `parts` joined. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A base-128 varint of a non-negative safe integer (up to 2⁵³ − 1, beyond 32 bits too). */
function varintBytes(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`protobuf: a varint must be a safe integer ≥ 0, found ${value}`);
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

const key = (field: number, wireType: number): Uint8Array => varintBytes(field * 8 + wireType);

/** Field `field` as a varint (int32, int64, uint, bool, enum). */
export function varintField(field: number, value: number): Uint8Array {
  return concat([key(field, 0), varintBytes(value)]);
}

/** Field `field` as a little-endian 64-bit float (double). */
export function doubleField(field: number, value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  return concat([key(field, 1), bytes]);
}

/** Field `field` as a little-endian 32-bit float (float). */
export function floatField(field: number, value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setFloat32(0, value, true);
  return concat([key(field, 5), bytes]);
}

/** Field `field` as length-delimited bytes: an embedded message, bytes or a UTF-8 string. */
export function bytesField(field: number, value: Uint8Array | string): Uint8Array {
  const bytes = typeof value === 'string' ? encoder.encode(value) : value;
  return concat([key(field, 2), varintBytes(bytes.length), bytes]);
}

/** A repeated double field, packed (one length-delimited run of little-endian doubles). */
export function packedDoublesField(field: number, values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i]!, true);
  return bytesField(field, bytes);
}
