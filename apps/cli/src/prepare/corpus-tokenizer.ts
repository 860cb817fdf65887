// The tokenizer of `data prepare --tokenizer T`: a file or name is loaded; a kind is trained, in constant
// memory: char on the set of characters of the whole corpus (a streaming pass: the same tokenizer as trained on
// all the text, since its ids are the characters in code-point order), word and BPE on the corpus's first
// `--sample-mb` MiB of whole lines (the most frequent words and merges of a large sample, as usual for large
// corpora; word maps words it never saw to <unk>, BPE falls back to bytes).
import { microgptDocs } from '@microgpt/model';
import type { Tokenizer } from '@microgpt/tokenizer';
import { BOS_TEXT, TRAINABLE, type TrainableKind, checkVocabSize, loadTokenizer, trainTokenizer } from '../tokenizers';

/** What the tokenizer is made from. */
export interface CorpusTokenizerOptions {
  /** `--tokenizer`: char, word, bpe, a file or a name. */
  readonly spec: string;
  readonly vocabSize?: number;
  /** Documents mode: lines are documents, and a trained tokenizer gets the BOS special token. */
  readonly documents: boolean;
  /** Characters of the sample word and BPE train on. */
  readonly sampleChars: number;
  /** The corpus, in pieces, read again on each call. */
  readonly pieces: () => AsyncIterable<string>;
  readonly log: (line: string) => void;
}

/** The text a trained tokenizer learns from, as `train` gives it: documents joined (char: no separator). */
function trainingText(text: string, kind: TrainableKind, documents: boolean): string {
  return documents ? microgptDocs(text).join(kind === 'char' ? '' : '\n') : text;
}

/**
 * Checks `--vocab-size` against `--tokenizer` before any text is read.
 * @throws CliError (usage) as checkVocabSize.
 */
export function checkCorpusTokenizerFlags(spec: string, vocabSize: number | undefined, documents: boolean): void {
  checkVocabSize(spec, vocabSize, documents ? 1 : 0);
}

/**
 * The tokenizer for the corpus: loaded, or trained as the file comment says.
 * @throws CliError as loadTokenizer and trainTokenizer.
 */
export async function corpusTokenizer(options: CorpusTokenizerOptions): Promise<{ tokenizer: Tokenizer; trainedOn: string | null }> {
  const { spec, documents } = options;
  if (!(TRAINABLE as readonly string[]).includes(spec)) return { tokenizer: await loadTokenizer(spec, undefined, options.log), trainedOn: null };
  const kind = spec as TrainableKind;
  const settings = { special: documents ? [BOS_TEXT] : [], ...(options.vocabSize === undefined ? {} : { vocabSize: options.vocabSize }) };
  if (kind === 'char') {
    const chars = new Set<string>();
    for await (const piece of options.pieces()) for (const ch of trainingText(piece, kind, documents)) chars.add(ch);
    return { tokenizer: trainTokenizer(kind, [...chars].join(''), settings), trainedOn: 'every character of the corpus' };
  }
  const sample: string[] = [];
  let length = 0;
  for await (const piece of options.pieces()) {
    if (length >= options.sampleChars) break;
    sample.push(piece);
    length += piece.length;
  }
  const text = sample.join('');
  return { tokenizer: trainTokenizer(kind, trainingText(text, kind, documents), settings), trainedOn: `the first ${(text.length / 2 ** 20).toFixed(1)} MiB of the corpus` };
}
