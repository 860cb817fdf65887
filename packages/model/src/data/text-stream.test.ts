import { describe, expect, it } from 'vitest';
import { DataError } from './errors';
import { utf8TextPieces } from './text-stream';

/** `bytes` as a stream cut at `cuts`. */
function chunksOf(bytes: Uint8Array, cuts: readonly number[]): AsyncIterable<Uint8Array> {
  const bounds = [0, ...cuts, bytes.length];
  return (async function* () {
    for (let i = 1; i < bounds.length; i++) yield await Promise.resolve(bytes.subarray(bounds[i - 1], bounds[i]));
  })();
}

async function collect(pieces: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const piece of pieces) out.push(piece);
  return out;
}

const encoder = new TextEncoder();

describe('utf8TextPieces', () => {
  it('keeps a multi-byte character whole when a chunk boundary cuts its bytes', async () => {
    // 'é' is 2 bytes, '€' 3, '😀' 4 (a surrogate pair in JS): cut inside each.
    const text = 'aé€😀\nline two 😀€é\n';
    const bytes = encoder.encode(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const pieces = await collect(utf8TextPieces(chunksOf(bytes, [cut]), { name: 't', pieceChars: 1 }));
      expect(pieces.join('')).toBe(text);
      for (const piece of pieces) expect(piece.endsWith('\n')).toBe(true);
    }
    // Every byte its own chunk.
    const single = await collect(utf8TextPieces(chunksOf(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1)), { name: 't', pieceChars: 4 }));
    expect(single.join('')).toBe(text);
  });

  it('cuts pieces after newlines only, the last one possibly without', async () => {
    const text = 'one\ntwo\nthree\nfour';
    const pieces = await collect(utf8TextPieces(chunksOf(encoder.encode(text), [2, 5, 9, 12]), { name: 't', pieceChars: 3 }));
    expect(pieces).toEqual(['one\n', 'two\n', 'three\n', 'four']);
  });

  it('drops a byte-order mark at the start', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('hi\n')]);
    expect((await collect(utf8TextPieces(chunksOf(bytes, [1, 2]), { name: 't' }))).join('')).toBe('hi\n');
  });

  it('refuses invalid UTF-8, a NUL byte and an endless line, naming the input and the byte', async () => {
    const bad = new Uint8Array([...encoder.encode('ok\n'), 0xff, 0x41]);
    await expect(collect(utf8TextPieces(chunksOf(bad, []), { name: 'in.txt' }))).rejects.toThrow(new DataError('in.txt: not UTF-8 text: invalid bytes near byte 0 (give a UTF-8 text file)'));
    const truncated = encoder.encode('ab€').subarray(0, 4);
    await expect(collect(utf8TextPieces(chunksOf(truncated, []), { name: 'cut.txt' }))).rejects.toThrow(/cut.txt: not UTF-8 text/);
    const nul = new Uint8Array([0x61, 0x62, 0x00]);
    await expect(collect(utf8TextPieces(chunksOf(nul, [1]), { name: 'bin' }))).rejects.toThrow(new DataError('bin: not a text file: a NUL byte at byte 2'));
    const long = encoder.encode('x'.repeat(100));
    await expect(collect(utf8TextPieces(chunksOf(long, [10, 20, 30]), { name: 'long', pieceChars: 5, maxLineChars: 25 }))).rejects.toThrow(/long: a line near byte 30 is longer than 25 characters/);
  });
});
