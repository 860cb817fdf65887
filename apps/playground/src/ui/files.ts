// Checkpoints in and out of the page: export as one .zip (fflate) or as separate downloads; import a .zip or the
// folder's files picked together. Everything stays on this machine.
import { unzipSync, zipSync } from 'fflate';

/** The checkpoint folder's name inside a zip, and the zip's file name. */
const FOLDER = 'microgpt-checkpoint';

/** Offers `bytes` as a download called `name`. */
function download(name: string, bytes: Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 1000);
}

/** A zip of the files in one folder (stored, not compressed: float weights barely compress). */
export function zipCheckpoint(files: Readonly<Record<string, Uint8Array>>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, bytes]) => [`${FOLDER}/${name}`, [bytes, { level: 0 }]])));
}

/** Downloads the files as one zip. */
export function downloadZip(files: Readonly<Record<string, Uint8Array>>): void {
  download(`${FOLDER}.zip`, zipCheckpoint(files), 'application/zip');
}

/** Downloads each file on its own. */
export function downloadFiles(files: Readonly<Record<string, Uint8Array>>): void {
  for (const [name, bytes] of Object.entries(files)) download(name, bytes, name.endsWith('.json') ? 'application/json' : 'application/octet-stream');
}

/**
 * The checkpoint files in `picked`: a zip's entries by their base name (the folder inside is ignored), or the
 * picked files by name.
 * @throws Error when a zip holds the same file name twice (two checkpoints in one zip).
 */
export async function readPicked(picked: readonly File[]): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  const add = (path: string, bytes: Uint8Array, from: string): void => {
    const name = path.split('/').pop()!;
    if (!name) return;
    if (Object.hasOwn(files, name)) throw new Error(`${from}: holds ${name} twice; pick the files of one checkpoint`);
    files[name] = bytes;
  };
  for (const file of picked) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (file.name.toLowerCase().endsWith('.zip')) {
      for (const [path, entry] of Object.entries(unzipSync(bytes))) add(path, entry, file.name);
    } else add(file.name, bytes, 'the picked files');
  }
  return files;
}
