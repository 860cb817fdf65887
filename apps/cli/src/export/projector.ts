// `microgpt export --format projector`: the token embeddings (wte) as TensorBoard projector files, one row and
// one escaped token text a token of the tokenizer (rows past its vocabulary, padding, are left out).
import { projectorFiles } from '@microgpt/model';
import { openCheckpoint } from '../checkpoints';
import { startCompute } from '../compute';
import { runtimeError } from '../errors';
import type { Output } from '../output';
import { type ExportFlags, exportSource, writeExport } from './exporter';

/** Writes tensors.tsv, metadata.tsv and projector_config.pbtxt for the checkpoint's token embeddings. */
export async function exportProjector(flags: ExportFlags, out: Output): Promise<void> {
  const source = await exportSource(flags);
  const { model, tokenizer } = await openCheckpoint(source, await startCompute('js', 1));
  const { vocabSize: V, nEmbd: C } = model.config;
  const tokens = tokenizer.vocabSize;
  if (tokens > V) throw runtimeError(`${source}: the tokenizer has ${tokens} ids but the model ${V} embedding rows`, 'the checkpoint is damaged: save it again from its run');
  const embeddings = await model.params.wte!.value.toArrayAsync();
  const texts = Array.from({ length: tokens }, (_, id) => tokenizer.decode([id]));
  let files;
  try {
    files = projectorFiles(embeddings.subarray(0, tokens * C), tokens, C, texts);
  } catch (error) {
    throw runtimeError(`${source}: ${(error as Error).message}`, 'the embeddings hold a NaN or an infinity: the run diverged');
  }
  await writeExport(flags, { ...files });
  const padding = V - tokens;
  out.result(`wrote ${tokens} token embeddings of ${C} numbers${padding > 0 ? ` (${padding} padding rows left out)` : ''} to ${flags.out}: tensors.tsv, metadata.tsv, projector_config.pbtxt`);
  out.record({ format: 'projector', ckpt: source, out: flags.out, files: Object.keys(files), tokens, dims: C, padding_rows: padding });
}
