// `microgpt eval`: the loss and perplexity of a checkpoint on data, held-out or training split, split the way
// the run split it (same seed and fraction), so `--split val` is data the model never trained on.
import { type Batch, DEFAULT_TRAIN, createTrainer, documentIds, documentLoader, memoryTokenSource, streamLoader } from '@microgpt/model';
import { Option, type Command } from 'commander';
import { openCheckpoint, startCompute } from '../checkpoints';
import { examples, outputOf, withBackendFlags, withOutputFlags } from '../command-kit';
import { readData } from '../datasets';
import { isTokenFile, openPreparedData, preparedPaths } from '../prepared-data';
import { runtimeError, usageError } from '../errors';
import { ensureFits } from '../memory';
import { integerAtLeast } from '../options';

interface EvalFlags {
  readonly ckpt: string;
  readonly data?: string;
  readonly split: 'train' | 'val';
  readonly batches?: number;
  readonly backend: 'js' | 'wasm';
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
    .option('--batches <n>', 'batches to average (default: the run’s evaluation batches)', integerAtLeast(1));
  withBackendFlags(withOutputFlags(command, 'print {"split":…,"loss":…,"perplexity":…,"tokens":…}'));
  command.addHelpText('after', examples('microgpt eval --ckpt runs/names --data names', 'microgpt eval --ckpt runs/shakespeare-cpu --data shakespeare --split train --json'));
  command.action(async (flags: EvalFlags) => {
    const out = outputOf(command);
    const backend = await startCompute(flags.backend, flags.threads);
    const { model, tokenizer, bos, settings: saved, data } = await openCheckpoint(flags.ckpt, backend);
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
}
