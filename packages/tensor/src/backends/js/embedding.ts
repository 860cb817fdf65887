// Embedding lookup (gather rows of a table) and its backward (scatter-add into the table's gradient). The op
// checks every id against the table size before either kernel runs.
// Argument types first, then the JS kernels; the family's conformance cases are in embedding.cases.ts.
import type { Tensor } from '../../tensor';
import { floatsOf, intsOf } from './storage';

/** Gather rows: out[i] = weight[ids[i]]. weight: (V, C); ids: (N) int32; out: (N, C). */
export interface EmbeddingArgs {
  /** The embedding table, (V, C), contiguous. */
  weight: Tensor;
  /** Row indices, (N) int32, each in [0, V) (the op checks). */
  ids: Tensor;
  /** Gathered rows, (N, C), overwritten. */
  out: Tensor;
}

/** Scatter-add: dweight[ids[i]] += dout[i]. ids: (N) int32; dout: (N, C); dweight: (V, C). */
export interface EmbeddingBackwardArgs {
  /** The forward's row indices, (N) int32; a repeated id accumulates every one of its rows. */
  ids: Tensor;
  /** Gradient with respect to the forward's output, (N, C). */
  dout: Tensor;
  /** Gradient with respect to the table, (V, C), accumulated into (+=). */
  dweight: Tensor;
}

/** out[i] = weight[ids[i]]. weight (V, C), ids (N), out (N, C); ids are in [0, V). */
export function embedding({ weight, ids, out }: EmbeddingArgs): void {
  const c = weight.shape[1]!;
  const ws = floatsOf(weight);
  const is = intsOf(ids);
  const os = floatsOf(out);
  const n = ids.shape[0]!;
  for (let i = 0; i < n; i++) {
    const from = weight.offset + is[ids.offset + i]! * c;
    os.set(ws.subarray(from, from + c), out.offset + i * c);
  }
}

/** dweight[ids[i]] += dout[i]; a repeated id accumulates every one of its rows. */
export function embeddingBackward({ ids, dout, dweight }: EmbeddingBackwardArgs): void {
  const c = dweight.shape[1]!;
  const is = intsOf(ids);
  const ds = floatsOf(dout);
  const dws = floatsOf(dweight);
  const n = ids.shape[0]!;
  for (let i = 0; i < n; i++) {
    const to = dweight.offset + is[ids.offset + i]! * c;
    const from = dout.offset + i * c;
    for (let j = 0; j < c; j++) dws[to + j]! += ds[from + j]!;
  }
}
