// Quantized checkpoint folders on disk: each file written atomically, config.json last (so a folder with a
// config is complete), as the model package does for float checkpoints.
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKPOINT_FILES, CheckpointError } from '@microgpt/model';
import { writeFileAtomic } from '@microgpt/model/node';
import { type QuantizedCheckpoint, type QuantizedCheckpointParts, type ReadQuantizedOptions, quantizationOf, quantizedCheckpointFiles, readQuantizedCheckpointFiles } from './checkpoint';

/**
 * Writes a quantized checkpoint into folder `dir` (created if needed).
 * @throws CheckpointError as `quantizedCheckpointFiles` does; file-system errors as they come.
 */
export async function saveQuantizedCheckpoint(dir: string, parts: QuantizedCheckpointParts): Promise<void> {
  const files = quantizedCheckpointFiles(parts);
  await mkdir(dir, { recursive: true });
  const names = Object.keys(files).sort((a, b) => Number(a === CHECKPOINT_FILES.config) - Number(b === CHECKPOINT_FILES.config));
  for (const name of names) await writeFileAtomic(join(dir, name), files[name]!);
}

/** The checkpoint files present in `dir`, by name. @throws CheckpointError when `dir` is not a readable folder. */
async function readFolder(dir: string): Promise<Record<string, Uint8Array>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new CheckpointError(code === 'ENOENT' ? `checkpoint folder ${dir} does not exist` : `cannot read checkpoint folder ${dir}: ${(error as Error).message}`, { part: 'folder' });
  }
  const files: Record<string, Uint8Array> = {};
  for (const name of Object.values(CHECKPOINT_FILES)) if (names.includes(name)) files[name] = await readFile(join(dir, name));
  return files;
}

/** True when `dir` holds a checkpoint whose config.json has a `quantization` section. */
export async function isQuantizedCheckpoint(dir: string): Promise<boolean> {
  try {
    return quantizationOf(await readFile(join(dir, CHECKPOINT_FILES.config))) !== null;
  } catch {
    return false;
  }
}

/**
 * Loads the quantized checkpoint in folder `dir`.
 * @throws CheckpointError whose message starts with the folder, then the file, tensor and field.
 */
export async function loadQuantizedCheckpoint(dir: string, options: ReadQuantizedOptions = {}): Promise<QuantizedCheckpoint> {
  const files = await readFolder(dir);
  try {
    return readQuantizedCheckpointFiles(files, options);
  } catch (error) {
    if (error instanceof CheckpointError) throw new CheckpointError(`${dir}: ${error.message}`, error.details);
    throw error;
  }
}
