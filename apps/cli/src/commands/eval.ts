// `microgpt eval`: the loss and perplexity of a checkpoint on data, held-out or training split, split the way
// the run split it (same seed and fraction), so `--split val` is data the model never trained on; or, with
// --input FILE, the loss over all of FILE's tokens in consecutive context windows, which any other
// implementation can recompute.
import { type Batch, DEFAULT_TRAIN, createTrainer, documentIds, documentLoader, memoryTokenSource, streamLoader, windowLoss } from '@microgpt/model';
import { Option, type Command } from 'commander';
import { openCheckpoint } from '../checkpoints';
import { type BackendChoice, startCompute } from '../compute';
import { examples, outputOf, withBackendFlags, withOutputFlags } from '../command-kit';
import { readData } from '../datasets';
import { isTokenFile, openPreparedData, preparedPaths } from '../prepared-data';
import { runtimeError, usageError } from '../errors';
import { ensureFits } from '../memory';
import { integerAtLeast } from '../options';
import { type ProfileFlag, withProfile, withProfileFlag } from '../profile';
import { readTextFile } from '../text-file';
import type { OpenCheckpoint } from '../checkpoints';
import type { Output } from '../output';

interface EvalFlags {
  readonly ckpt: string;
  readonly data?: string;
  readonly input?: string;
  readonly split: 'train' | 'val';
  readonly batches?: number;
  readonly backend: BackendChoice;
  readonly threads: number;
}

/** Adds `eval` to `program`. */
export function registerEval(program: Command): void {
  const command = program
    .command('eval')
    .description('loss and perplexity of a checkpoint on data')
    .requiredOption('--ckpt <dir>', 'checkpoint folder')
    .option('--data <src>', 'a text file, a token file from `data prepare`, `names` or `shakespeare` (default: what the checkpoint was trained on)')
    .addOption(new Option('--split <split>', 'which part of the data').choices(['train', 'val']).default('val'))
    .option('--batches <n>', 'batches to average (default: the run’s evaluation batches)', integerAtLeast(1))
    .option('--input <file>', 'instead: the mean next-token loss over all of this text file’s tokens, read in consecutive windows of the context size (window i covers tokens [i·T, i·T + T], the last one shorter)');
  withProfileFlag(withBackendFlags(withOutputFlags(command, 'print {"split":…,"loss":…,"perplexity":…,"tokens":…} ({"input":…,"loss":…,"tokens":…,"windows":…,"contextSize":…} with --input)')));
  command.addHelpText(
    'after',
    examples('microgpt eval --ckpt runs/names --data names', 'microgpt eval --ckpt runs/shakespeare-cpu --data shakespeare --split train --json', 'microgpt eval --ckpt hf/gpt2-folder --input test.txt --json'),
  );
  command.action(async (flags: EvalFlags & ProfileFlag) => {
    const out = outputOf(command);
    await withProfile(flags.profile, 'microgpt eval', out, async () => {
      if (flags.input !== undefined) {
        const given = ['data', 'split', 'batches'].filter((name) => command.getOptionValueSource(name) === 'cli');
        if (given.length > 0) throw usageError(`--input evaluates a whole file; it does not take --${given.join(', --')}`, 'drop those flags, or drop --input');
      }
      const backend = await startCompute(flags.backend, flags.threads, out.note);
      const checkpoint = await openCheckpoint(flags.ckpt, backend);
      if (flags.input !== undefined) {
        await evalInput(checkpoint, flags.ckpt, flags.input, out);
        return;
      }
      const { model, tokenizer, bos, settings: saved, data } = checkpoint;
      const source = flags.data ?? data;
      if (source === undefined) throw usageError(`${flags.ckpt} does not say which data it was trained on`, 'give --data SRC');
      const settings = { ...DEFAULT_TRAIN, valFraction: 0.1, batchSize: 8, ...(saved ?? {}), data: bos === null ? ('stream' as const) : ('documents' as const) };
      const tokenFile = await isTokenFile(source);
      if (flags.split === 'val' && settings.valFraction === 0 && !tokenFile) throw usageError(`${flags.ckpt} was trained without held-out data (valFraction 0), so there is no val split`, 'use --split train');
      const count = flags.batches ?? settings.evalBatches;
      // The trainer plans a training step too (createTrainer), though eval only runs forward passes.
      const work = { dtype: model.dtype, training: { batchSize: settings.batchSize, optimizer: null, clip: false }, evaluation: { batchSize: settings.batchSize, batches: count } };
      ensureFits(model.config, work, 'this evaluation', backend, (part) => (part === 'scratch' ? 'lower --batches' : "the checkpoint's batch size and context need more memory than there is"));
      const log = (line: string): void => {
        out.note(line);
      };
      // A prepared token file is read in windows from disk, split where its .val.bin file starts.
      const prepared = tokenFile ? await openPreparedData(source, tokenizer, undefined, log) : null;
      const encode = (piece: string): number[] => tokenizer.encode(piece);
      const text = prepared ? '' : (await readData(source, log)).text;
      const ids = prepared ? prepared.source : memoryTokenSource(bos === null ? encode(text) : documentIds(text, encode, bos), tokenizer.vocabSize);
      const options = { blockSize: model.config.blockSize, batchSize: settings.batchSize, seed: settings.seed, valFraction: settings.valFraction, ...(prepared ? { valStart: prepared.valStart } : {}) };
      if (prepared && flags.split === 'val' && prepared.valStart === ids.length) throw usageError(`${source} has no held-out ids (no ${preparedPaths(source).val} beside it)`, 'use --split train, or prepare the data with --val-fraction above 0');
      const loader = bos === null ? streamLoader(ids, options) : documentLoader(ids, { ...options, bos });
      const batches: Batch[] = flags.split === 'val' ? loader.evalBatches(count) : Array.from({ length: count }, () => loader.next());
      const tokens = batches.reduce((sum, b) => sum + b.y.reduce((n, y) => n + (y >= 0 ? 1 : 0), 0), 0);
      if (tokens === 0) {
        const unit = bos === null ? 'tokens' : 'documents';
        throw runtimeError(`data: the ${flags.split} split of ${source} has ${loader.sizes[flags.split]} ${unit}, too few for one batch to evaluate`, flags.split === 'val' ? 'use more data, or --split train' : 'use more data');
      }
      const trainer = createTrainer({ model, settings, train: loader, val: () => batches });
      const loss = await trainer.evaluate();
      trainer.dispose();
      if (!Number.isFinite(loss)) throw runtimeError(`${flags.ckpt}: the ${flags.split} loss is ${loss}: the model's outputs overflow on this data`, 'the weights are too large to evaluate (did the run diverge?); train again with a lower --lr');
      out.result(`${flags.split} loss ${loss.toFixed(4)}, perplexity ${Math.exp(loss).toFixed(3)} (${batches.length} batches, ${tokens.toLocaleString('en-US')} tokens of ${source})`);
      out.record({ split: flags.split, loss, perplexity: Math.exp(loss), batches: batches.length, tokens, data: source });
    });
  });
}

/**
 * `eval --input FILE`: the tokens of FILE's text (as the tokenizer encodes it, no BOS added) in consecutive
 * windows of the context size.
 * @throws CliError for a file that cannot be read or gives fewer than 2 tokens, or a loss that is not finite.
 */
async function evalInput(checkpoint: OpenCheckpoint, ckpt: string, input: string, out: Output): Promise<void> {
  const { model, tokenizer } = checkpoint;
  const ids = tokenizer.encode(await readTextFile(input, '--input'));
  if (ids.length < 2) throw runtimeError(`--input ${input}: ${ids.length} token${ids.length === 1 ? '' : 's'}; the loss needs at least 2 (one to read, one to predict)`, 'give a longer text file');
  const T = model.config.blockSize;
  const result = await windowLoss(model, ids, T);
  if (!Number.isFinite(result.loss)) throw runtimeError(`${ckpt}: the loss on ${input} is ${result.loss}: the model's outputs overflow on this text`, 'the weights are too large to evaluate (did the run diverge?)');
  out.result(`loss ${result.loss.toFixed(4)}, perplexity ${Math.exp(result.loss).toFixed(3)} (${result.tokens.toLocaleString('en-US')} tokens of ${input} in ${result.windows} windows of ${T})`);
  out.record({ input, loss: result.loss, perplexity: Math.exp(result.loss), tokens: result.tokens, windows: result.windows, contextSize: T });
}
