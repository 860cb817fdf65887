// A microgpt checkpoint from the files of a Hugging Face GPT-2 folder (browser-safe; folder.ts reads them from
// disk): config.json checked field by field, sizes checked before the weights are converted, the tokenizer
// converted to microgpt's JSON.
import { type Backend, type FloatDType, isFloatDType, resolveBackend } from '@microgpt/tensor';
import { tokenizerFromJSON } from '@microgpt/tokenizer';
import type { Checkpoint } from '../checkpoint/bundle';
import { CheckpointError } from '../checkpoint/errors';
import { fileError, parseJsonFile, showValue } from '../checkpoint/file-check';
import { buildModel } from '../checkpoint/model-file';
import { estimateMemory } from '../gpt/memory-estimate';
import { checkMemory } from '../gpt/memory-limit';
import { HF_FILES } from './export';
import { configFromGpt2 } from './import-config';
import { decodeModelTensors } from './safetensors-values';
import { fromHfTokenizerFiles } from './tokenizer-files';
import { type Float, fromGpt2Values } from './weight-names';

/** Options of {@link readHuggingFaceFiles}. */
export interface ReadHuggingFaceOptions {
  /** Backend of the parameters (a backend or its name; default: the current backend). */
  readonly backend?: Backend | string;
  /** The parameters' dtype (default: float64 when config.json's torch_dtype is float64, else float32). */
  readonly dtype?: FloatDType;
}

/**
 * Whether `configBytes` (a config.json's bytes) is a Hugging Face GPT-2 config (`"model_type": "gpt2"`), as
 * opposed to a microgpt checkpoint's (`"model_type": "microgpt"`) or anything unreadable. Never throws.
 */
export function isGpt2ConfigBytes(configBytes: Uint8Array): boolean {
  try {
    const config = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(configBytes)) as unknown;
    return typeof config === 'object' && config !== null && (config as { model_type?: unknown }).model_type === 'gpt2';
  } catch {
    return false;
  }
}

/**
 * A checkpoint (model and tokenizer, no training state) from an HF GPT-2 folder's files (name → bytes):
 * config.json and model.safetensors required; tokenizer.json (with tokenizer_config.json for the roles of a
 * WordLevel vocabulary) optional. The ids in config.json and the tokenizer's must agree in number.
 * @throws CheckpointError whose message starts with the file's name, then the field or tensor, expected and
 * found; MemoryLimitError when the model does not fit the backend (checked before the weights are converted).
 */
export function readHuggingFaceFiles(files: Readonly<Record<string, Uint8Array>>, options: ReadHuggingFaceOptions = {}): Checkpoint {
  if (options.dtype !== undefined && !isFloatDType(options.dtype)) {
    throw new CheckpointError(`readHuggingFaceFiles: dtype must be "float32" or "float64", found ${showValue(options.dtype)}`, { part: 'arguments', field: 'dtype' });
  }
  for (const name of [HF_FILES.config, HF_FILES.model]) {
    if (!Object.hasOwn(files, name)) fileError(name, `missing; a Hugging Face GPT-2 folder needs ${HF_FILES.config} and ${HF_FILES.model}`);
  }
  const configJson = parseJsonFile(HF_FILES.config, files[HF_FILES.config]!);
  const { config } = configFromGpt2(configJson);
  const torchDtype = (configJson as { torch_dtype?: unknown }).torch_dtype;
  const dtype = options.dtype ?? (torchDtype === 'float64' ? 'float64' : 'float32');
  const backend = resolveBackend(options.backend);
  const make = (n: number): Float => (dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
  const tensors = decodeModelTensors(files[HF_FILES.model]!, config, make, () => {
    checkMemory(estimateMemory(config, { dtype, initialize: true }), 'the model', { backend });
  });
  let tokenizer: object | null = null;
  if (Object.hasOwn(files, HF_FILES.tokenizer)) {
    const tokenizerConfig = Object.hasOwn(files, HF_FILES.tokenizerConfig) ? parseJsonFile(HF_FILES.tokenizerConfig, files[HF_FILES.tokenizerConfig]!) : undefined;
    tokenizer = fromHfTokenizerFiles(parseJsonFile(HF_FILES.tokenizer, files[HF_FILES.tokenizer]!), tokenizerConfig);
    const ids = tokenizerFromJSON(tokenizer).vocabSize;
    if (ids !== config.vocabSize) fileError(HF_FILES.tokenizer, `the tokenizer has ${ids} ids, config.json's vocab_size is ${config.vocabSize}; microgpt needs them equal`, { field: 'vocab_size' });
  }
  const model = buildModel(config, fromGpt2Values(config, tensors, make), dtype, backend);
  return { model, tokenizer };
}
