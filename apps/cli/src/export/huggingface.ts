// `microgpt export --format huggingface`: a checkpoint as a Hugging Face GPT-2 folder (GPT2LMHeadModel.from_pretrained
// and AutoTokenizer.from_pretrained load it; python/microgpt_torch trains it further under torchrun).
import { type ModelCardFacts, documentIds, tokenizerHash } from '@microgpt/model';
import { saveHuggingFaceFolder, writeTokenFile } from '@microgpt/model/node';
import { isQuantizedCheckpoint } from '@microgpt/quant/node';
import { type OpenCheckpoint, loadAnyCheckpoint, withTokenizer } from '../checkpoints';
import { startCompute } from '../compute';
import { readData } from '../datasets';
import { usageError } from '../errors';
import type { Output } from '../output';
import { type ExportFlags, exportSource } from './exporter';

/** The last loss of a [step, loss] series in a trainer state, if any. */
function lastLoss(series: unknown): number | undefined {
  if (!Array.isArray(series) || series.length === 0) return undefined;
  const last: unknown = series[series.length - 1];
  return Array.isArray(last) && typeof last[1] === 'number' ? last[1] : undefined;
}

/** What the model card says: the run's data, steps and last losses, as far as the checkpoint recorded them. */
function cardFacts(trainerState: object | undefined, metadata: Readonly<Record<string, string>> | undefined): ModelCardFacts {
  const state = (trainerState ?? {}) as { step?: unknown; history?: { train?: unknown; val?: unknown } };
  const trainLoss = lastLoss(state.history?.train);
  const valLoss = lastLoss(state.history?.val);
  return {
    ...(metadata?.data === undefined ? {} : { data: metadata.data }),
    ...(typeof state.step === 'number' ? { steps: state.step } : {}),
    ...(trainLoss === undefined ? {} : { trainLoss }),
    ...(valLoss === undefined ? {} : { valLoss }),
  };
}

/**
 * Writes the checkpoint as a GPT-2 folder, and with --tokens its data as a token file.
 * @throws {CliError} (exit 2) for --data without --tokens or a quantized checkpoint.
 */
export async function exportHuggingFace(flags: ExportFlags, out: Output): Promise<void> {
  if (flags.data !== undefined && flags.tokens === undefined) throw usageError('--data says what to write with --tokens FILE', 'add --tokens FILE, or drop --data');
  const source = await exportSource(flags);
  if (await isQuantizedCheckpoint(source)) throw usageError(`${source} is a quantized checkpoint; GPT-2 folders hold float weights`, 'export the float checkpoint it was quantized from');
  const checkpoint = await loadAnyCheckpoint(source, await startCompute('wasm', 1));
  await saveHuggingFaceFolder(flags.out, { model: checkpoint.model, tokenizer: checkpoint.tokenizer, card: cardFacts(checkpoint.trainerState, checkpoint.metadata) });
  const { config } = checkpoint.model;
  out.result(`exported ${source} to ${flags.out} (GPT-2 layout: ${config.nLayer} layer${config.nLayer === 1 ? '' : 's'}, ${config.nEmbd} wide, vocabulary ${config.vocabSize}${checkpoint.tokenizer === null ? ', no tokenizer' : ''})`);
  const tokens = flags.tokens === undefined ? undefined : await exportTokens(withTokenizer(source, checkpoint), flags.tokens, flags.data, out);
  out.record({ out: flags.out, format: 'huggingface', source, tokenizer: checkpoint.tokenizer !== null, config, ...(tokens === undefined ? {} : { tokens }) });
}

/**
 * Writes `data` (default: what the checkpoint was trained on) as token file `path`, encoded as the run encoded it:
 * documents with BOS before each and after the last, a stream as is.
 * @throws CliError when the checkpoint does not record its data and none is given, or the data cannot be read.
 */
async function exportTokens(open: OpenCheckpoint, path: string, data: string | undefined, out: Output): Promise<{ path: string; count: number }> {
  const source = data ?? open.data;
  if (source === undefined) throw usageError('the checkpoint does not say which data it was trained on', 'give --data SRC with --tokens');
  const { text } = await readData(source, (line) => {
    out.note(line);
  });
  const encode = (piece: string): number[] => open.tokenizer.encode(piece);
  const ids = open.bos === null ? encode(text) : documentIds(text, encode, open.bos);
  const count = await writeTokenFile(path, [ids], open.tokenizer.vocabSize, await tokenizerHash(open.tokenizer.toJSON()));
  out.result(`wrote ${count.toLocaleString('en-US')} tokens of ${source} to ${path}`);
  return { path, count };
}
