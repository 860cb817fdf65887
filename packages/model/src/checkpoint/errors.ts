// The one error type of checkpoint files: a malformed or unsupported file, or arguments that cannot be written.

/** Where in a checkpoint file a problem was found. */
export interface CheckpointErrorDetails {
  /** The part of the file: `header length`, `header`, `tensor`, `metadata`, `data`, or `arguments` for encoding. */
  readonly part: string;
  /** The tensor the problem concerns, when there is one. */
  readonly tensor?: string;
  /** The field of that tensor entry (`dtype`, `shape`, `data_offsets`, `values` for a NaN or infinite value), or of a JSON file. */
  readonly field?: string;
}

/**
 * A checkpoint that cannot be read or written. The message names the file part, the tensor and the field, and
 * says what was expected and what was found, e.g.
 * `safetensors: header: tensor "wte" data_offsets: expected 48 bytes (shape [3, 4] × 4 bytes), found 44`.
 */
export class CheckpointError extends Error {
  /** Always `'CheckpointError'`, so a caller can tell a bad checkpoint from other errors without `instanceof`. */
  override readonly name = 'CheckpointError';
  /** The file part, tensor and field the error concerns. */
  readonly details: CheckpointErrorDetails;

  /** A checkpoint error with `message` about the place described by `details`. */
  constructor(message: string, details: CheckpointErrorDetails) {
    super(message);
    this.details = details;
  }
}

/**
 * A run folder that cannot be used as asked: another live process holds its lock, it holds a run that would be
 * replaced, or its checkpoints are missing. The message names the folder and says what to do.
 */
export class RunFolderError extends Error {
  /** Always `'RunFolderError'`, so a caller can tell a run folder problem from other errors without `instanceof`. */
  override readonly name = 'RunFolderError';
  /** The run folder. */
  readonly dir: string;

  /** An error about run folder `dir`. */
  constructor(message: string, dir: string) {
    super(message);
    this.dir = dir;
  }
}
