// Embedding gather, and its scatter-add without float atomics: each row's next row with the same id is found
// first (one invocation per row), then the first row of each id walks that chain, summing its gradient rows in
// row order, and adds the sum once: deterministic, whatever the order of invocations.
import type { EmbeddingArgs, EmbeddingBackwardArgs, Kernels } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { ENTRY, packParams, uniform } from '../wgsl';

const FIELDS = 'rows: u32, C: u32, weight: u32, ids: u32, out: u32';

const GATHER = /* wgsl */ `
${uniform(FIELDS)}
${ENTRY}
  if (i >= p.rows * p.C) { return; }
  let row = i / p.C;
  t_out[p.out + i] = t_weight[p.weight + u32(t_ids[p.ids + row]) * p.C + i % p.C];
}`;

/** next[r] = the next row with r's id (-1: none); first[r] = 1 when no earlier row has it. */
const CHAIN = /* wgsl */ `
${uniform(FIELDS)}
${ENTRY}
  if (i >= p.rows) { return; }
  let id = t_ids[p.ids + i];
  var first = 1;
  for (var r = 0u; r < i; r++) { if (t_ids[p.ids + r] == id) { first = 0; break; } }
  var next = -1;
  for (var r = i + 1u; r < p.rows; r++) { if (t_ids[p.ids + r] == id) { next = i32(r); break; } }
  t_chain[2u * i] = next;
  t_chain[2u * i + 1u] = first;
}`;

const SCATTER = /* wgsl */ `
${uniform(FIELDS)}
${ENTRY}
  if (i >= p.rows * p.C) { return; }
  let row = i / p.C;
  if (t_chain[2u * row + 1u] == 0) { return; }
  let c = i % p.C;
  var sum = 0.0;
  var r = i32(row);
  while (r >= 0) {
    sum += t_dout[p.out + u32(r) * p.C + c];
    r = t_chain[2u * u32(r)];
  }
  t_weight[p.weight + u32(t_ids[p.ids + row]) * p.C + c] += sum;
}`;

/** embedding and embeddingBackward on `rt` (float32). */
export function embeddingKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    embedding({ weight, ids, out }: EmbeddingArgs) {
      const [rows, C] = out.shape as [number, number];
      const params = packParams([{ u: rows }, { u: C }, { u: weight.offset }, { u: ids.offset }, { u: out.offset }]);
      rt.dispatch(GATHER, params, [['t_weight', weight.storage, 'f32'], ['t_ids', ids.storage, 'i32'], ['t_out', out.storage, 'f32']], rows * C);
    },
    embeddingBackward({ ids, dout, dweight }: EmbeddingBackwardArgs) {
      const [rows, C] = dout.shape as [number, number];
      const params = packParams([{ u: rows }, { u: C }, { u: dweight.offset }, { u: ids.offset }, { u: dout.offset }]);
      const chain = rt.scratch(rows * 8);
      rt.dispatch(CHAIN, params, [['t_ids', ids.storage, 'i32'], ['t_chain', chain, 'i32']], rows);
      const bound = [['t_weight', dweight.storage, 'f32'], ['t_ids', ids.storage, 'i32'], ['t_dout', dout.storage, 'f32'], ['t_chain', chain, 'i32']] as const;
      rt.dispatch(SCATTER, params, bound, rows * C);
    },
  };
}
