// `train --init-from DIR`: fine-tuning. A new run (new data, learning rate, steps, schedule, a fresh optimizer at
// step 0) starting from a checkpoint's weights (a microgpt checkpoint or a Hugging Face GPT-2 folder), with the checkpoint's tokenizer (the embeddings are indexed by its
// ids), optionally with frozen parameters (`--freeze`).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getPreset, tokenizerHash } from '@microgpt/model';
import { isHuggingFaceFolder, loadCheckpoint, loadHuggingFaceFolder } from '@microgpt/model/node';
import { type Tokenizer, TokenizerError, tokenizerFromJSON } from '@microgpt/tokenizer';
import { refuseUnstorableDtype } from '../checkpoints';
import { backendName, startCompute } from '../compute';
import { asUsage, runtimeError, usageError } from '../errors';
import { ensureFits, trainingRunWork } from '../memory';
import { hex } from '../prepared-data';
import { TRAINABLE, loadTokenizer } from '../tokenizers';
import { frozenParameters } from './freeze-flag';
import { type TrainFlags, type TrainingRun, bosOf, dataOf, loaderFor, trainSettings, trainerFor } from './setup';

/** Flags that would change the source model, so `--init-from` refuses them. */
const FIXED_BY_SOURCE = ['nLayer', 'nHead', 'nEmbd', 'blockSize', 'dropout', 'activation', 'norm', 'posEmb', 'vocabSize', 'dtype'] as const;

const flagName = (name: string): string => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Refuses a folder that is not a microgpt checkpoint but a Hugging Face one (config.json with another model_type):
 * reading GPT-2 weights is the interop work's (`microgpt import`), which converts such a folder into a checkpoint
 * this command then takes. This is the place to read one directly once that reader exists.
 */
async function refuseForeignFolder(dir: string): Promise<void> {
  let config: unknown;
  try {
    config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  } catch {
    return; // No readable config.json: loadCheckpoint says what is wrong, or finds the newest checkpoint of a run folder.
  }
  const type = (config as { model_type?: unknown } | null)?.model_type;
  if (typeof type === 'string' && type !== 'microgpt' && type !== 'gpt2') {
    throw usageError(`--init-from ${dir}: a model folder of type "${type}"; microgpt fine-tunes its own checkpoints and Hugging Face GPT-2 folders (model_type "gpt2")`, 'give a microgpt checkpoint or a GPT-2-layout folder');
  }
}

/** The checkpoint's tokenizer, or `--tokenizer` when the checkpoint has none; a `--tokenizer` beside a saved one must be the same. */
async function sourceTokenizer(dir: string, saved: object | null, flags: TrainFlags, vocabSize: number, log: (line: string) => void): Promise<Tokenizer> {
  if (flags.tokenizer !== undefined && (TRAINABLE as readonly string[]).includes(flags.tokenizer)) {
    throw usageError(`--init-from keeps the source model's vocabulary, so --tokenizer ${flags.tokenizer} (a new tokenizer) does not apply`, `leave out --tokenizer to use ${dir}'s tokenizer`);
  }
  const given = flags.tokenizer === undefined ? null : await loadTokenizer(flags.tokenizer, undefined, log);
  if (saved === null) {
    if (given === null) throw usageError(`--init-from ${dir}: the checkpoint has no tokenizer.json`, 'give --tokenizer FILE: the tokenizer the model was trained with');
    if (given.vocabSize !== vocabSize) throw runtimeError(`--tokenizer ${flags.tokenizer}: ${given.vocabSize} ids, but the model of ${dir} has a vocabulary of ${vocabSize}`);
    return given;
  }
  const tokenizer = tokenizerFromJSON(saved);
  if (given !== null && hex(await tokenizerHash(given.toJSON())) !== hex(await tokenizerHash(saved))) {
    throw runtimeError(`--tokenizer ${flags.tokenizer} is not the tokenizer of ${dir}`, 'leave out --tokenizer: fine-tuning uses the checkpoint’s tokenizer');
  }
  return tokenizer;
}

/**
 * A fine-tuning run from the checkpoint folder (or the newest checkpoint of the run folder) `flags.initFrom`.
 * The preset gives the training settings (the flags override them); the model's shape comes from the checkpoint.
 * @param explicit the flags given on the command line.
 * @throws CliError (usage) for flags that would change the model, --resume beside it, a Hugging Face folder, a bad
 * --freeze; (runtime) for a tokenizer that does not match; DataError/TokenizerError for data the tokenizer cannot read.
 */
export async function fineTuneRun(flags: TrainFlags & { initFrom: string; freeze?: string }, explicit: ReadonlySet<string>, log: (line: string) => void): Promise<TrainingRun> {
  const dir = flags.initFrom;
  const fixed = FIXED_BY_SOURCE.filter((name) => explicit.has(name));
  if (fixed.length > 0) throw usageError(`--init-from starts from ${dir}'s model, so it cannot change ${fixed.map(flagName).join(', ')}`, 'fine-tuning sets the data, --lr, --steps, --batch, --schedule and --freeze; train a new model without --init-from to change its shape');
  await refuseForeignFolder(dir);
  const preset = asUsage(() => getPreset(flags.preset), 'run `microgpt train --help` for the presets');
  const backend = await startCompute(flags.backend, flags.threads, log);
  // A Hugging Face GPT-2 folder (exported, or written by PyTorch code) fine-tunes as it imports.
  await refuseUnstorableDtype(dir, backend);
  const checkpoint = (await isHuggingFaceFolder(dir)) ? await loadHuggingFaceFolder(dir, { backend }) : await loadCheckpoint(dir, { backend });
  const { model } = checkpoint;
  const settings = trainSettings(preset.train, { ...flags, dtype: model.dtype });
  const tokenizer = await sourceTokenizer(dir, checkpoint.tokenizer, flags, model.config.vocabSize, log);
  const dataSource = flags.data ?? checkpoint.metadata?.data;
  if (dataSource === undefined) throw usageError(`${dir} does not say which data it was trained on`, 'give --data SRC: the text to fine-tune on');
  const data = await dataOf(dataSource, tokenizer, flags, log);
  ensureFits(model.config, trainingRunWork(settings, model.dtype, false), 'this run', backend, () => 'lower --batch (and raise --grad-accum to keep the batch)');
  const bos = settings.data === 'documents' ? bosOf(tokenizer, `${dir}'s tokenizer`) : null;
  const loader = (() => {
    try {
      return loaderFor(data, tokenizer, bos, model.config, settings);
    } catch (error) {
      if (!(error instanceof TokenizerError)) throw error;
      throw runtimeError(`--data ${dataSource}: ${error.message}`, `fine-tuning keeps ${dir}'s tokenizer (${tokenizer.kind}, ${tokenizer.vocabSize} ids): give text it can encode`);
    }
  })();
  const frozen = flags.freeze === undefined ? [] : frozenParameters(flags.freeze, model.config);
  const trainer = trainerFor(model, settings, loader, frozen);
  return { preset: preset.name, dataSource, model, tokenizer, bos, trainer, loader, backend, compute: { backend: backendName(backend), threads: flags.threads }, frozen, initFrom: dir };
}
