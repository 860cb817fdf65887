// Tokenizer speed on Tiny Shakespeare (or a generated English-like text of the same size when the dataset is
// absent): byte-level BPE training time at vocab 512, and GPT-2 encode MB/s for microgpt, gpt-tokenizer and
// js-tiktoken in one run, cold (a fresh tokenizer, one pass) and warm (repeated passes).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gpt2Tokenizer, trainBpe } from '@microgpt/tokenizer';
import { type Emit, type Measurement, median, progress, timeMedian } from '../harness';
import type { Suite } from './suite';

const SHAKESPEARE = new URL('../../../../../shared/datasets/tinyshakespeare.txt', import.meta.url);
/** Tiny Shakespeare's size, so the generated stand-in is measured on as many bytes. */
const SHAKESPEARE_BYTES = 1_115_394;
const VOCAB = 512;
const COLD_RUNS = 3;
const WARM = { warmup: 2, minRuns: 5, minSeconds: 1 };

type Encode = (text: string) => number[];

/** One implementation: a way to make a fresh encoder (cold) and the encoder kept for warm passes. */
interface Impl {
  readonly impl: string;
  fresh(): Encode;
}

const WORDS = (
  'the and to of I you my a that in is not with me it for be his your this but he have as thou so him will what ' +
  'thy all her do no by shall if are we or our thee on lord now good come sir let o here more well they love how ' +
  'king then from which upon than there when know man hath one would like am make say may them did yet should ' +
  'must why see such out time go up where had were too blood heart death night speak true noble father fair ' +
  'gentle brother honour hand crown france england grace sweet friends heaven tongue eyes'
).split(' ');
const NAMES = ['KING RICHARD II', 'GLOUCESTER', 'First Citizen', 'MENENIUS', 'ROMEO', 'JULIET', 'DUKE VINCENTIO', 'LADY CAPULET'];

/**
 * A deterministic English-like play script of exactly `bytes` ASCII bytes (speaker lines, verse lines,
 * punctuation): a stand-in for Tiny Shakespeare with a similar mix of short words, capitals and newlines.
 */
function generatedPlay(bytes: number): string {
  let state = 12345;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    let speech = `${pick(NAMES)}:\n`;
    const lines = 1 + Math.floor(next() * 6);
    for (let l = 0; l < lines; l++) {
      const words = Array.from({ length: 4 + Math.floor(next() * 8) }, () => pick(WORDS));
      const first = words[0]!;
      words[0] = first[0]!.toUpperCase() + first.slice(1);
      speech += `${words.join(next() < 0.15 ? ', ' : ' ')}${pick([',', '.', ';', '!', '?', ':', ''])}\n`;
    }
    speech += '\n';
    parts.push(speech);
    size += speech.length;
  }
  return parts.join('').slice(0, bytes);
}

/** Tiny Shakespeare from shared/datasets beside the repo when present, else the generated stand-in. */
function corpus(): { text: string; source: string } {
  if (existsSync(SHAKESPEARE)) return { text: readFileSync(SHAKESPEARE, 'utf8'), source: 'tinyshakespeare.txt' };
  return { text: generatedPlay(SHAKESPEARE_BYTES), source: `generated stand-in (${SHAKESPEARE_BYTES} bytes)` };
}

function row(name: string, impl: string, metric: string, value: number, unit: string): Measurement {
  return { suite: 'tokenizer', name, impl, threads: 1, metric, value, unit };
}

/** The three GPT-2 (r50k_base) encoders; the peers are loaded here so other suites do not pay for their ranks. */
async function impls(): Promise<Impl[]> {
  const require = createRequire(import.meta.url);
  const ranksText = readFileSync(require.resolve('gpt-tokenizer/data/r50k_base.tiktoken'), 'utf8');
  const gpt = await import('gpt-tokenizer/encoding/r50k_base');
  const { Tiktoken } = await import('js-tiktoken/lite');
  const { default: r50k } = await import('js-tiktoken/ranks/r50k_base');
  return [
    {
      impl: 'microgpt',
      fresh: () => {
        const tokenizer = gpt2Tokenizer(ranksText);
        return (text) => tokenizer.encode(text);
      },
    },
    {
      // gpt-tokenizer keeps one module-level merge cache: emptying it is what a fresh tokenizer means there.
      impl: 'gpt-tokenizer',
      fresh: () => {
        gpt.clearMergeCache();
        return (text) => gpt.encode(text);
      },
    },
    {
      impl: 'js-tiktoken',
      fresh: () => {
        const tiktoken = new Tiktoken(r50k);
        return (text) => tiktoken.encode(text);
      },
    },
  ];
}

/** Median seconds of one pass of a fresh encoder (made outside the timing), after one untimed pass for the JIT. */
function timeCold(impl: Impl, text: string): number {
  impl.fresh()(text);
  const times: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const encode = impl.fresh();
    const start = performance.now();
    encode(text);
    times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

function measureTraining(text: string, emit: Emit): void {
  progress(`tokenizer: training BPE (vocab ${VOCAB}, GPT-4 split pattern)…`);
  const seconds = timeMedian(() => {
    trainBpe(text, { vocabSize: VOCAB });
  }, { warmup: 1, minRuns: 3, minSeconds: 0 });
  emit(row(`train-bpe-${VOCAB}`, 'microgpt', 'seconds', seconds, 's'));
  emit(row(`train-bpe-${VOCAB}`, 'microgpt', 'bytes', new TextEncoder().encode(text).length, 'bytes'));
}

async function measureEncoding(text: string, emit: Emit): Promise<void> {
  const megabytes = new TextEncoder().encode(text).length / 1e6;
  const all = await impls();
  const reference = all[0]!.fresh()(text);
  for (const impl of all) {
    // Same ids from every implementation, or the speeds are not comparable.
    const ids = impl.fresh()(text);
    if (ids.length !== reference.length || ids.some((id, i) => id !== reference[i])) {
      throw new Error(`tokenizer bench: ${impl.impl} encodes the corpus differently from microgpt`);
    }
  }
  for (const impl of all) {
    progress(`tokenizer: encode-gpt2 ${impl.impl}…`);
    emit(row('encode-gpt2-cold', impl.impl, 'mb_per_s', megabytes / timeCold(impl, text), 'MB/s'));
    const encode = impl.fresh();
    const seconds = timeMedian(() => {
      encode(text);
    }, WARM);
    emit(row('encode-gpt2', impl.impl, 'mb_per_s', megabytes / seconds, 'MB/s'));
  }
}

export const tokenizerSuite: Suite = {
  name: 'tokenizer',
  description: `BPE training time (vocab ${VOCAB}) and GPT-2 encode MB/s, cold and warm, on Tiny Shakespeare (or a generated text of its size): microgpt, gpt-tokenizer, js-tiktoken`,
  async run(emit) {
    const { text, source } = corpus();
    progress(`tokenizer: corpus ${source}`);
    measureTraining(text, emit);
    await measureEncoding(text, emit);
  },
};
