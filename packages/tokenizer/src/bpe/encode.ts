// Ordinary byte-level BPE encoding, tiktoken's algorithm: pre-split the text (matches and the gaps between them,
// see split-chunks.ts), then per chunk merge the adjacent pair of parts whose joined bytes have the lowest rank
// (= token id) until none is a token; repeated chunks come from a cache. Bytes are handled as latin1 strings (one char per byte) so ranks are Map<string> lookups.
import { splitChunks } from '../split/split-chunks';
import { PairHeap } from './heap';

/** Rank of a byte string that is no token. */
const NONE = 0x7fffffff;
/** Chunks up to this many UTF-16 units are cached; longer ones are rare and would bloat the cache. */
const CACHEABLE = 64;
/** The cache is emptied when it reaches this many chunks, which bounds its memory. */
const CACHE_LIMIT = 1 << 16;
/** Chunks of more bytes than this merge with a heap (O(n log n)) instead of tiktoken's O(n²) scan. */
const SHORT = 128;
// Only code units below 0x80 (no u flag, so surrogates count as units ≥ 0x80 too).
const ASCII = /^[^\u0080-\uffff]*$/;

const encoder = new TextEncoder();

/** The bytes as a latin1 string, one char per byte: the key of a token in rank maps. */
export function latin1Key(bytes: Uint8Array): string {
  let key = '';
  if (bytes.length <= 32) {
    // Most tokens are short: a plain loop beats fromCharCode.apply's argument handling.
    for (const b of bytes) key += String.fromCharCode(b);
    return key;
  }
  // fromCharCode.apply takes a bounded argument list, so convert in slices.
  for (let i = 0; i < bytes.length; i += 8192) {
    key += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return key;
}

/** The UTF-8 bytes of `text` as a latin1 string (lone surrogates become U+FFFD's bytes, as TextEncoder does). */
export function utf8Latin1(text: string): string {
  return ASCII.test(text) ? text : latin1Key(encoder.encode(text));
}

/** Encodes ordinary text (no special tokens) with fixed token bytes; rank = id. */
export class OrdinaryEncoder {
  private readonly cache = new Map<string, number[]>();
  // Scratch for short chunks: part starts (plus an end sentinel), part ids, rank of joining part i and i+1.
  private readonly starts = new Int32Array(SHORT + 1);
  private readonly ids = new Int32Array(SHORT);
  private readonly ranks = new Int32Array(SHORT);

  /**
   * @param byKey token id by its bytes as a latin1 string ({@link latin1Key})
   * @param byteIds the id of each single byte (all 256 must exist)
   * @param regex the split pattern (from `compileSplitPattern`), or null for none
   */
  constructor(
    private readonly byKey: ReadonlyMap<string, number>,
    private readonly byteIds: Int32Array,
    private readonly regex: RegExp | null,
  ) {}

  /**
   * Appends the ids of `text` to `out`.
   * @throws {TokenizerError} if the split pattern matches the empty string (patterns that can are refused
   * before an encoder is made; see `splitChunks`).
   */
  encode(text: string, out: number[]): void {
    if (text === '') return;
    const ascii = ASCII.test(text);
    const { regex } = this;
    if (regex === null) {
      this.encodeChunk(text, ascii, out);
      return;
    }
    // An exec loop (in splitChunks): V8's global String#match with the u flag is about ten times slower here.
    splitChunks(regex, text, 0, 'encode', (chunk) => {
      this.encodeChunk(chunk, ascii, out);
    });
  }

  private encodeChunk(chunk: string, ascii: boolean, out: number[]): void {
    const { byKey, cache } = this;
    // An ASCII chunk is its own latin1 key: most words are one token, found without any conversion.
    if (ascii) {
      const id = byKey.get(chunk);
      if (id !== undefined) {
        out.push(id);
        return;
      }
    }
    const cacheable = chunk.length <= CACHEABLE;
    const cached = cacheable ? cache.get(chunk) : undefined;
    if (cached !== undefined) {
      for (const id of cached) out.push(id);
      return;
    }
    const start = out.length;
    this.encodeBytes(ascii ? chunk : utf8Latin1(chunk), out);
    if (cacheable) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(chunk, out.slice(start));
    }
  }

  /** Appends the ids of one chunk's bytes (a latin1 string). */
  encodeBytes(key: string, out: number[]): void {
    const whole = this.byKey.get(key);
    if (whole !== undefined) out.push(whole);
    else if (key.length <= SHORT) this.mergeShort(key, out);
    else this.mergeLong(key, out);
  }

  private rank(key: string, from: number, to: number): number {
    return this.byKey.get(key.slice(from, to)) ?? NONE;
  }

  // tiktoken's scan: find the lowest rank (leftmost on ties), join, update the two neighbouring ranks.
  private mergeShort(key: string, out: number[]): void {
    const { starts, ids, ranks, byteIds } = this;
    const n = key.length;
    for (let i = 0; i < n; i++) {
      starts[i] = i;
      ids[i] = byteIds[key.charCodeAt(i)]!;
      ranks[i] = i + 1 < n ? this.rank(key, i, i + 2) : NONE;
    }
    starts[n] = n;
    let m = n; // parts
    for (;;) {
      let best = NONE;
      let at = -1;
      for (let i = 0; i < m - 1; i++) {
        const r = ranks[i]!;
        if (r < best) {
          best = r;
          at = i;
        }
      }
      if (at < 0) break;
      ids[at] = best;
      // Drop part at+1 by shifting the later parts left (chunks are short: this is cheaper than a list).
      for (let i = at + 1; i < m - 1; i++) {
        starts[i] = starts[i + 1]!;
        ids[i] = ids[i + 1]!;
        ranks[i] = ranks[i + 1]!;
      }
      starts[m - 1] = n;
      m--;
      ranks[at] = at < m - 1 ? this.rank(key, starts[at]!, starts[at + 2]!) : NONE;
      if (at > 0) ranks[at - 1] = this.rank(key, starts[at - 1]!, starts[at + 1]!);
    }
    for (let i = 0; i < m; i++) out.push(ids[i]!);
  }

  // The same merges in the same order for long chunks (a text without pre-split is one chunk): parts form a
  // linked list by byte position, candidate joins wait in a heap by (rank, position), stale ones are skipped.
  private mergeLong(key: string, out: number[]): void {
    const n = key.length;
    const next = new Int32Array(n + 1);
    const prev = new Int32Array(n);
    const ids = new Int32Array(n);
    const ranks = new Int32Array(n);
    const heap = new PairHeap();
    for (let p = 0; p < n; p++) {
      next[p] = p + 1;
      prev[p] = p - 1;
      ids[p] = this.byteIds[key.charCodeAt(p)]!;
      const r = p + 1 < n ? this.rank(key, p, p + 2) : NONE;
      ranks[p] = r;
      if (r !== NONE) heap.push(r, p, p);
    }
    next[n] = n;
    while (heap.pop()) {
      const p = heap.value;
      const r = heap.key;
      // A part's rank only changes to that of a longer byte string, which is another token or none, so an
      // entry is current exactly when its rank still matches (dead parts have rank NONE).
      if (ranks[p] !== r) continue;
      const q = next[p]!;
      ids[p] = r;
      ranks[q] = NONE;
      const after = next[q]!;
      next[p] = after;
      if (after < n) prev[after] = p;
      const own = after < n ? this.rank(key, p, next[after]!) : NONE;
      ranks[p] = own;
      if (own !== NONE) heap.push(own, p, p);
      const before = prev[p]!;
      if (before >= 0) {
        const left = this.rank(key, before, after);
        ranks[before] = left;
        if (left !== NONE) heap.push(left, before, before);
      }
    }
    for (let p = 0; p < n; p = next[p]!) out.push(ids[p]!);
  }
}
