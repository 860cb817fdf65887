import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { documentIds } from './documents';
import { DataError } from './errors';
import { documentLoader, streamLoader } from './loaders';
import { memoryTokenSource, tokenFileSource } from './source';
import { TOKEN_FILE_HEADER_BYTES, decodeTokenFileHeader, encodeTokenFile, tokenizerHash } from './token-file';
import { cachedTokenFile, openTokenFile, writeTokenFile } from './token-file-node';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'microgpt-data-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const HASH = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
const ids = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 65);

describe('token file format', () => {
  it('round-trips uint16 and uint32 ids with the header', () => {
    for (const vocab of [65, 70000]) {
      const data = ids.map((id) => (vocab > 65536 ? id * 1000 : id));
      const bytes = encodeTokenFile(data, vocab, HASH);
      const header = decodeTokenFileHeader(bytes, bytes.length);
      expect(header).toEqual({ dtype: vocab > 65536 ? 'uint32' : 'uint16', count: data.length, vocabSize: vocab, tokenizerHash: HASH });
      const source = tokenFileSource(bytes);
      const out = new Int32Array(data.length);
      source.read(0, out);
      expect(Array.from(out)).toEqual(data);
    }
  });
  it('names the field of every bad header, and never throws anything else on truncation', () => {
    const bytes = encodeTokenFile(ids.slice(0, 100), 65, HASH);
    const corrupt = (at: number, value: number): Uint8Array => {
      const copy = bytes.slice();
      copy[at] = value;
      return copy;
    };
    expect(() => decodeTokenFileHeader(corrupt(0, 0x4e), bytes.length, 'x.tokens')).toThrow(/^x\.tokens: magic: expected "MGPTTOK\\u0000", found "NGPTTOK\\u0000"$/);
    expect(() => decodeTokenFileHeader(corrupt(8, 2), bytes.length)).toThrow('token file: version: expected 1, found 2');
    expect(() => decodeTokenFileHeader(corrupt(12, 3), bytes.length)).toThrow('dtype: expected 1 (uint16) or 2 (uint32), found 3');
    expect(() => decodeTokenFileHeader(corrupt(26, 1), bytes.length)).toThrow(/vocabSize: expected at most 65536 for uint16 ids/);
    expect(() => decodeTokenFileHeader(corrupt(60, 1), bytes.length)).toThrow('reserved: expected 0, found 1');
    expect(() => decodeTokenFileHeader(corrupt(23, 0xff), bytes.length)).toThrow(/count: expected at most 2\^53 - 1/);
    expect(() => tokenFileSource(corrupt(TOKEN_FILE_HEADER_BYTES, 200))).toThrow(/id 200 at position 0 is outside the vocabulary \[0, 65\)/);
    for (let n = 0; n < bytes.length; n++) {
      expect(() => tokenFileSource(bytes.subarray(0, n)), `length ${n}`).toThrow(DataError);
    }
  });
  it('hashes a tokenizer JSON with SHA-256', async () => {
    const hash = await tokenizerHash({ kind: 'char', vocab: ['a'] });
    expect(hash).toHaveLength(32);
    expect(await tokenizerHash({ kind: 'char', vocab: ['a'] })).toEqual(hash);
    expect(await tokenizerHash({ kind: 'char', vocab: ['b'] })).not.toEqual(hash);
  });
});

describe('token files on disk', () => {
  it('a file larger than its read window gives the same batches as memory', async () => {
    const dir = tempDir();
    const path = join(dir, 'big.tokens');
    const count = await writeTokenFile(path, [ids.slice(0, 3000), ids.slice(3000)], 65, HASH);
    expect(count).toBe(ids.length);
    expect(statSync(path).size).toBe(TOKEN_FILE_HEADER_BYTES + 2 * ids.length);
    const disk = openTokenFile(path, { windowTokens: 64 });
    const memory = memoryTokenSource(ids, 65);
    const options = { blockSize: 32, batchSize: 4, seed: 3, valFraction: 0.1 };
    const a = streamLoader(disk, options);
    const b = streamLoader(memory, options);
    for (let i = 0; i < 50; i++) expect(a.next()).toEqual(b.next());
    expect(a.evalBatches(3)).toEqual(b.evalBatches(3));
    const span = new Int32Array(200);
    disk.read(9800, span);
    expect(Array.from(span)).toEqual(ids.slice(9800));
    expect(() => { disk.read(9900, span); }).toThrow(RangeError);
    disk.close();
  });
  it('writes nothing when an id is out of range', async () => {
    const dir = tempDir();
    await expect(writeTokenFile(join(dir, 'bad.tokens'), [[1, 2, 99]], 65, HASH)).rejects.toThrow(/id 99 at position 2/);
    expect(readdirSync(dir)).toEqual([]);
  });
  it('caches a tokenized text and makes it again when the text or tokenizer changes', async () => {
    const dir = tempDir();
    const text = join(dir, 'input.txt');
    writeFileSync(text, 'ab\nba\n'.repeat(1000));
    const encode = (s: string): number[] => Array.from(s, (c) => (c === '\n' ? 2 : c.charCodeAt(0) - 97));
    const options = { textPath: text, cacheDir: join(dir, 'cache'), tokenizerHash: HASH, vocabSize: 3, encode };
    const first = await cachedTokenFile(options);
    expect(first.reused).toBe(false);
    expect(await cachedTokenFile(options)).toEqual({ path: first.path, reused: true });
    const reader = openTokenFile(first.path);
    const all = new Int32Array(reader.length);
    reader.read(0, all);
    reader.close();
    expect(Array.from(all)).toEqual(encode(readFileSync(text, 'utf8')));
    writeFileSync(text, 'abab\n');
    utimesSync(text, new Date(), new Date(Date.now() + 5000));
    expect((await cachedTokenFile(options)).reused).toBe(false);
    const other = Uint8Array.from(HASH, (b) => b ^ 1);
    expect((await cachedTokenFile({ ...options, tokenizerHash: other })).reused).toBe(false);
  });
});

describe('loaders', () => {
  const source = memoryTokenSource(ids, 65);
  it('stream: windows of blockSize + 1 inside the split, deterministic, resumable', () => {
    const loader = streamLoader(source, { blockSize: 8, batchSize: 3, seed: 1, valFraction: 0.1 });
    expect(loader.sizes).toEqual({ train: 9000, val: 1000 });
    const batch = loader.next();
    expect(batch.B).toBe(3);
    expect(batch.T).toBe(8);
    for (let b = 0; b < 3; b++) {
      const x = Array.from(batch.x.subarray(b * 8, b * 8 + 8));
      const y = Array.from(batch.y.subarray(b * 8, b * 8 + 8));
      expect(x.slice(1)).toEqual(y.slice(0, 7));
      const start = ids.findIndex((_, i) => ids.slice(i, i + 8).every((v, j) => v === x[j]) && i + 9 <= 9000);
      expect(start).toBeGreaterThanOrEqual(0);
    }
    const saved = JSON.parse(JSON.stringify(loader.state())) as unknown;
    const next = [loader.next(), loader.next()];
    const other = streamLoader(source, { blockSize: 8, batchSize: 3, seed: 99, valFraction: 0.1 });
    other.restore(saved);
    expect([other.next(), other.next()]).toEqual(next);
    // A bad saved position is a DataError, and the loader keeps its place.
    expect(() => {
      other.restore({ version: 3, words: [], index: 0, gaussNext: null });
    }).toThrow(new DataError('resume: the stream position is not a generator state (setstate: expected 624 state words, got 0)'));
    expect(() => {
      other.restore('x');
    }).toThrow(DataError);
    expect(other.next()).toEqual(loader.next());
    expect(() => streamLoader(memoryTokenSource(ids.slice(0, 50), 65), { blockSize: 8, batchSize: 1, seed: 1, valFraction: 0.1 })).toThrow(
      'data: the val split has 5 tokens, fewer than one block of 9 (blockSize 8 + 1); use more text or a smaller blockSize',
    );
  });
  it('documents: each wrapped in BOS, cropped to blockSize + 1, padded with ignored targets', () => {
    const BOS = 9;
    const text = 'ab\n\n  abc  \nabcdefghi\na\n';
    const encode = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0) - 97);
    const all = documentIds(text, encode, BOS);
    expect(all).toEqual([9, 0, 1, 9, 0, 1, 2, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 9]);
    const loader = documentLoader(memoryTokenSource(all, 10), { blockSize: 5, batchSize: 4, seed: 0, valFraction: 0, bos: BOS, pad: 'batch' });
    expect(loader.sizes).toEqual({ train: 4, val: 0 });
    const batch = loader.next();
    expect(batch.B).toBe(4);
    expect(batch.T).toBe(5);
    const rows = Array.from({ length: 4 }, (_, b) => ({ x: Array.from(batch.x.subarray(b * 5, b * 5 + 5)), y: Array.from(batch.y.subarray(b * 5, b * 5 + 5)) }));
    expect(rows).toContainEqual({ x: [9, 0, 1, 0, 0], y: [0, 1, 9, -1, -1] });
    expect(rows).toContainEqual({ x: [9, 0, 1, 2, 0], y: [0, 1, 2, 9, -1] });
    expect(rows).toContainEqual({ x: [9, 0, 1, 2, 3], y: [0, 1, 2, 3, 4] });
    expect(rows).toContainEqual({ x: [9, 0, 0, 0, 0], y: [0, 9, -1, -1, -1] });
    const block = documentLoader(memoryTokenSource(all, 10), { blockSize: 8, batchSize: 1, seed: 0, valFraction: 0, bos: BOS, pad: 'block' });
    expect(block.next().T).toBe(8);
  });
  it('documents: shuffled once by the seed, split, cycled, resumable', () => {
    const BOS = 26;
    const names = Array.from({ length: 40 }, (_, i) => String.fromCharCode(97 + (i % 26)).repeat(1 + (i % 5))).join('\n');
    const all = documentIds(names, (s) => Array.from(s, (c) => c.charCodeAt(0) - 97), BOS);
    const options = { blockSize: 8, batchSize: 3, seed: 5, valFraction: 0.25, bos: BOS };
    const loader = documentLoader(memoryTokenSource(all, 27), options);
    expect(loader.sizes).toEqual({ train: 30, val: 10 });
    const seen = Array.from({ length: 10 }, () => loader.next());
    expect(documentLoader(memoryTokenSource(all, 27), options).next()).toEqual(seen[0]);
    const eleventh = loader.next();
    expect(eleventh).toEqual(seen[0]);
    const resumed = documentLoader(memoryTokenSource(all, 27), options);
    resumed.restore(JSON.parse(JSON.stringify(loader.state())));
    expect(resumed.next()).toEqual(seen[1]);
    const evals = loader.evalBatches(10);
    expect(evals.map((b) => b.B)).toEqual([3, 3, 3, 1]);
    expect(() => documentLoader(memoryTokenSource([BOS, BOS], 27), options)).toThrow(/no documents found/);
    expect(() => { resumed.restore(99); }).toThrow(/document position 99 is outside \[0, 30\)/);
  });
});
