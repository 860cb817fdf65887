// `microgpt data prepare`: a corpus of any size → a token file for `train --data`, in one streaming pass (two
// when a tokenizer is trained first), with the held-out ids in a second file and the tokenizer beside them.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@microgpt/model/node';
import type { Command } from 'commander';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import { usageError } from '../errors';
import { collect, integerAtLeast, numberIn } from '../options';
import { preparedPaths } from '../prepared-data';
import { checkCorpusTokenizerFlags, corpusTokenizer } from '../prepare/corpus-tokenizer';
import { corpusFiles, corpusPieces } from '../prepare/inputs';
import { createRateLine } from '../prepare/rate-line';
import { writeCorpus } from '../prepare/write-corpus';
import { bosOf } from '../train/setup';

interface PrepareFlags {
  readonly input: string[];
  readonly tokenizer: string;
  readonly out: string;
  readonly vocabSize?: number;
  readonly valFraction: number;
  readonly documents?: boolean;
  readonly sampleMb: number;
}

/** Adds `data prepare` to the `data` command. */
export function registerDataPrepare(parent: Command): void {
  const command = parent
    .command('prepare')
    .description('tokenize a corpus of any size into a token file for `train --data` (streaming, constant memory)')
    .option('--input <file|dir|->', 'a text file, a folder of them (recursively, in name order) or - for standard input; repeat for more', collect, [])
    .requiredOption('--tokenizer <kind|file|name>', 'char, word, bpe (trained on the corpus), a tokenizer file, or gpt2, cl100k_base, o200k_base')
    .requiredOption('--out <file>', 'the token file of training ids (e.g. data.bin); DATA.val.bin and DATA.tokenizer.json go beside it')
    .option('--vocab-size <n>', 'vocabulary size of a trained word or bpe tokenizer', integerAtLeast(1))
    .option('--val-fraction <x>', 'share of the ids held out in DATA.val.bin: the last ones, as nanoGPT (0: none)', numberIn(0, 1, { min: false, max: true }), 0.1)
    .option('--documents', 'one document a line, each wrapped in BOS (for documents presets such as names)')
    .option('--sample-mb <n>', 'MiB of text (the first) that a word or bpe tokenizer trains on', integerAtLeast(1), 32);
  withOutputFlags(command, 'print {"out":…,"tokens":…,"val_out":…,"val_tokens":…,"tokenizer":…,"bytes":…,"seconds":…,"mb_per_s":…}');
  command.addHelpText(
    'after',
    examples(
      'microgpt data prepare --input shakespeare.txt --tokenizer char --out data/shakespeare.bin',
      'microgpt data prepare --input books/ --tokenizer bpe --vocab-size 4096 --out data/books.bin',
      'cat *.txt | microgpt data prepare --input - --tokenizer gpt2 --out data/web.bin --val-fraction 0.005',
      'microgpt train --data data/shakespeare.bin --preset shakespeare-cpu',
    ),
  );
  command.action(async (flags: PrepareFlags) => {
    const out = outputOf(command);
    const log = (line: string): void => {
      out.note(line);
    };
    if (flags.input.length === 0) throw usageError('data prepare needs --input', 'give --input FILE, --input DIR or --input - (standard input)');
    checkCorpusTokenizerFlags(flags.tokenizer, flags.vocabSize, flags.documents === true);
    if (!flags.out.endsWith('.bin')) throw usageError(`--out ${flags.out}: expected a file name ending in .bin`, 'e.g. --out data/corpus.bin (the held-out ids go to data/corpus.val.bin)');
    await mkdir(dirname(flags.out), { recursive: true });
    const stdinCopy = `${flags.out}.stdin.tmp`;
    const corpus = await corpusFiles(flags.input, stdinCopy);
    try {
      const pieces = (onBytes: (n: number) => void): AsyncIterable<string> => corpusPieces(corpus, onBytes, stdinCopy);
      const { tokenizer, trainedOn } = await corpusTokenizer({
        spec: flags.tokenizer,
        ...(flags.vocabSize === undefined ? {} : { vocabSize: flags.vocabSize }),
        documents: flags.documents === true,
        sampleChars: flags.sampleMb * 2 ** 20,
        pieces: () => pieces(() => undefined),
        log,
      });
      if (trainedOn !== null) out.note(`trained a ${tokenizer.kind} tokenizer of ${tokenizer.vocabSize} ids on ${trainedOn}`);
      const bos = flags.documents ? bosOf(tokenizer, `--tokenizer ${flags.tokenizer}`) : null;
      const rate = createRateLine(out, 'tokenizing', corpus.bytes);
      const written = await writeCorpus({ pieces: pieces((n) => {
          rate.add(n);
        }), tokenizer, bos, out: flags.out, valFraction: flags.valFraction });
      const { seconds, mbPerSecond } = rate.finish();
      const tokenizerPath = preparedPaths(flags.out).tokenizer;
      await writeFileAtomic(tokenizerPath, `${JSON.stringify(tokenizer.toJSON())}\n`);
      const count = (n: number): string => n.toLocaleString('en-US');
      out.result(
        [
          `${flags.out}: ${count(written.train.count)} tokens`,
          written.val ? `${written.val.path}: ${count(written.val.count)} held-out tokens` : 'no held-out file (--val-fraction 0, or too little text)',
          `${tokenizerPath}: the ${tokenizer.kind} tokenizer (${count(tokenizer.vocabSize)} ids)`,
          `${count(corpus.bytes)} bytes in ${seconds.toFixed(1)} s (${mbPerSecond.toFixed(1)} MB/s)`,
        ].join('\n'),
      );
      out.record({ out: flags.out, tokens: written.train.count, val_out: written.val?.path ?? null, val_tokens: written.val?.count ?? 0, tokenizer: tokenizerPath, vocab_size: tokenizer.vocabSize, bytes: corpus.bytes, seconds, mb_per_s: mbPerSecond });
    } finally {
      await corpus.cleanup();
    }
  });
}
