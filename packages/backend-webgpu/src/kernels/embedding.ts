// Embedding gather, and its scatter-add without float atomics: each row's next row with the same id is found
// first (one invocation per row), then the first row of each id walks that chain, summing its gradient rows in
// row order, and adds the sum once: deterministic, whatever the order of invocations.
import type { EmbeddingArgs, EmbeddingBackwardArgs, Kernels } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { ENTRY, packParams, uniform } from '../wgsl';
import { maxThreads, needsWindows, parts } from './split';

// A part of the work (split.ts) covers rows [rowStart, rowStart + rows) of out (the gather) and the ids in
// [vStart, vEnd) of the weight table; other rows are another part's.
const FIELDS = 'rows: u32, C: u32, weight: u32, ids: u32, out: u32, rowStart: u32, vStart: u32, vEnd: u32';

const GATHER = /* wgsl */ `
${uniform(FIELDS)}
${ENTRY}
  if (i >= p.rows * p.C) { return; }
  let row = p.rowStart + i / p.C;
  let id = u32(t_ids[p.ids + row]);
  if (id < p.vStart || id >= p.vEnd) { return; }
  t_out[p.out + row * p.C + i % p.C] = t_weight[p.weight + id * p.C + i % p.C];
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
  let id = u32(t_ids[p.ids + row]);
  if (id < p.vStart || id >= p.vEnd) { return; }
  let c = i % p.C;
  var sum = 0.0;
  var r = i32(row);
  while (r >= 0) {
    sum += t_dout[p.out + u32(r) * p.C + c];
    r = t_chain[2u * u32(r)];
  }
  t_weight[p.weight + id * p.C + c] += sum;
}`;

/**
 * The parts of the weight table one dispatch binds: all of it, or, where a buffer needs windows, bands of whole rows
 * (ids) that fit one binding.
 */
function vocabularyParts(rt: GpuRuntime, windowed: boolean, V: number, C: number): (readonly [number, number])[] {
  return V === 0 ? [[0, 0]] : parts(V, windowed ? Math.max(1, Math.floor(rt.windowElements / Math.max(C, 1))) : V);
}

/** embedding and embeddingBackward on `rt` (float32). */
export function embeddingKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    embedding({ weight, ids, out }: EmbeddingArgs) {
      const [rows, C] = out.shape as [number, number];
      const V = weight.shape[0]!;
      const windowed = needsWindows(rt, [weight, ids, out]);
      // Bands of out rows small enough for one binding and one dispatch, times bands of the table.
      const rowBand = Math.max(1, Math.floor(Math.min(maxThreads(rt), windowed ? rt.windowElements : Infinity) / Math.max(C, 1)));
      for (const [v0, vocab] of vocabularyParts(rt, windowed, V, C)) {
        for (const [r0, band] of rows === 0 ? [[0, 0] as const] : parts(rows, rowBand)) {
          const params = packParams([{ u: band }, { u: C }, { u: weight.offset }, { u: ids.offset }, { u: out.offset }, { u: r0 }, { u: v0 }, { u: v0 + vocab }]);
          rt.dispatch(GATHER, params, [
            ['t_weight', weight.storage, 'f32', windowed ? { first: weight.offset + v0 * C, count: vocab * C } : undefined],
            ['t_ids', ids.storage, 'i32', windowed ? { first: ids.offset + r0, count: band } : undefined],
            ['t_out', out.storage, 'f32', windowed ? { first: out.offset + r0 * C, count: band * C } : undefined],
          ], band * C);
        }
      }
    },
    embeddingBackward({ ids, dout, dweight }: EmbeddingBackwardArgs) {
      const [rows, C] = dout.shape as [number, number];
      const V = dweight.shape[0]!;
      const windowed = needsWindows(rt, [ids, dout, dweight]);
      const chain = rt.scratch(rows * 8);
      const chainParams = packParams([{ u: rows }, { u: C }, { u: dweight.offset }, { u: ids.offset }, { u: dout.offset }, { u: 0 }, { u: 0 }, { u: V }]);
      rt.dispatch(CHAIN, chainParams, [['t_ids', ids.storage, 'i32', windowed ? { first: ids.offset, count: rows } : undefined], ['t_chain', chain, 'i32']], rows);
      // Each part adds the gradients of its band of ids; a repeated id's rows may lie anywhere in dout, so dout is
      // bound whole.
      for (const [v0, vocab] of vocabularyParts(rt, windowed, V, C)) {
        const params = packParams([{ u: rows }, { u: C }, { u: dweight.offset }, { u: ids.offset }, { u: dout.offset }, { u: 0 }, { u: v0 }, { u: v0 + vocab }]);
        rt.dispatch(SCATTER, params, [
          ['t_weight', dweight.storage, 'f32', windowed ? { first: dweight.offset + v0 * C, count: vocab * C } : undefined],
          ['t_ids', ids.storage, 'i32', windowed ? { first: ids.offset, count: rows } : undefined],
          ['t_dout', dout.storage, 'f32', windowed ? { first: dout.offset, count: rows * C } : undefined],
          ['t_chain', chain, 'i32'],
        ], rows * C);
      }
    },
  };
}
