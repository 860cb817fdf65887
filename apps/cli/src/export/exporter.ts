// What every `microgpt export` format takes, and how it writes its folder.
import { resolve } from 'node:path';
import { resolveCheckpoint, writeFolderAtomic } from '@microgpt/model/node';
import { runtimeError, usageError } from '../errors';
import type { Output } from '../output';

/** The flags of `export` (each format takes --ckpt, --out and its own). */
export interface ExportFlags {
  readonly ckpt: string;
  readonly out: string;
  /** huggingface: also write the data as a token file here. */
  readonly tokens?: string;
  /** huggingface, with --tokens: the data (default what the checkpoint was trained on). */
  readonly data?: string;
  /** projector: replace what --out holds. */
  readonly overwrite?: boolean;
}

/** Writes `flags.ckpt` in one format into `flags.out`, and says what it wrote on `out`. */
export type Exporter = (flags: ExportFlags, out: Output) => Promise<void>;

/**
 * The checkpoint folder of `flags.ckpt` (a run folder's newest).
 * @throws {CliError} (exit 2) when --out is the checkpoint itself.
 */
export async function exportSource(flags: ExportFlags): Promise<string> {
  const source = await resolveCheckpoint(flags.ckpt);
  if (resolve(flags.out) === resolve(source) || resolve(flags.out) === resolve(flags.ckpt)) throw usageError('--out must differ from --ckpt (the checkpoint is kept)', 'give a new folder for the export');
  return source;
}

/**
 * Writes folder `flags.out` with `files` all at once (see writeFolderAtomic).
 * @throws {CliError} (exit 1) when --out holds files and --overwrite is not given.
 */
export async function writeExport(flags: ExportFlags, files: Readonly<Record<string, Uint8Array | string>>): Promise<void> {
  const encoder = new TextEncoder();
  const bytes = Object.fromEntries(Object.entries(files).map(([name, data]) => [name, typeof data === 'string' ? encoder.encode(data) : data]));
  try {
    await writeFolderAtomic(flags.out, bytes, { replace: flags.overwrite === true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw runtimeError(`--out ${flags.out} already holds files`, 'add --overwrite to replace them, or choose another --out');
    throw error;
  }
}
