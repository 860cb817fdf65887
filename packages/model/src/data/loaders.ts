// Batches for the trainer from a TokenSource, deterministic and resumable, in the two ways small GPTs are
// trained: `streamLoader` cuts random windows of blockSize + 1 from one long text (nanoGPT's get_batch);
// `documentLoader` takes whole documents wrapped in BOS … BOS, one sequence each (microgpt.py), padded with
// ignored targets. Both hold out a validation split and save their position as plain JSON.
import { PythonRandom, type PythonRandomState } from '@microgpt/tensor';
import type { Batch, BatchLoader } from '../train/trainer';
import { DataError } from './errors';
import type { TokenSource } from './source';

/** Which part of the data. */
export type Split = 'train' | 'val';

/** Options shared by both loaders. */
export interface LoaderOptions {
  /** The model's context length: a batch holds sequences of at most blockSize inputs (blockSize + 1 tokens with the targets). */
  readonly blockSize: number;
  /** Sequences per batch. */
  readonly batchSize: number;
  /** Seed of the batch order (random windows, document shuffle). */
  readonly seed: number;
  /** Share held out for validation (nanoGPT: the last 10% of the tokens); 0 = none. */
  readonly valFraction: number;
  /**
   * Where validation starts, when the data comes already split (a prepared token file and its `.val` file, joined
   * with `concatTokenSources`): ids before it train, ids from it on validate, and valFraction is not used.
   */
  readonly valStart?: number;
}

/** A loader with its split's size and fixed evaluation batches. */
export interface SplitLoader extends BatchLoader {
  /** Tokens (stream) or documents (documents) in the train and val splits. */
  readonly sizes: {
    /** Tokens or documents that training batches come from. */
    readonly train: number;
    /** Tokens or documents held out (0 without a validation split). */
    readonly val: number;
  };
  /**
   * Fixed held-out batches for evaluation, the same every call: `count` batches of random windows from a
   * generator seeded apart from training (stream, as nanoGPT's estimate_loss), or the first `count` batches
   * of validation documents (documents). Empty without a validation split.
   */
  evalBatches(count: number): Batch[];
}

function checkOptions(o: LoaderOptions): void {
  for (const key of ['blockSize', 'batchSize'] as const) {
    if (!(Number.isSafeInteger(o[key]) && o[key] >= 1)) throw new DataError(`loader: ${key} must be a positive integer, found ${o[key]}`);
  }
  if (!(o.valFraction >= 0 && o.valFraction < 1)) throw new DataError(`loader: valFraction must be in [0, 1), found ${o.valFraction}`);
}

/** Whether the loader holds out validation data: a given split point with ids after it, or a fraction. */
function hasVal(o: LoaderOptions, length: number): boolean {
  return o.valStart === undefined ? o.valFraction > 0 : o.valStart < length;
}

/** The first validation id: `valStart` when given (checked), else after the first 1 − valFraction of the ids. */
function streamValStart(o: LoaderOptions, length: number): number {
  if (o.valStart === undefined) return Math.floor(length * (1 - o.valFraction));
  if (!(Number.isSafeInteger(o.valStart) && o.valStart >= 0 && o.valStart <= length)) throw new DataError(`loader: valStart must be an integer in [0, ${length}], found ${o.valStart}`);
  return o.valStart;
}

/**
 * nanoGPT's batches: B random windows of blockSize + 1 tokens from the train split (the first 1 − valFraction
 * of the tokens); x is each window's first T tokens, y the next T.
 * @throws {DataError} when a split has no room for one window (saying how many tokens it has and needs).
 */
export function streamLoader(source: TokenSource, options: LoaderOptions): SplitLoader {
  checkOptions(options);
  const { blockSize: T, batchSize: B } = options;
  const trainEnd = streamValStart(options, source.length);
  const withVal = hasVal(options, source.length);
  const splits = { train: [0, trainEnd], val: [trainEnd, source.length] } as const;
  const need = T + 1;
  for (const split of withVal ? (['train', 'val'] as const) : (['train'] as const)) {
    const [start, end] = splits[split];
    if (end - start < need) {
      throw new DataError(`data: the ${split} split has ${end - start} tokens, fewer than one block of ${need} (blockSize ${T} + 1); use more text or a smaller blockSize`);
    }
  }
  const window = new Int32Array(need);
  const draw = (rng: PythonRandom, split: Split): Batch => {
    const [start, end] = splits[split];
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      source.read(start + rng.randbelow(end - start - T), window);
      x.set(window.subarray(0, T), b * T);
      y.set(window.subarray(1), b * T);
    }
    return { x, y, B, T };
  };
  let rng = new PythonRandom(options.seed);
  return {
    sizes: { train: trainEnd, val: source.length - trainEnd },
    next: () => draw(rng, 'train'),
    state: () => rng.getstate(),
    restore(state) {
      const restored = new PythonRandom(0);
      try {
        restored.setstate(state as PythonRandomState);
      } catch (error) {
        throw new DataError(`resume: the stream position is not a generator state (${error instanceof Error ? error.message : String(error)})`);
      }
      rng = restored;
    },
    evalBatches(count) {
      if (!withVal) return [];
      const evalRng = new PythonRandom(options.seed + 1_000_003);
      return Array.from({ length: count }, () => draw(evalRng, 'val'));
    },
  };
}

/** Options of {@link documentLoader}. */
export interface DocumentLoaderOptions extends LoaderOptions {
  /** The id that separates and wraps documents. */
  readonly bos: number;
  /** Pad each batch to its longest sequence (`batch`, fewer wasted rows) or always to blockSize (`block`). */
  readonly pad?: 'batch' | 'block';
}

/**
 * Starts of the documents in a source laid out as BOS d1 BOS d2 BOS … dn BOS (each document wrapped in BOS,
 * neighbours sharing one), read in windows: one number per document in memory.
 */
function indexDocuments(source: TokenSource, bos: number): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  const chunk = new Int32Array(Math.min(source.length, 1 << 16));
  let open = -1;
  for (let at = 0; at < source.length; at += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, source.length - at));
    source.read(at, part);
    for (let i = 0; i < part.length; i++) {
      if (part[i] !== bos) continue;
      const position = at + i;
      if (open >= 0 && position > open + 1) {
        starts.push(open);
        ends.push(position + 1);
      }
      open = position;
    }
  }
  return { starts, ends };
}

/**
 * microgpt.py's batches: each sequence is one document [BOS, …, BOS] cropped to blockSize + 1 tokens; B
 * documents a step, in an order shuffled once by the seed; the last valFraction of the shuffled documents is
 * held out (with `valStart`: the documents that start at or after it, in file order). Padding positions have input 0 and target -1 (ignored by the loss).
 * @throws {DataError} when there is no document, or none left for a split.
 */
export function documentLoader(source: TokenSource, options: DocumentLoaderOptions): SplitLoader {
  checkOptions(options);
  const { blockSize, batchSize: B, bos, pad = 'batch' } = options;
  const { starts, ends } = indexDocuments(source, bos);
  if (starts.length === 0) throw new DataError(`data: no documents found (a document is text between two BOS tokens, id ${bos})`);
  const valStart = options.valStart === undefined ? null : streamValStart(options, source.length);
  const order = starts.map((_, i) => i).filter((i) => valStart === null || starts[i]! < valStart);
  new PythonRandom(options.seed).shuffle(order);
  const nVal = valStart === null ? Math.floor(order.length * options.valFraction) : 0;
  const train = order.slice(0, order.length - nVal);
  const val = valStart === null ? order.slice(order.length - nVal) : starts.map((_, i) => i).filter((i) => starts[i]! >= valStart);
  if (train.length === 0) throw new DataError(`data: all ${order.length} documents went to validation; lower valFraction`);
  const batchOf = (docs: readonly number[]): Batch => {
    const seqs = docs.map((d) => {
      const tokens = new Int32Array(Math.min(ends[d]! - starts[d]!, blockSize + 1));
      source.read(starts[d]!, tokens);
      return tokens;
    });
    const T = pad === 'block' ? blockSize : Math.max(...seqs.map((s) => s.length - 1));
    const x = new Int32Array(docs.length * T);
    const y = new Int32Array(docs.length * T).fill(-1);
    seqs.forEach((s, b) => {
      x.set(s.subarray(0, s.length - 1), b * T);
      y.set(s.subarray(1), b * T);
    });
    return { x, y, B: docs.length, T };
  };
  let cursor = 0;
  return {
    sizes: { train: train.length, val: val.length },
    next() {
      const docs = Array.from({ length: B }, (_, i) => train[(cursor + i) % train.length]!);
      cursor = (cursor + B) % train.length;
      return batchOf(docs);
    },
    state: () => cursor,
    restore(state) {
      if (!(typeof state === 'number' && Number.isSafeInteger(state) && state >= 0 && state < train.length)) {
        throw new DataError(`resume: the document position ${JSON.stringify(state)} is outside [0, ${train.length})`);
      }
      cursor = state;
    },
    evalBatches(count) {
      const batches: Batch[] = [];
      for (let i = 0; i < val.length && batches.length < count; i += B) batches.push(batchOf(val.slice(i, i + B)));
      return batches;
    },
  };
}
