// Incremental BPE merge learning over distinct chunks with frequencies: pair counts, per-pair occurrence lists
// and a lazy max-heap, updated only around each merge. Picks exactly minbpe's merges (see learnMerges).
import { PairHeap } from './heap';

const encoder = new TextEncoder();

/** UTF-8 length of `text` as TextEncoder writes it (a lone surrogate becomes the 3 bytes of U+FFFD). */
function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) length += 1;
    else if (c < 0x800) length += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      length += 4;
      i++;
    } else length += 3;
  }
  return length;
}

/**
 * Learns up to `numMerges` merges (fewer when no pair is left) from chunk frequencies; merge i makes token
 * 256 + i. Each step takes the pair occurring most often (counting overlaps, as adjacent positions) and, among
 * equal counts, the one whose first occurrence comes first when the chunks are laid out in order of first
 * appearance: exactly the pair Python's `max` picks from minbpe's insertion-ordered `get_stats` dict.
 *
 * Why occurrences can be tracked by fixed positions: every chunk is laid out once in one array; a symbol keeps
 * the byte position where it starts, so merging never reorders positions. A pair of existing tokens never gains
 * occurrences (a merge only creates pairs containing the new token), so its count and first position only get
 * worse; a heap entry is therefore current exactly when its count still matches, and stale ones are re-pushed.
 */
export function learnMerges(chunks: ReadonlyMap<string, number>, numMerges: number): [number, number][] {
  let total = 0;
  for (const chunk of chunks.keys()) {
    const length = utf8Length(chunk);
    if (length >= 2) total += length; // a one-byte chunk has no pair
  }
  // Per byte position: symbol id (-1 once merged into its left neighbour), linked list, chunk frequency.
  const sym = new Int32Array(total);
  const next = new Int32Array(total);
  const prev = new Int32Array(total);
  const weight = new Float64Array(total);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const [chunk, freq] of chunks) {
    const length = utf8Length(chunk);
    if (length < 2) continue;
    encoder.encodeInto(chunk, bytes.subarray(at, at + length));
    for (let k = 0; k < length; k++) {
      const p = at + k;
      sym[p] = bytes[p]!;
      next[p] = k + 1 < length ? p + 1 : -1;
      prev[p] = k > 0 ? p - 1 : -1;
      weight[p] = freq;
    }
    at += length;
  }

  // Pairs by id: their tokens, count, positions of their left symbols (ascending) and the first maybe-valid one.
  const base = 256 + numMerges;
  const index = new Map<number, number>();
  const left: number[] = [];
  const right: number[] = [];
  const count: number[] = [];
  const where: number[][] = [];
  const head: number[] = [];
  const none: number[] = [];
  const pairId = (a: number, b: number): number => {
    let id = index.get(a * base + b);
    if (id === undefined) {
      id = left.length;
      index.set(a * base + b, id);
      left.push(a);
      right.push(b);
      count.push(0);
      where.push([]);
      head.push(0);
    }
    return id;
  };
  const isAt = (p: number, a: number, b: number): boolean => sym[p] === a && next[p]! >= 0 && sym[next[p]!] === b;
  const drop = (a: number, b: number, w: number): void => {
    const id = index.get(a * base + b)!;
    count[id] = count[id]! - w;
    if (count[id] === 0) {
      where[id] = none;
      index.delete(a * base + b);
    }
  };
  const add = (a: number, b: number, p: number, w: number): void => {
    const id = pairId(a, b);
    count[id] = count[id]! + w;
    where[id]!.push(p);
  };

  for (let p = 0; p < total; p++) if (next[p]! >= 0) add(sym[p]!, sym[p + 1]!, p, weight[p]!);
  const heap = new PairHeap();
  // Key −count: the heap is a min-heap; ties go to the smaller first position.
  for (let id = 0; id < left.length; id++) heap.push(-count[id]!, where[id]![0]!, id);

  const merges: [number, number][] = [];
  while (merges.length < numMerges && heap.pop()) {
    const id = heap.value;
    const a = left[id]!;
    const b = right[id]!;
    const current = count[id]!;
    if (current !== -heap.key) {
      if (current > 0) {
        const list = where[id]!;
        let k = head[id]!;
        while (!isAt(list[k]!, a, b)) k++;
        head[id] = k;
        heap.push(-current, list[k]!, id);
      }
      continue;
    }
    const made = 256 + merges.length;
    merges.push([a, b]);
    // Merge left to right (positions ascend), so overlapping occurrences (a a a) go as minbpe's merge().
    const list = where[id]!;
    const sites: number[] = [];
    for (let k = head[id]!; k < list.length; k++) {
      const p = list[k]!;
      if (!isAt(p, a, b)) continue;
      const q = next[p]!;
      const w = weight[p]!;
      const before = prev[p]!;
      // A left neighbour made in this step was the b of an earlier site: that pair was dropped there.
      if (before >= 0 && sym[before] !== made) drop(sym[before]!, a, w);
      const after = next[q]!;
      if (after >= 0) drop(b, sym[after]!, w);
      sym[p] = made;
      sym[q] = -1;
      next[p] = after;
      if (after >= 0) prev[after] = p;
      sites.push(p);
    }
    count[id] = 0;
    where[id] = none;
    index.delete(a * base + b);
    // The new token's pairs, each adjacency once ((made, made) only from its left side), in position order.
    const firstNew = left.length;
    for (const p of sites) {
      const w = weight[p]!;
      const before = prev[p]!;
      if (before >= 0) add(sym[before]!, made, before, w);
      const after = next[p]!;
      if (after >= 0 && sym[after] !== made) add(made, sym[after]!, p, w);
    }
    for (let fresh = firstNew; fresh < left.length; fresh++) heap.push(-count[fresh]!, where[fresh]![0]!, fresh);
  }
  return merges;
}
