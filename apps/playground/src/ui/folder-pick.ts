// A whole folder picked at once (`<input type=file webkitdirectory>`): a microgpt checkpoint folder or a Hugging
// Face GPT-2 folder. A folder from the Hugging Face Hub can hold other formats of the same weights
// (pytorch_model.bin, tf_model.h5, hundreds of MB each) and subfolders, so only the files the import reads,
// directly inside the picked folder, are read into memory.
import { CHECKPOINT_FILES, HF_FILES } from '@microgpt/model';

/** Every file name a checkpoint or a Hugging Face GPT-2 folder import reads (not the model card, nor
 * generation_config.json: the page's own sampling settings apply, and the stop token comes from tokenizer.json). */
const WANTED: ReadonlySet<string> = new Set([...Object.values(CHECKPOINT_FILES), HF_FILES.config, HF_FILES.model, HF_FILES.tokenizer, HF_FILES.tokenizerConfig]);

/** A picked file with the path the browser gives a folder pick ("folder/name"; empty for a plain file pick). */
export interface FolderFile extends Blob {
  readonly name: string;
  readonly webkitRelativePath: string;
}

/**
 * The files an import reads (name → bytes) from the files of one picked folder: those directly inside it whose
 * names a checkpoint or an HF GPT-2 folder uses; subfolders and other files are not read.
 * @throws Error naming the folder when it holds none of those files.
 */
export async function readPickedFolder(picked: readonly FolderFile[]): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = {};
  for (const file of picked) {
    const depth = file.webkitRelativePath.split('/').length;
    if (depth <= 2 && WANTED.has(file.name)) files[file.name] = new Uint8Array(await file.arrayBuffer());
  }
  if (Object.keys(files).length === 0) {
    const folder = picked[0]?.webkitRelativePath.split('/')[0] ?? '';
    throw new Error(`the picked folder${folder ? ` ${folder}` : ''} holds none of ${[...WANTED].join(', ')}; pick a microgpt checkpoint folder or a Hugging Face GPT-2 folder`);
  }
  return files;
}
