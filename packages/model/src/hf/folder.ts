// Hugging Face GPT-2 folders on disk (Node.js only): writing an export whole, reading one back, and telling one
// from a microgpt checkpoint folder (both have a config.json).
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Checkpoint } from '../checkpoint/bundle';
import { tempOwner, writeFolderAtomic } from '../checkpoint/atomic-write';
import { CheckpointError } from '../checkpoint/errors';
import { parseJsonFile } from '../checkpoint/file-check';
import { countParameters } from '../gpt/params';
import { HF_FILES, type HuggingFaceExport, huggingFaceFiles } from './export';
import { type Gpt2ConfigFile, configFromGpt2 } from './import-config';
import { type ReadHuggingFaceOptions, isGpt2ConfigBytes, readHuggingFaceFiles } from './import';

const NAMES: readonly string[] = Object.values(HF_FILES);

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Exports `parts` as Hugging Face GPT-2 folder `dir` (see `huggingFaceFiles`), written whole under a temp name
 * and renamed into place. An existing `dir` is replaced only when it holds nothing but such files.
 * @throws HuggingFaceExportError / TokenizerError / CheckpointError as `huggingFaceFiles` (nothing is written);
 * CheckpointError naming `dir` when it holds other files or cannot be written.
 */
export async function saveHuggingFaceFolder(dir: string, parts: HuggingFaceExport): Promise<void> {
  const files = await huggingFaceFiles(parts);
  const names = await readdir(dir).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [] as string[];
    throw new CheckpointError(`cannot export into ${dir}: ${reason(error)}`, { part: 'folder' });
  });
  const others = names.filter((name) => !NAMES.includes(name) && tempOwner(name) === null);
  if (others.length > 0) throw new CheckpointError(`cannot export into ${dir}: it holds other things (${others.slice(0, 4).join(', ')}); export into a new or empty folder`, { part: 'folder' });
  try {
    await writeFolderAtomic(dir, files, { replace: true });
  } catch (error) {
    throw new CheckpointError(`cannot export into ${dir}: ${reason(error)}`, { part: 'folder' });
  }
}

/** Whether folder `dir` is a Hugging Face GPT-2 folder: its config.json says `"model_type": "gpt2"`. */
export async function isHuggingFaceFolder(dir: string): Promise<boolean> {
  const bytes = await readFile(join(dir, HF_FILES.config)).catch(() => null);
  return bytes !== null && isGpt2ConfigBytes(bytes);
}

/**
 * The checkpoint (model and tokenizer) in Hugging Face GPT-2 folder `dir` (see `readHuggingFaceFiles`).
 * @throws CheckpointError whose message starts with the path of the file at fault, or says that `dir` is
 * missing or not a folder; MemoryLimitError when the model does not fit.
 */
export async function loadHuggingFaceFolder(dir: string, options: ReadHuggingFaceOptions = {}): Promise<Checkpoint> {
  const info = await stat(dir).catch((error: unknown) => {
    throw new CheckpointError(`Hugging Face folder ${dir}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : reason(error)}`, { part: 'folder' });
  });
  if (!info.isDirectory()) throw new CheckpointError(`Hugging Face folder ${dir} is not a folder`, { part: 'folder' });
  const files: Record<string, Uint8Array> = {};
  for (const name of NAMES) {
    try {
      files[name] = await readFile(join(dir, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new CheckpointError(`cannot read ${join(dir, name)}: ${reason(error)}`, { part: name });
    }
  }
  try {
    return readHuggingFaceFiles(files, options);
  } catch (error) {
    if (!(error instanceof CheckpointError) || !NAMES.includes(error.details.part)) throw error;
    throw new CheckpointError(`${dir.endsWith(sep) ? dir : dir + sep}${error.message}`, error.details);
  }
}

/** What `microgpt info` shows about an HF GPT-2 folder. */
export interface HuggingFaceDescription extends Gpt2ConfigFile {
  /** Number of parameter values of the microgpt model it imports to. */
  readonly parameters: number;
  /** config.json's `torch_dtype` (the dtype it was saved in, e.g. float16), or null when absent. */
  readonly torchDtype: string | null;
  /** Size in bytes of each HF file present, by name. */
  readonly files: Readonly<Record<string, number>>;
}

/**
 * The config and file sizes of HF GPT-2 folder `dir`, from config.json alone (the weights are not read).
 * @throws CheckpointError naming `dir`/config.json and the field for a config microgpt cannot import, or a missing folder.
 */
export async function describeHuggingFaceFolder(dir: string): Promise<HuggingFaceDescription> {
  const path = join(dir, HF_FILES.config);
  const bytes = await readFile(path).catch((error: unknown) => {
    throw new CheckpointError(`cannot read ${path}: ${reason(error)}`, { part: HF_FILES.config });
  });
  let described: Gpt2ConfigFile;
  let torchDtype: unknown;
  try {
    const json = parseJsonFile(HF_FILES.config, bytes);
    described = configFromGpt2(json);
    torchDtype = (json as { torch_dtype?: unknown }).torch_dtype;
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    throw new CheckpointError(`${dir.endsWith(sep) ? dir : dir + sep}${error.message}`, error.details);
  }
  const files: Record<string, number> = {};
  for (const name of NAMES) {
    const info = await stat(join(dir, name)).catch(() => null);
    if (info?.isFile() === true) files[name] = info.size;
  }
  return { ...described, parameters: countParameters(described.config), torchDtype: typeof torchDtype === 'string' ? torchDtype : null, files };
}
