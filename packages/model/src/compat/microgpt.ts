// Exact reproduction of Karpathy's microgpt.py (the final gist version): the same data preparation, the same
// generator draws in the same order (shuffle, then every weight), one document a step, Adam with microgpt.py's
// hyperparameters and linear decay, float64 throughout, and samples drawn with random.choices. The losses
// match microgpt.py's to ~1e-12 and the samples are identical (see microgpt.test.ts and the fixtures, which
// were made by running microgpt.py itself).
import { type Backend, PythonRandom, resolveBackend } from '@microgpt/tensor';
import { ModelError } from '../errors';
import { sampleToken } from '../generate/sampling';
import { createSession } from '../gpt/inference';
import { estimateMemory } from '../gpt/memory-estimate';
import { type MemoryLimits, checkMemory } from '../gpt/memory-limit';
import { type GPT, disposeGPT, gptFromParameters } from '../gpt/model';
import { countParameters, initParameters } from '../gpt/params';
import { resolveConfig } from '../config';
import { DEFAULT_TRAIN } from '../train/settings';
import { type Batch, type BatchLoader, createTrainer } from '../train/trainer';

/** The settings microgpt.py has as globals. */
export interface MicrogptSettings {
  /** Seed of Python's `random`, for the initial weights, the shuffle and sampling (42). */
  readonly seed: number;
  /** Transformer blocks (1). */
  readonly nLayer: number;
  /** Embedding width (16). */
  readonly nEmbd: number;
  /** Attention heads; divides nEmbd (4). */
  readonly nHead: number;
  /** Longest context in tokens (16). */
  readonly blockSize: number;
  /** Training steps, one document each (1000). */
  readonly steps: number;
  /** Sampling temperature, > 0 (0.5). */
  readonly temperature: number;
  /** Names to sample after training, ≥ 0 (20). */
  readonly samples: number;
}

/** microgpt.py's values. */
export const MICROGPT_DEFAULTS: MicrogptSettings = Object.freeze({
  seed: 42,
  nLayer: 1,
  nEmbd: 16,
  nHead: 4,
  blockSize: 16,
  steps: 1000,
  temperature: 0.5,
  samples: 20,
});

/** What happens during a run, in order: the data summary, each step's loss, each sample. */
export interface MicrogptHooks {
  /** The number of documents (non-empty lines) after the shuffle. */
  onDocs?(count: number): void;
  /** The vocabulary size: the distinct characters and BOS. */
  onVocab?(vocabSize: number): void;
  /** The parameter count. */
  onParams?(count: number): void;
  /** After each step (1-based), with its loss. */
  onStep?(step: number, steps: number, loss: number): void;
  /** Training is over; sampling starts (called even with 0 samples, as microgpt.py prints its header). */
  onInference?(): void;
  /** Each sample (1-based index) as it is drawn. */
  onSample?(index: number, text: string): void;
}

/** Options of {@link microgptLines}. */
export interface MicrogptLineOptions {
  /** Print each loss in full (the shortest text that reads back as the same float64) instead of `:.4f`. */
  readonly fullPrecision?: boolean;
}

/**
 * Hooks that turn a run into the lines microgpt.py prints, one call of `emit` per line (microgpt.py ends step
 * lines with a carriage return and the rest with a newline; `emit` gets them without either).
 */
export function microgptLines(emit: (line: string) => void, options: MicrogptLineOptions = {}): MicrogptHooks {
  const pad = (n: number, width: number): string => String(n).padStart(width);
  return {
    onDocs: (n) => { emit(`num docs: ${n}`); },
    onVocab: (n) => { emit(`vocab size: ${n}`); },
    onParams: (n) => { emit(`num params: ${n}`); },
    onStep: (step, steps, loss) => { emit(`step ${pad(step, 4)} / ${pad(steps, 4)} | loss ${options.fullPrecision ? String(loss) : loss.toFixed(4)}`); },
    onInference: () => { emit('--- inference (new, hallucinated names) ---'); },
    onSample: (index, text) => { emit(`sample ${pad(index, 2)}: ${text}`); },
  };
}

/** A finished run. */
export interface MicrogptRun {
  /** Distinct characters plus BOS. */
  readonly vocabSize: number;
  /** Number of parameters of the model. */
  readonly params: number;
  /** Each step's training loss, in order. */
  readonly losses: number[];
  /** The sampled names, in order. */
  readonly samples: string[];
  /** Seconds of the training loop alone (microgpt.py's 1,000 steps: about 6 minutes). */
  readonly trainSeconds: number;
}

/** The characters Python's str.isspace() accepts (JS's trim() differs: it strips U+FEFF, keeps U+001C–U+001F and U+0085). */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

/**
 * microgpt.py's documents, `[line.strip() for line in open('input.txt') if line.strip()]`: lines split as
 * Python's text mode does (\n, \r\n or \r), stripped of what Python calls whitespace, empty ones dropped.
 */
export function microgptDocs(text: string): string[] {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(PY_STRIP, ''))
    .filter((line) => line.length > 0);
}

function checkSettings(s: MicrogptSettings): void {
  for (const key of ['nLayer', 'nEmbd', 'nHead', 'blockSize', 'steps'] as const) {
    if (!(Number.isSafeInteger(s[key]) && s[key] >= 1)) throw new ModelError(`microgpt: ${key} must be a positive integer, found ${s[key]}`);
  }
  if (!(Number.isSafeInteger(s.samples) && s.samples >= 0)) throw new ModelError(`microgpt: samples must be an integer ≥ 0, found ${s.samples}`);
  if (!Number.isSafeInteger(s.seed)) throw new ModelError(`microgpt: seed must be an integer, found ${s.seed}`);
  if (!(s.temperature > 0 && Number.isFinite(s.temperature))) throw new ModelError(`microgpt: temperature must be > 0, found ${s.temperature}`);
}

/**
 * Step i trains on document i mod count: [BOS, …chars, BOS] cropped to blockSize + 1 tokens. Each document is encoded
 * when it is drawn: a run of 1,000 steps reads 1,000 of names.txt's 32,033, and encoding them all up front took about
 * 50 ms of a fresh process's CPU.
 */
function documentCycle(docs: readonly string[], ids: ReadonlyMap<string, number>, BOS: number, blockSize: number): BatchLoader {
  let index = 0;
  return {
    next(): Batch {
      const tokens = [BOS, ...Array.from(docs[index % docs.length]!, (ch) => ids.get(ch)!), BOS];
      index++;
      const n = Math.min(blockSize, tokens.length - 1);
      return { x: Int32Array.from(tokens.slice(0, n)), y: Int32Array.from(tokens.slice(1, n + 1)), B: 1, T: n };
    },
    state: () => index,
    restore(state) {
      index = state as number;
    },
  };
}

/**
 * microgpt.py's vocabulary, `sorted(set(''.join(docs)))`: the distinct characters (code points; a lone surrogate
 * counts as one) of `text` in code-point order. The same as `[...new Set(text)]` sorted, in one pass over the
 * UTF-16 code units: iterating names.txt's 228k characters through a Set took about 10 ms of a fresh process.
 */
export function distinctChars(text: string): string[] {
  const seen = new Uint8Array(0x10000);
  const astral = new Set<number>();
  let end = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const next = unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    if (next >= 0xdc00 && next < 0xe000) {
      astral.add(0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00));
      i++;
    } else {
      seen[unit] = 1;
      if (unit >= end) end = unit + 1;
    }
  }
  const chars: string[] = [];
  for (let unit = 0; unit < end; unit++) if (seen[unit] === 1) chars.push(String.fromCharCode(unit));
  for (const codePoint of [...astral].sort((a, b) => a - b)) chars.push(String.fromCodePoint(codePoint));
  return chars;
}

/**
 * Runs microgpt.py on `text` (its input.txt) with `settings`, calling `hooks` as microgpt.py prints. Each step reads
 * back its loss and each sampled character its logits (asynchronously, so any backend with float64 runs it).
 * @param backend where to compute (float64 kernels); default the current backend.
 * @param limits a memory limit besides the backend's (`memoryLimit`, and how to name it in messages).
 * @throws {ModelError} (as a rejection) for bad settings (nEmbd not divisible by nHead, …) or a text without documents;
 * MemoryLimitError (a ModelError) when the run does not fit, before anything is allocated.
 */
export async function runMicrogpt(
  text: string,
  settings: Partial<MicrogptSettings> = {},
  hooks: MicrogptHooks = {},
  backend?: Backend | string,
  limits: Omit<MemoryLimits, 'backend'> = {},
): Promise<MicrogptRun> {
  const s = { ...MICROGPT_DEFAULTS, ...settings };
  checkSettings(s);
  const docs = microgptDocs(text);
  if (docs.length === 0) throw new ModelError('microgpt: the data has no documents (non-empty lines)');
  const rng = new PythonRandom(s.seed);
  rng.shuffle(docs);
  hooks.onDocs?.(docs.length);
  const uchars = distinctChars(docs.join(''));
  const BOS = uchars.length;
  const vocabSize = uchars.length + 1;
  hooks.onVocab?.(vocabSize);
  const config = resolveConfig({ vocabSize, nLayer: s.nLayer, nEmbd: s.nEmbd, nHead: s.nHead, blockSize: s.blockSize });
  const owner = resolveBackend(backend);
  const estimate = estimateMemory(config, { dtype: 'float64', initialize: true, training: { batchSize: 1, optimizer: 'adam', clip: false }, session: { sequences: 1 } });
  checkMemory(estimate, 'the microgpt.py run', { ...limits, backend: owner });
  const model: GPT = gptFromParameters(config, initParameters(config, { rng, dtype: 'float64', backend: owner }));
  const params = countParameters(config);
  hooks.onParams?.(params);
  const ids = new Map(uchars.map((ch, i) => [ch, i]));
  const trainer = createTrainer({ model, settings: { ...DEFAULT_TRAIN, steps: s.steps, seed: s.seed }, train: documentCycle(docs, ids, BOS, s.blockSize) });
  const losses: number[] = [];
  const samples: string[] = [];
  try {
    const t0 = performance.now();
    for (let step = 0; step < s.steps; step++) {
      const { loss } = await trainer.trainStep();
      losses.push(loss);
      hooks.onStep?.(step + 1, s.steps, loss);
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    hooks.onInference?.();
    const session = createSession(model, 1);
    try {
      for (let i = 0; i < s.samples; i++) {
        session.reset();
        let token = BOS;
        let sample = '';
        for (let pos = 0; pos < s.blockSize; pos++) {
          const logits = await session.feed([token], 1);
          token = sampleToken(logits, 0, vocabSize, { temperature: s.temperature }, rng);
          if (token === BOS) break;
          sample += uchars[token]!;
        }
        samples.push(sample);
        hooks.onSample?.(i + 1, sample);
      }
    } finally {
      session.dispose();
    }
    return { vocabSize, params, losses, samples, trainSeconds };
  } finally {
    trainer.dispose();
    disposeGPT(model);
  }
}
