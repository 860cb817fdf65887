// A microgpt model as the files of a Hugging Face GPT-2 folder (browser-safe; folder.ts writes them to disk):
// config.json, model.safetensors in HF's names and Conv1D layout, generation_config.json, the tokenizer files
// and a model card.
import { jsonFileBytes } from '../checkpoint/file-check';
import { encodeModelTensors } from './safetensors-values';
import { type GPT, parameterTensors } from '../gpt/model';
import { gpt2ConfigJson } from './export-config';
import { type ModelCardFacts, modelCard } from './model-card';
import { HF_TOKENIZER_CONFIG_FILE, HF_TOKENIZER_FILE, toHfTokenizerFiles } from './tokenizer-files';
import { type Float, toGpt2Values } from './weight-names';

/** The files of an HF GPT-2 folder. */
export const HF_FILES = Object.freeze({
  /** `config.json`: GPT2LMHeadModel's architecture and special ids. */
  config: 'config.json',
  /** `model.safetensors`: the weights under GPT-2's names. */
  model: 'model.safetensors',
  /** `generation_config.json`: the special ids `generate` uses. */
  generationConfig: 'generation_config.json',
  /** `tokenizer.json`: the tokenizer in Hugging Face's format (byte-level BPE only). */
  tokenizer: HF_TOKENIZER_FILE,
  /** `tokenizer_config.json`: the tokenizer class transformers loads it with. */
  tokenizerConfig: HF_TOKENIZER_CONFIG_FILE,
  /** `README.md`: the model card. */
  card: 'README.md',
});

/** What {@link huggingFaceFiles} exports. */
export interface HuggingFaceExport {
  /** The model (its parameters are read, not changed). */
  readonly model: GPT;
  /** microgpt's tokenizer JSON (`tokenizer.toJSON()`), or null to export the weights alone. */
  readonly tokenizer: object | null;
  /** What the model card says about training. */
  readonly card?: ModelCardFacts;
}

/**
 * The files of a Hugging Face GPT-2 folder for `parts`: config.json (see `gpt2ConfigJson`), model.safetensors
 * (HF's names, Conv1D weights [in, out], the model's dtype, metadata `{"format": "pt"}`), generation_config.json,
 * tokenizer.json and tokenizer_config.json when there is a tokenizer, README.md. Loading them back with
 * `readHuggingFaceFiles` gives bit-identical parameters.
 * @returns file name → bytes.
 * @throws (as a rejection) HuggingFaceExportError naming the config field GPT-2 cannot express; TokenizerError for a tokenizer
 * that cannot be written; CheckpointError naming model.safetensors for a NaN or infinite parameter.
 */
export async function huggingFaceFiles(parts: HuggingFaceExport): Promise<Record<string, Uint8Array>> {
  const { model } = parts;
  const hfTokenizer = parts.tokenizer === null ? null : toHfTokenizerFiles(parts.tokenizer);
  const ids = hfTokenizer?.ids ?? { bos: null, eos: null };
  const config = gpt2ConfigJson(model.config, ids, model.dtype);
  // Read asynchronously, one tensor after another, so a backend without readSync (a GPU) exports too.
  const values: Record<string, Float> = {};
  for (const [name, t] of Object.entries(parameterTensors(model))) values[name] = (await t.toArrayAsync()) as Float;
  const make = (n: number): Float => (model.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n));
  const files: Record<string, Uint8Array> = {
    [HF_FILES.config]: jsonFileBytes(HF_FILES.config, config),
    [HF_FILES.model]: encodeModelTensors(HF_FILES.model, toGpt2Values(model.config, values, make), model.config),
    [HF_FILES.generationConfig]: jsonFileBytes(HF_FILES.generationConfig, { bos_token_id: ids.bos, eos_token_id: ids.eos }),
    [HF_FILES.card]: new TextEncoder().encode(modelCard(model.config, parts.card ?? {})),
  };
  if (hfTokenizer !== null) {
    files[HF_FILES.tokenizer] = jsonFileBytes(HF_FILES.tokenizer, hfTokenizer.tokenizer);
    files[HF_FILES.tokenizerConfig] = jsonFileBytes(HF_FILES.tokenizerConfig, hfTokenizer.tokenizerConfig);
  }
  return files;
}
