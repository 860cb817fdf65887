// Everything a training run needs before its first step: the preset and the user's overrides, the data and its
// tokenizer, the batches, the backend, the model and the trainer; or all of it read back from a checkpoint to
// resume. Flag mistakes become usage errors (exit 2), bad data and checkpoints runtime errors (exit 1).
import {
  type GPT,
  type GPTConfig,
  type PresetName,
  type SplitLoader,
  type Trainer,
  type TrainSettings,
  createGPT,
  createTrainer,
  documentIds,
  documentLoader,
  getPreset,
  memoryTokenSource,
  microgptDocs,
  resolveConfig,
  streamLoader,
  validateTrainSettings,
} from '@microgpt/model';
import { loadCheckpoint } from '@microgpt/model/node';
import type { Backend } from '@microgpt/tensor';
import { type Tokenizer, tokenizerFromJSON } from '@microgpt/tokenizer';
import { refuseUnstorableDtype } from '../checkpoints';
import { type BackendChoice, type BackendName, backendName, checkBackendDtype, startCompute } from '../compute';
import { readData } from '../datasets';
import { type PreparedData, isTokenFile, openPreparedData } from '../prepared-data';
import { asUsage, runtimeError, usageError } from '../errors';
import { ensureFits, trainingHint, trainingRunWork } from '../memory';
import { BOS_TEXT, TRAINABLE, type TrainableKind, checkVocabSize, loadTokenizer, trainTokenizer } from '../tokenizers';
import { checkResumeState, restoreTrainer, resumeSettings, startResumeCompute } from './resume-checks';

/** The `microgpt train` flags that shape a run (commander's parsed values). */
export interface TrainFlags {
  readonly preset: string;
  readonly data?: string;
  readonly steps?: number;
  readonly batch?: number;
  readonly lr?: number;
  readonly seed?: number;
  readonly threads: number;
  readonly backend: BackendChoice;
  readonly dtype?: 'float32' | 'float64';
  readonly resume?: string;
  readonly evalEvery?: number;
  readonly ckptEvery?: number;
  readonly nLayer?: number;
  readonly nHead?: number;
  readonly nEmbd?: number;
  readonly blockSize?: number;
  readonly dropout?: number;
  readonly activation?: string;
  readonly norm?: 'rmsnorm' | 'layernorm';
  readonly posEmb?: 'learned' | 'none';
  readonly tokenizer?: string;
  readonly vocabSize?: number;
  readonly gradAccum?: number;
  readonly schedule?: 'constant' | 'linear' | 'cosine';
}

/** A run ready to train. */
export interface TrainingRun {
  readonly preset: string;
  readonly dataSource: string;
  readonly model: GPT;
  readonly tokenizer: Tokenizer;
  /** The id wrapping documents (documents mode), else null. */
  readonly bos: number | null;
  readonly trainer: Trainer;
  readonly loader: SplitLoader;
  readonly backend: Backend;
  /** Saved with each checkpoint so `--resume` computes the same way. */
  readonly compute: Compute;
  /** Parameters that take no update (`--freeze`), saved in the checkpoint's metadata for `--resume`. */
  readonly frozen?: readonly string[];
  /** The checkpoint a fine-tuning run started from (`--init-from`). */
  readonly initFrom?: string;
}

/** Which dataset a preset trains on when `--data` is not given. */
function defaultData(preset: PresetName): string {
  if (preset === 'names' || preset === 'microgpt') return 'names';
  if (preset === 'gpt2') throw usageError('the gpt2 preset has no default data', 'give --data FILE and --tokenizer gpt2');
  return 'shakespeare';
}

/** The model fields the flags override. */
function configOverrides(flags: TrainFlags): Partial<GPTConfig> {
  const entries = Object.entries({
    nLayer: flags.nLayer,
    nHead: flags.nHead,
    nEmbd: flags.nEmbd,
    blockSize: flags.blockSize,
    dropout: flags.dropout,
    activation: flags.activation,
    norm: flags.norm,
    posEmb: flags.posEmb,
  });
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined));
}

/**
 * The preset's training settings with the flags applied. A shorter or longer run keeps the preset's warmup
 * share (names: 10%), and a peak rate below the preset's floor lowers the floor with it.
 */
export function trainSettings(preset: TrainSettings, flags: TrainFlags): TrainSettings {
  const steps = flags.steps ?? preset.steps;
  const lr = flags.lr ?? preset.lr;
  const settings: TrainSettings = {
    ...preset,
    steps,
    lr,
    minLr: Math.min(preset.minLr, lr),
    warmupSteps: flags.steps === undefined ? preset.warmupSteps : Math.round((preset.warmupSteps * steps) / preset.steps),
    batchSize: flags.batch ?? preset.batchSize,
    seed: flags.seed ?? preset.seed,
    dtype: flags.dtype ?? preset.dtype,
    evalEvery: flags.evalEvery ?? preset.evalEvery,
    ckptEvery: flags.ckptEvery ?? preset.ckptEvery,
    ...(flags.gradAccum === undefined ? {} : { gradAccum: flags.gradAccum }),
    ...(flags.schedule === undefined ? {} : { schedule: flags.schedule }),
  };
  asUsage(() => {
    validateTrainSettings(settings);
  });
  return settings;
}

/** The BOS id of a tokenizer made or loaded for documents mode. @throws CliError (runtime) when it has none. */
export function bosOf(tokenizer: Tokenizer, where: string): number {
  const bos = tokenizer.specialTokens[BOS_TEXT] ?? tokenizer.specialTokens['<|endoftext|>'];
  if (bos === undefined) throw runtimeError(`${where}: documents mode needs a ${BOS_TEXT} or <|endoftext|> special token to wrap each line, and this tokenizer has neither`, `train one with --special '${BOS_TEXT}', or use --tokenizer char|word|bpe`);
  return bos;
}

/** The tokenizer of `--tokenizer` for `text`: trained (char, word, bpe) or read from a file or name. */
async function tokenizerFor(flags: TrainFlags, text: string, documents: boolean, log: (line: string) => void): Promise<Tokenizer> {
  const spec = flags.tokenizer ?? 'char';
  if (!(TRAINABLE as readonly string[]).includes(spec)) return loadTokenizer(spec, undefined, log);
  const kind = spec as TrainableKind;
  const docs = documents ? microgptDocs(text) : null;
  const corpus = docs ? docs.join(kind === 'char' ? '' : '\n') : text;
  return asUsage(() => trainTokenizer(kind, corpus, { special: documents ? [BOS_TEXT] : [], ...(flags.vocabSize === undefined ? {} : { vocabSize: flags.vocabSize }) }));
}

/**
 * Batches as the settings ask, documents (one a line, in BOS) or random windows of a stream: of `text` tokenized in
 * memory, or of a prepared token file read in windows from disk (split where its `.val.bin` file starts).
 */
export function loaderFor(data: string | PreparedData, tokenizer: Tokenizer, bos: number | null, config: GPTConfig, settings: TrainSettings): SplitLoader {
  const encode = (piece: string): number[] => tokenizer.encode(piece);
  const source = typeof data === 'string' ? memoryTokenSource(bos === null ? encode(data) : documentIds(data, encode, bos), tokenizer.vocabSize) : data.source;
  const options = { blockSize: config.blockSize, batchSize: settings.batchSize, seed: settings.seed, valFraction: settings.valFraction, ...(typeof data === 'string' ? {} : { valStart: data.valStart }) };
  if (bos === null) return streamLoader(source, options);
  if (typeof data !== 'string' && !hasBos(data, bos)) throw runtimeError(`${data.path}: no BOS tokens (id ${bos}) in it, so no documents`, 'this preset trains on documents (one a line): prepare the data with `microgpt data prepare --documents`');
  return documentLoader(source, { ...options, bos });
}

/** Whether a prepared corpus starts with the BOS id, as every file `data prepare --documents` writes does. */
function hasBos(data: PreparedData, bos: number): boolean {
  if (data.source.length === 0) return false;
  const first = new Int32Array(1);
  data.source.read(0, first);
  return first[0] === bos;
}

/** The text of `--data SRC`, or the prepared token file it names (tokenizer checked against `tokenizer`, or chosen from the flag or the file). */
export async function dataOf(source: string, tokenizer: Tokenizer | null, flags: TrainFlags, log: (line: string) => void): Promise<string | PreparedData> {
  if (await isTokenFile(source)) return openPreparedData(source, tokenizer, tokenizer === null ? flags.tokenizer : undefined, log);
  return (await readData(source, log)).text;
}

/** The trainer of a run; `frozen` parameters take no update (fine-tuning with `--freeze`). */
export function trainerFor(model: GPT, settings: TrainSettings, loader: SplitLoader, frozen: readonly string[] = []): Trainer {
  const val = loader.sizes.val > 0 ? () => loader.evalBatches(settings.evalBatches) : null;
  return createTrainer({ model, settings, train: loader, val, frozen });
}

/** A new run from a preset, the flags and the data. */
export async function newRun(flags: TrainFlags, log: (line: string) => void): Promise<TrainingRun> {
  const preset = asUsage(() => getPreset(flags.preset), 'run `microgpt train --help` for the presets');
  const settings = trainSettings(preset.train, flags);
  const documents = settings.data === 'documents';
  // Every flag is checked before any data is read or downloaded (the vocabulary size comes from the data, so
  // the config is checked once here with a stand-in for it, and again below).
  const standIn = asUsage(() => resolveConfig({ ...preset.model, vocabSize: preset.vocabSize ?? 1, ...configOverrides(flags) }), 'the model flags (--n-layer, --n-head, --n-embd, --block-size, …) must make a valid model');
  checkVocabSize(flags.tokenizer ?? 'char', flags.vocabSize, documents ? 1 : 0);
  checkBackendDtype(flags.backend, settings.dtype, flags.dtype === undefined ? `the ${preset.name} preset's dtype` : '--dtype');
  const backend = await startCompute(flags.backend, flags.threads, log);
  ensureFits(standIn, trainingRunWork(settings, settings.dtype, true), 'this run', backend, trainingHint);
  const dataSource = flags.data ?? defaultData(preset.name);
  const data = await dataOf(dataSource, null, flags, log);
  const tokenizer = typeof data === 'string' ? await tokenizerFor(flags, data, documents, log) : data.tokenizer;
  const vocabSize = preset.vocabSize ?? tokenizer.vocabSize;
  if (tokenizer.vocabSize > vocabSize) throw usageError(`the ${preset.name} preset has ${vocabSize} ids but the tokenizer has ${tokenizer.vocabSize}`);
  const config = asUsage(() => resolveConfig({ ...preset.model, vocabSize, ...configOverrides(flags) }));
  const bos = documents ? bosOf(tokenizer, '--tokenizer') : null;
  ensureFits(config, trainingRunWork(settings, settings.dtype, true), 'this run', backend, trainingHint);
  const loader = loaderFor(data, tokenizer, bos, config, settings);
  const model = createGPT(config, { seed: settings.seed, dtype: settings.dtype, backend });
  return { preset: preset.name, dataSource, model, tokenizer, bos, trainer: trainerFor(model, settings, loader), loader, backend, compute: { backend: backendName(backend), threads: flags.threads } };
}

/** Where a run computes: the backend `--backend` started and `--threads`. */
export interface Compute {
  readonly backend: BackendName;
  readonly threads: number;
}

/** Flags that would change a resumed run's model or data order, so `--resume` refuses them. */
const FIXED_ON_RESUME = ['preset', 'batch', 'lr', 'seed', 'schedule', 'dtype', 'nLayer', 'nHead', 'nEmbd', 'blockSize', 'dropout', 'activation', 'norm', 'posEmb', 'tokenizer', 'vocabSize', 'gradAccum'] as const;

/**
 * A run read back from the checkpoint folder `flags.resume`: weights, optimizer, data position, RNG and loss
 * history, so it continues exactly as if it had not stopped. `--steps` may extend it (a cosine schedule then
 * stretches, so the continuation is no longer the original run's).
 */
export async function resumedRun(flags: TrainFlags, explicit: ReadonlySet<string>, log: (line: string) => void): Promise<TrainingRun> {
  const dir = flags.resume!;
  const fixed = FIXED_ON_RESUME.filter((name) => explicit.has(name));
  if (fixed.length > 0) throw usageError(`--resume continues the saved run, so it cannot change ${fixed.map((f) => `--${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`, 'start a new run with --out DIR instead');
  const { backend, compute } = await startResumeCompute(dir, flags, explicit, log);
  await refuseUnstorableDtype(dir, backend);
  const checkpoint = await loadCheckpoint(dir, { backend, requireTrainingState: true });
  if (checkpoint.tokenizer === null) throw runtimeError(`${dir}: the checkpoint has no tokenizer.json, so its data cannot be read again`);
  const tokenizer = tokenizerFromJSON(checkpoint.tokenizer);
  const state = checkResumeState(dir, checkpoint, explicit);
  const settings = resumeSettings(dir, state, flags);
  const dataSource = flags.data ?? checkpoint.metadata?.data;
  if (dataSource === undefined) throw usageError(`${dir} does not say which data it was trained on`, 'give --data SRC');
  const data = await dataOf(dataSource, tokenizer, flags, log);
  const model = checkpoint.model;
  ensureFits(model.config, trainingRunWork(settings, model.dtype, false), 'this run', backend, () => 'resume it on a machine with more memory free');
  const bos = settings.data === 'documents' ? bosOf(tokenizer, `${dir}/tokenizer.json`) : null;
  const loader = loaderFor(data, tokenizer, bos, model.config, settings);
  // A fine-tuning run keeps its frozen parameters frozen (its checkpoints name them).
  const frozen = checkpoint.metadata?.frozen ? checkpoint.metadata.frozen.split(',') : [];
  const trainer = asUsage(() => trainerFor(model, settings, loader, frozen));
  restoreTrainer(trainer, state, checkpoint, dir, dataSource);
  return { preset: checkpoint.metadata?.preset ?? 'custom', dataSource, model, tokenizer, bos, trainer, loader, backend, compute, frozen, ...(checkpoint.metadata?.initFrom ? { initFrom: checkpoint.metadata.initFrom } : {}) };
}
