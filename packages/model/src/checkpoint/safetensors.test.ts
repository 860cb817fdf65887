// Tests of the safetensors codec: round trips, a byte-exact hand-built fixture, every malformed case, and fuzzing.
import { describe, expect, it } from 'vitest';
import { CheckpointError } from './errors';
import { decodeSafetensors, encodeSafetensors } from './safetensors';

/** A raw file from a header (JSON text or a value to stringify) and data bytes, with no validation. */
function rawFile(header: unknown, data: ArrayLike<number> = [], headerLength?: number): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + json.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength ?? json.length, true);
  out.set(json, 8);
  out.set(Array.from(data), 8 + json.length);
  return out;
}

function expectError(bytes: Uint8Array, message: string | RegExp): void {
  let caught: unknown;
  try {
    decodeSafetensors(bytes);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CheckpointError);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
}

/** Deterministic 32-bit generator (mulberry32) for the fuzz loops. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const F32 = (shape: number[], values: number[]) => ({ dtype: 'float32' as const, shape, data: new Float32Array(values) });

describe('encodeSafetensors / decodeSafetensors', () => {
  it('round-trips every dtype, including empty tensors and scalars', () => {
    const tensors = {
      f32: F32([2, 3], [1, -2.5, 3, 1e-20, -0, Infinity]),
      f64: { dtype: 'float64' as const, shape: [3], data: new Float64Array([Math.PI, -1e300, Number.NaN]) },
      i32: { dtype: 'int32' as const, shape: [2, 2], data: new Int32Array([0, -1, 2 ** 31 - 1, -(2 ** 31)]) },
      u8: { dtype: 'uint8' as const, shape: [5], data: new Uint8Array([0, 1, 127, 128, 255]) },
      scalar: { dtype: 'float64' as const, shape: [], data: new Float64Array([42]) },
      emptyF32: F32([0], []),
      emptyI32: { dtype: 'int32' as const, shape: [3, 0, 2], data: new Int32Array(0) },
      emptyU8: { dtype: 'uint8' as const, shape: [0], data: new Uint8Array(0) },
      f16: { dtype: 'float16' as const, shape: [3], data: new Uint16Array([0x3c00, 0x8001, 0x7e00]) },
      bf16: { dtype: 'bfloat16' as const, shape: [2], data: new Uint16Array([0x3f80, 0xff80]) },
      i8: { dtype: 'int8' as const, shape: [4], data: new Int8Array([-128, -1, 0, 127]) },
    };
    const bytes = encodeSafetensors(tensors, { format: 'pt', step: '10' });
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    expect(headerLength % 8).toBe(0);
    const decoded = decodeSafetensors(bytes);
    expect(decoded.metadata).toEqual({ format: 'pt', step: '10' });
    expect([...decoded.tensors.keys()].sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const got = decoded.tensors.get(name)!;
      expect(got.dtype).toBe(t.dtype);
      expect(got.shape).toEqual(t.shape);
      expect(got.data.constructor).toBe(t.data.constructor);
      expect(Array.from(got.data)).toEqual(Array.from(t.data));
    }
  });

  it('round-trips an empty file and one without metadata', () => {
    const empty = decodeSafetensors(encodeSafetensors({}));
    expect(empty.tensors.size).toBe(0);
    expect(empty.metadata).toEqual({});
  });

  it('writes the exact bytes of a hand-built file (sorted names, space padding, little-endian data)', () => {
    const header = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[],"data_offsets":[8,9]}}';
    expect(header.length).toBe(105);
    const padded = header + ' '.repeat(7); // 112 = 14 × 8
    const expected = new Uint8Array([
      112, 0, 0, 0, 0, 0, 0, 0,
      ...new TextEncoder().encode(padded),
      0x00, 0x00, 0x80, 0x3f, // 1.0f
      0x00, 0x00, 0x00, 0xc0, // -2.0f
      0x07,
    ]);
    const encoded = encodeSafetensors({ b: { dtype: 'uint8', shape: [], data: new Uint8Array([7]) }, a: F32([2], [1, -2]) });
    expect(Array.from(encoded)).toEqual(Array.from(expected));
    const decoded = decodeSafetensors(expected);
    expect(Array.from(decoded.tensors.get('a')!.data)).toEqual([1, -2]);
    expect(decoded.tensors.get('b')).toEqual({ dtype: 'uint8', shape: [], data: new Uint8Array([7]) });
  });

  it('writes metadata first and keeps numeric-looking names in sorted order', () => {
    const bytes = encodeSafetensors({ '10': F32([], [1]), '2': F32([], [2]) }, { k: 'v' });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n)).trimEnd();
    expect(text).toBe('{"__metadata__":{"k":"v"},"10":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"2":{"dtype":"F32","shape":[],"data_offsets":[4,8]}}');
  });

  it('accepts entries in any order, unaligned input and an unpadded header', () => {
    const file = rawFile({ z: { dtype: 'I32', shape: [1], data_offsets: [0, 4] }, a: { dtype: 'U8', shape: [1], data_offsets: [4, 5] } }, [1, 0, 0, 0, 9]);
    const shifted = new Uint8Array(file.length + 1).subarray(1);
    shifted.set(file);
    const decoded = decodeSafetensors(shifted);
    expect(Array.from(decoded.tensors.get('z')!.data)).toEqual([1]);
    expect(Array.from(decoded.tensors.get('a')!.data)).toEqual([9]);
    expect(decoded.tensors.get('z')!.data.byteOffset).toBe(0);
  });

  it('throws on arguments that do not fit, naming the tensor', () => {
    expect(() => encodeSafetensors({ w: F32([2, 2], [1, 2, 3]) })).toThrow('safetensors: arguments: tensor "w" data: expected 4 elements for shape [2, 2], found 3');
    expect(() => encodeSafetensors({ w: { dtype: 'int32', shape: [1], data: new Float32Array(1) } })).toThrow(
      'safetensors: arguments: tensor "w" data: expected a Int32Array for int32, found Float32Array',
    );
    expect(() => encodeSafetensors({ w: F32([-1], []) })).toThrow('safetensors: arguments: tensor "w" shape: expected non-negative integers, found [-1]');
    expect(() => encodeSafetensors({ w: F32([1.5], [1]) })).toThrow(CheckpointError);
    expect(() => encodeSafetensors({ __metadata__: F32([], [1]) })).toThrow('reserved for metadata');
  });
});

describe('decodeSafetensors validation', () => {
  const ok = { dtype: 'F32', shape: [1], data_offsets: [0, 4] };
  const four = [0, 0, 0, 0];

  it('rejects bad header lengths', () => {
    expectError(new Uint8Array(5), 'safetensors: header length: expected at least 8 bytes, found 5');
    expectError(rawFile({}, [], 1000), 'safetensors: header length: 1000 bytes runs past the end of the file (2 bytes after the length)');
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setUint32(4, 1, true);
    expectError(huge, 'safetensors: header length: 4294967296 bytes is more than the limit of 104857600');
    expectError(rawFile({}, [], 200 * 1024 * 1024), /more than the limit/);
  });

  it('rejects invalid UTF-8 and JSON', () => {
    const bad = rawFile('{"a":1}');
    bad[9] = 0xff;
    expectError(bad, 'safetensors: header: expected UTF-8 text, found invalid UTF-8');
    expectError(rawFile('{"a":'), /^safetensors: header: invalid JSON/);
    expectError(rawFile('[1,2]'), 'safetensors: header: expected a JSON object starting with "{", found "[1,2]"');
    expectError(rawFile(''), /^safetensors: header: expected a JSON object starting with "\{"/);
  });

  it('rejects entries that are not objects', () => {
    expectError(rawFile({ w: 3 }), 'safetensors: header: tensor "w": expected an object with dtype, shape and data_offsets, found 3');
    expectError(rawFile({ w: [1] }), /tensor "w": expected an object/);
    expectError(rawFile({ w: null }), /tensor "w": expected an object/);
  });

  it('rejects unknown and unsupported dtypes by name', () => {
    expectError(rawFile({ w: { ...ok, dtype: 'Q4' } }, four), 'safetensors: header: tensor "w" dtype: unknown dtype "Q4" (supported: F32, F64, I32, U8, F16, BF16, I8)');
    expectError(
      rawFile({ w: { ...ok, dtype: 'I16', shape: [2] } }, four),
      'safetensors: header: tensor "w" dtype: I16 is a valid safetensors dtype but is not supported yet (supported: F32, F64, I32, U8, F16, BF16, I8)',
    );
    expectError(rawFile({ w: { ...ok, dtype: 'F8_E4M3' } }, four), /F8_E4M3 is a valid safetensors dtype but is not supported yet/);
    expectError(rawFile({ w: { ...ok, dtype: 7 } }, four), 'safetensors: header: tensor "w" dtype: expected a string, found 7');
    expectError(rawFile({ w: { shape: [1], data_offsets: [0, 4] } }, four), 'safetensors: header: tensor "w" dtype: expected a string, found nothing');
    expectError(rawFile({ w: { ...ok, dtype: 'toString' } }, four), /unknown dtype "toString"/);
  });

  it('rejects bad shapes', () => {
    const msg = (found: string) => `safetensors: header: tensor "w" shape: expected an array of non-negative integers, found ${found}`;
    expectError(rawFile({ w: { ...ok, shape: 4 } }, four), msg('4'));
    expectError(rawFile({ w: { ...ok, shape: [-1] } }, four), msg('[-1]'));
    expectError(rawFile({ w: { ...ok, shape: [1.5] } }, four), msg('[1.5]'));
    expectError(rawFile({ w: { ...ok, shape: ['1'] } }, four), msg('["1"]'));
    expectError(rawFile('{"w":{"dtype":"F32","shape":[1e300],"data_offsets":[0,4]}}', four), msg('[1e+300]'));
  });

  it('rejects bad offsets', () => {
    const msg = (rest: string) => `safetensors: header: tensor "w" data_offsets: ${rest}`;
    expectError(rawFile({ w: { ...ok, data_offsets: [0] } }, four), msg('expected a pair [begin, end] of non-negative integers, found [0]'));
    expectError(rawFile({ w: { ...ok, data_offsets: [0, 4, 8] } }, four), /expected a pair/);
    expectError(rawFile({ w: { ...ok, data_offsets: [-4, 0] } }, four), /expected a pair/);
    expectError(rawFile({ w: { ...ok, data_offsets: '0,4' } }, four), /expected a pair/);
    expectError(rawFile({ w: { ...ok, data_offsets: [4, 0] } }, four), msg('end 0 is before begin 4'));
    expectError(rawFile({ w: { ...ok, data_offsets: [0, 8] } }, four), msg('[0, 8] is outside the data buffer of 4 bytes'));
    expectError(rawFile({ w: { ...ok, shape: [2] } }, four), msg('expected 8 bytes (shape [2] × 4 bytes), found 4'));
    expectError(rawFile({ w: { ...ok, shape: [2 ** 40, 2 ** 40] } }, four), msg('expected more than 9007199254740991 bytes (shape [1099511627776, 1099511627776] × 4 bytes), found 4'));
  });

  it('rejects overlapping, gapped and incomplete offsets', () => {
    const u8 = (begin: number, end: number) => ({ dtype: 'U8', shape: [end - begin], data_offsets: [begin, end] });
    expectError(rawFile({ a: u8(0, 3), b: u8(2, 4) }, four), 'safetensors: data: tensor "b" data_offsets: [2, 4] overlaps the previous tensor, which ends at 3');
    expectError(rawFile({ a: u8(0, 1), b: u8(2, 4) }, four), 'safetensors: data: tensor "b" data_offsets: [2, 4] leaves a gap: expected begin 1, found 2');
    expectError(rawFile({ a: u8(1, 4) }, four), 'safetensors: data: tensor "a" data_offsets: [1, 4] leaves a gap: expected begin 0, found 1');
    expectError(rawFile({ a: u8(0, 3) }, four), 'safetensors: data: tensors cover 3 bytes but the data buffer has 4; expected no trailing bytes');
    // Empty tensors may sit anywhere the running position is.
    expect(decodeSafetensors(rawFile({ a: u8(0, 4), e: u8(4, 4), f: u8(0, 0) }, four)).tensors.size).toBe(3);
  });

  it('rejects bad metadata', () => {
    expectError(rawFile({ __metadata__: { a: 1 } }), 'safetensors: metadata: value of "a": expected a string, found 1');
    expectError(rawFile({ __metadata__: ['x'] }), 'safetensors: metadata: expected an object of strings, found ["x"]');
    const decoded = decodeSafetensors(rawFile('{"__metadata__":{"__proto__":"p","k":"v"}}'));
    expect(Object.keys(decoded.metadata)).toEqual(['__proto__', 'k']);
    expect(decoded.metadata.k).toBe('v');
  });

  it('fuzz: every truncation and random header byte flips give a CheckpointError or a valid decode', () => {
    const bytes = encodeSafetensors(
      { a: F32([2, 2], [1, 2, 3, 4]), b: { dtype: 'int32', shape: [3], data: new Int32Array([5, 6, 7]) }, c: { dtype: 'uint8', shape: [], data: new Uint8Array([1]) } },
      { note: 'fuzz' },
    );
    const check = (candidate: Uint8Array) => {
      try {
        const out = decodeSafetensors(candidate);
        for (const t of out.tensors.values()) expect(t.data.length).toBe(t.shape.reduce((x, d) => x * d, 1));
      } catch (error) {
        expect(error).toBeInstanceOf(CheckpointError);
      }
    };
    for (let length = 0; length < bytes.length; length++) {
      expect(() => decodeSafetensors(bytes.subarray(0, length))).toThrow(CheckpointError);
    }
    const headerEnd = 8 + new DataView(bytes.buffer).getUint32(0, true);
    const random = mulberry32(12345);
    let decodedCount = 0;
    for (let trial = 0; trial < 5000; trial++) {
      const copy = bytes.slice();
      const flips = 1 + Math.floor(random() * 3);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(random() * headerEnd);
        copy[at] = random() < 0.5 ? copy[at]! ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
      }
      check(copy);
      try {
        decodeSafetensors(copy);
        decodedCount++;
      } catch {
        // counted by check()
      }
    }
    expect(decodedCount).toBeGreaterThan(0);
  });
});
