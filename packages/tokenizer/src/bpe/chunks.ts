// Counts the distinct pre-split chunks of a training text, fed whole or as a stream of pieces: BPE training only
// needs each distinct chunk once with its frequency (in order of first appearance, which decides ties).
// Special tokens' texts are cut out and end a segment, so no chunk (and no merge) spans one. Chunks are the
// pattern's matches and the gaps between them (split-chunks.ts), as encoding splits, so no text is left out.
import { splitChunks } from '../split/split-chunks';

/**
 * A match is final once it ends this many UTF-16 units before the end of what has arrived: the built-in
 * patterns look at most 3 characters past a match (`'ll`, `\s+(?!\S)`), and anything that could still grow
 * reaches the end. Custom patterns that look further ahead may split differently at stream piece boundaries.
 */
const HOLDBACK = 64;
/** Finished text kept before the pending text so lookbehinds in custom patterns still see it. */
const CONTEXT = 64;

/** Counts chunk frequencies; `counts` keeps insertion (first appearance) order. */
export class ChunkCounter {
  /** Chunk text → number of occurrences, in order of first appearance. */
  readonly counts = new Map<string, number>();
  private readonly maxSpecial: number;
  private pending = '';
  private context = '';

  /**
   * @param regex the split pattern (from `compileSplitPattern`), or null: each segment is one chunk
   * @param specials special token texts, cut out of the text
   * @param where the caller, for the error of a pattern that matches the empty string (see `splitChunks`)
   */
  constructor(
    private readonly regex: RegExp | null,
    private readonly specials: readonly string[],
    private readonly where: string,
  ) {
    this.maxSpecial = Math.max(0, ...specials.map((s) => s.length));
  }

  /** Counts a whole text (equivalent to {@link push} then {@link finish}, but without holding anything back). */
  addText(text: string): void {
    this.push(text);
    this.finish();
  }

  /** Adds the next piece of a stream; pieces may split characters, chunks and special tokens anywhere. */
  push(piece: string): void {
    // Specials are searched for only where one could newly appear, so a long pending text (no pattern) is not
    // searched again for every piece.
    let from = Math.max(0, this.pending.length - this.maxSpecial + 1);
    this.pending += piece;
    for (;;) {
      const [at, length] = this.findSpecial(this.pending, from);
      if (at < 0) break;
      from = 0;
      this.scan(this.pending.slice(0, at), true);
      this.pending = this.pending.slice(at + length);
      this.context = '';
    }
    // The last maxSpecial − 1 units may be the start of a special token: nothing there is final yet.
    const safe = this.pending.length - Math.max(0, this.maxSpecial - 1);
    if (this.regex !== null && safe > HOLDBACK) this.scan(this.pending, false, safe - HOLDBACK);
  }

  /** Ends the stream: everything pending is counted. */
  finish(): void {
    this.scan(this.pending, true);
    this.pending = '';
    this.context = '';
  }

  private count(chunk: string): void {
    this.counts.set(chunk, (this.counts.get(chunk) ?? 0) + 1);
  }

  // Leftmost special token in `text`, the longest one at that index: [index, length], or [-1, 0].
  private findSpecial(text: string, from: number): [number, number] {
    let at = -1;
    let length = 0;
    for (const special of this.specials) {
      const i = text.indexOf(special, from);
      if (i >= 0 && (at < 0 || i < at || (i === at && special.length > length))) {
        at = i;
        length = special.length;
      }
    }
    return [at, length];
  }

  /**
   * Counts the chunks of `text` (the start of the pending text). With `end` the text is a whole segment;
   * otherwise only matches ending by `limit` (and the gaps before them) count, and the rest stays pending.
   */
  private scan(text: string, end: boolean, limit = text.length): void {
    const regex = this.regex;
    if (regex === null) {
      if (!end) return;
      if (text !== '') this.count(text);
      return;
    }
    const buffer = this.context + text;
    const offset = this.context.length;
    const visit = (chunk: string): void => {
      this.count(chunk);
    };
    const done = splitChunks(regex, buffer, offset, this.where, visit, end ? undefined : offset + limit);
    if (end) return;
    this.context = buffer.slice(Math.max(0, done - CONTEXT), done);
    this.pending = buffer.slice(done);
  }
}
