// Quantized checkpoint folders on disk: written whole under a temp name and renamed into place, and read back
// (from the newest checkpoint of a run folder too) through the model package's folder helpers.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKPOINT_FILES, CheckpointError } from '@microgpt/model';
import { readCheckpointFolder, resolveCheckpoint, writeCheckpointFolder } from '@microgpt/model/node';
import { type QuantizedCheckpoint, type QuantizedCheckpointParts, type ReadQuantizedOptions, quantizationOf, quantizedCheckpointFiles, readQuantizedCheckpointFiles } from './checkpoint';

/**
 * Writes a quantized checkpoint as folder `dir` (created if needed; an existing folder is replaced only when it
 * holds nothing but checkpoint files).
 * @throws CheckpointError as `quantizedCheckpointFiles` does, or naming `dir` when it cannot be written (nothing
 * changes then).
 */
export async function saveQuantizedCheckpoint(dir: string, parts: QuantizedCheckpointParts): Promise<void> {
  await writeCheckpointFolder(dir, await quantizedCheckpointFiles(parts));
}

/** True when `dir` (or the newest checkpoint of run folder `dir`) has a config.json with a `quantization` section. */
export async function isQuantizedCheckpoint(dir: string): Promise<boolean> {
  try {
    return quantizationOf(await readFile(join(await resolveCheckpoint(dir), CHECKPOINT_FILES.config))) !== null;
  } catch {
    return false;
  }
}

/**
 * Loads the quantized checkpoint in folder `dir`.
 * @throws CheckpointError whose message starts with the folder, then the file, tensor and field.
 */
export async function loadQuantizedCheckpoint(dir: string, options: ReadQuantizedOptions = {}): Promise<QuantizedCheckpoint> {
  const { path, files } = await readCheckpointFolder(dir, Object.values(CHECKPOINT_FILES));
  try {
    return readQuantizedCheckpointFiles(files, options);
  } catch (error) {
    if (error instanceof CheckpointError) throw new CheckpointError(`${path}: ${error.message}`, error.details);
    throw error;
  }
}
