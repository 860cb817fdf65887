// matmul in blocks, for a matmul whose matrices do not split into bands of rows (a b matrix, or a transposed a,
// larger than one binding; a row of K or N past one): each block of out (R rows × Nc columns of one batch item) is
// summed over chunks of K. A block's a (R × Kc) and b (Kc × Nc) are copied into scratch buffers as plain row-major
// matrices, multiplied into a scratch block (accumulating over the chunks, from out's values when the call
// accumulates), which is copied back into out. The three scratch buffers fit one binding and serve every block in
// turn (commands run in the order recorded), so the extra memory is at most three bindings.
import type { MatmulArgs } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { packParams } from '../wgsl';
import { type Operand, copyStrided } from './layout';
import { parts } from './split';

/** A matmul's sizes: out is batches × M × N, summed over K. */
export interface MatmulDims {
  readonly M: number;
  readonly K: number;
  readonly N: number;
  readonly batches: number;
}

/** The matmul shader of a form (transA, transB, accumulate) and its output tile's side. */
export type MatmulShader = (transA: boolean, transB: boolean, accumulate: boolean) => string;

/** Sizes of a block: rows R, a chunk Kc of K, columns Nc; each product of two fits one binding, and R, Nc a grid. */
function blockSizes(rt: GpuRuntime, M: number, K: number, N: number, tile: number): [number, number, number] {
  const room = rt.windowElements;
  const grid = rt.limits.maxComputeWorkgroupsPerDimension * tile;
  const Kc = Math.max(1, Math.min(K, Math.floor(Math.sqrt(room))));
  const Nc = Math.min(N, grid, Math.floor(room / Kc));
  const R = Math.min(M, grid, Math.floor(room / Math.max(Kc, Nc)));
  return [R, Kc, Nc];
}

/** Runs the matmul `args` (out: batches × M × N) in blocks, as the file comment says. */
export function matmulInBlocks(rt: GpuRuntime, args: MatmulArgs, { M, K, N, batches }: MatmulDims, shader: MatmulShader, tile: number): void {
  const { a, b, out, transA, transB, accumulate } = args;
  const [R, Kc, Nc] = blockSizes(rt, M, K, N, tile);
  const scratch = (elements: number): Operand => ({ owner: rt.scratch(elements * 4), dtype: 'float32', offset: 0, strides: [] });
  const [aBlock, bBlock, outBlock] = [R * Kc, Kc * Nc, R * Nc].map(scratch) as [Operand, Operand, Operand];
  const aBatched = a.size > M * K ? 1 : 0;
  const bBatched = b.size > K * N ? 1 : 0;
  for (let batch = 0; batch < batches; batch++) {
    const aBase = a.offset + batch * aBatched * M * K;
    const bBase = b.offset + batch * bBatched * K * N;
    const outBase = out.offset + batch * M * N;
    for (const [i, rows] of parts(M, R)) {
      for (const [j, cols] of parts(N, Nc)) {
        // out's block: rows × cols at (i, j), row stride N; in scratch, row stride cols.
        const outView: Operand = { owner: out.storage, dtype: 'float32', offset: outBase + i * N + j, strides: [N, 1] };
        if (accumulate) copyStrided(rt, [rows, cols], outView, { ...outBlock, strides: [cols, 1] });
        // K = 0 still runs one block of depth 0, which writes out's zeros (or adds nothing).
        for (const [k, depth] of K === 0 ? [[0, 0] as const] : parts(K, Kc)) {
          // Element (r, c) of a's block is a[i + r, k + c]; of b's, b[k + r, j + c]; whichever way each is stored.
          const aView: Operand = { owner: a.storage, dtype: 'float32', offset: aBase + (transA ? k * M + i : i * K + k), strides: transA ? [1, M] : [K, 1] };
          const bView: Operand = { owner: b.storage, dtype: 'float32', offset: bBase + (transB ? j * K + k : k * N + j), strides: transB ? [1, K] : [N, 1] };
          copyStrided(rt, [rows, depth], aView, { ...aBlock, strides: [depth, 1] });
          copyStrided(rt, [depth, cols], bView, { ...bBlock, strides: [cols, 1] });
          const params = packParams([{ u: rows }, { u: depth }, { u: cols }, { u: 0 }, { u: 0 }, { u: 0 }, { u: 0 }, { u: 0 }, { u: 0 }, { u: rows }, { u: 0 }]);
          rt.dispatchGroups(shader(false, false, accumulate || k > 0), params, [['t_a', aBlock.owner, 'f32'], ['t_b', bBlock.owner, 'f32'], ['t_out', outBlock.owner, 'f32']], [Math.ceil(cols / tile), Math.ceil(rows / tile), 1]);
        }
        copyStrided(rt, [rows, cols], { ...outBlock, strides: [cols, 1] }, outView);
      }
    }
  }
}
