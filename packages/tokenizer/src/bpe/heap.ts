// A binary min-heap of (key, tie, value) number triples in flat arrays, for BPE training (most frequent pair)
// and encoding of long chunks (lowest rank). No objects per entry: both push millions of entries.

/** A min-heap ordered by `key`, then `tie` (both ascending); entries carry a numeric `value`. */
export class PairHeap {
  private keys: number[] = [];
  private ties: number[] = [];
  private values: number[] = [];
  /** Key, tie and value of the entry the last {@link pop} removed. */
  key = 0;
  tie = 0;
  value = 0;

  /** Number of entries. */
  get size(): number {
    return this.keys.length;
  }

  /** Adds an entry. */
  push(key: number, tie: number, value: number): void {
    const { keys, ties, values } = this;
    let i = keys.length;
    keys.push(key);
    ties.push(tie);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent]!;
      if (pk < key || (pk === key && ties[parent]! <= tie)) break;
      keys[i] = pk;
      ties[i] = ties[parent]!;
      values[i] = values[parent]!;
      i = parent;
    }
    keys[i] = key;
    ties[i] = tie;
    values[i] = value;
  }

  /** Removes the smallest entry into `key`, `tie`, `value`; false when the heap is empty. */
  pop(): boolean {
    const { keys, ties, values } = this;
    const n = keys.length - 1;
    if (n < 0) return false;
    this.key = keys[0]!;
    this.tie = ties[0]!;
    this.value = values[0]!;
    const key = keys[n]!;
    const tie = ties[n]!;
    const value = values[n]!;
    keys.length = n;
    ties.length = n;
    values.length = n;
    if (n === 0) return true;
    // Sift the former last entry down from the root.
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && (keys[right]! < keys[child]! || (keys[right] === keys[child] && ties[right]! < ties[child]!))) {
        child = right;
      }
      const ck = keys[child]!;
      if (key < ck || (key === ck && tie <= ties[child]!)) break;
      keys[i] = ck;
      ties[i] = ties[child]!;
      values[i] = values[child]!;
      i = child;
    }
    keys[i] = key;
    ties[i] = tie;
    values[i] = value;
    return true;
  }
}
