// Batched matmul in every form (transA, transB, a batch of 1 shared, accumulate), two ways: `tiled` (16 × 16
// output tiles, one workgroup each, stepping along K through tiles of a and b staged in workgroup memory: what a
// GPU wants) and `direct` (one invocation per output reading a and b straight from storage, no barriers: what a
// software rasterizer wants, where every workgroup barrier costs more than the loads it saves).
import type { Kernels, MatmulArgs } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { memo, packParams, uniform } from '../wgsl';
import { matmulInBlocks } from './matmul-blocks';
import { needsWindows, parts } from './split';

/** How the backend runs matmul: see the file comment. */
export type MatmulForm = 'tiled' | 'direct';

const TILE = 16;

/** The body that accumulates `sum` for output (row, col) of batch item `batch`. */
function body(form: MatmulForm, aAt: string, bAt: string): string {
  if (form === 'direct') {
    return /* wgsl */ `
  if (row < p.rowEnd && col < p.N) {
    let i = row;
    let j = col;
    for (var k = 0u; k < p.K; k++) { sum += t_a[${aAt}] * t_b[${bAt}]; }
  }`;
  }
  return /* wgsl */ `
  for (var t = 0u; t < p.K; t += ${TILE}u) {
    {
      let i = row;
      let k = t + lid.x;
      var value = 0.0;
      if (i < p.rowEnd && k < p.K) { value = t_a[${aAt}]; }
      aTile[lid.y][lid.x] = value;
    }
    {
      let k = t + lid.y;
      let j = col;
      var value = 0.0;
      if (k < p.K && j < p.N) { value = t_b[${bAt}]; }
      bTile[lid.y][lid.x] = value;
    }
    workgroupBarrier();
    for (var k = 0u; k < ${TILE}u; k++) { sum += aTile[lid.y][k] * bTile[k][lid.x]; }
    workgroupBarrier();
  }`;
}

function matmulShader(form: MatmulForm, transA: boolean, transB: boolean, accumulate: boolean): string {
  // Element (i, k) of a's matrix and (k, j) of b's, whichever way each is stored.
  const aAt = transA ? 'aBase + k * p.M + i' : 'aBase + i * p.K + k';
  const bAt = transB ? 'bBase + j * p.K + k' : 'bBase + k * p.N + j';
  const tiles = form === 'tiled' ? `var<workgroup> aTile: array<array<f32, ${TILE}>, ${TILE}>;\nvar<workgroup> bTile: array<array<f32, ${TILE}>, ${TILE}>;` : '';
  return memo(`matmul:${form}:${transA}:${transB}:${accumulate}`, () => /* wgsl */ `
${uniform('M: u32, K: u32, N: u32, aOffset: u32, bOffset: u32, outOffset: u32, aBatched: u32, bBatched: u32, rowStart: u32, rowEnd: u32, batchStart: u32')}
${tiles}
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let batch = p.batchStart + wid.z;
  let row = p.rowStart + wid.y * ${TILE}u + lid.y;
  let col = wid.x * ${TILE}u + lid.x;
  let aBase = p.aOffset + batch * p.aBatched * p.M * p.K;
  let bBase = p.bOffset + batch * p.bBatched * p.K * p.N;
  var sum = 0.0;
  ${body(form, aAt, bAt)}
  if (row < p.rowEnd && col < p.N) {
    let o = p.outOffset + (batch * p.M + row) * p.N + col;
    t_out[o] = ${accumulate ? 't_out[o] + sum' : 'sum'};
  }
}`);
}

/** One dispatch's share of a matmul: batch items [batch, batch + batches), rows [row, row + rows) of each. */
interface Part {
  readonly batch: number;
  readonly batches: number;
  readonly row: number;
  readonly rows: number;
}

/**
 * The parts a matmul runs in: all at once where it can; else as many batch items a dispatch as the grid allows,
 * and where a buffer needs windows, one batch item a dispatch in bands of rows (multiples of the tile) whose
 * windows of a and out fit one binding, the whole matrix of b bound with each. Null where even that does not fit
 * (one matrix of b, or of a stored transposed, passes a binding; or a band of TILE rows does): matmul-blocks.ts.
 */
function matmulParts(rt: GpuRuntime, args: MatmulArgs, M: number, K: number, N: number, batches: number): Part[] | null {
  const groups = rt.limits.maxComputeWorkgroupsPerDimension;
  let rows = Math.min(M, groups * TILE);
  let batchesPerPart = Math.min(batches, groups);
  if (needsWindows(rt, [args.a, args.b, args.out])) {
    const room = rt.windowElements;
    if (K * N > room || (args.transA && K * M > room)) return null;
    rows = Math.min(rows, Math.floor(room / Math.max(K, N) / TILE) * TILE || M);
    if (rows * Math.max(args.transA ? 1 : K, N) > room) return null;
    batchesPerPart = 1;
  }
  return parts(batches, batchesPerPart).flatMap(([batch, count]) => parts(M, rows).map(([row, band]) => ({ batch, batches: count, row, rows: band })));
}

/** matmul on `rt` (float32), in `form`. */
export function matmulKernels(rt: GpuRuntime, form: MatmulForm): Partial<Kernels> {
  return {
    matmul(args: MatmulArgs) {
      const { a, b, out, transA, transB, accumulate } = args;
      const r = out.rank;
      const M = out.shape[r - 2]!;
      const N = out.shape[r - 1]!;
      const batches = M * N === 0 ? 0 : out.size / (M * N);
      const K = transA ? a.shape[a.rank - 2]! : a.shape[a.rank - 1]!;
      if (batches === 0) return;
      // A tensor whose size is one matrix is shared by every batch item (BA or BB = 1).
      const aBatched = a.size > M * K ? 1 : 0;
      const bBatched = b.size > K * N ? 1 : 0;
      const windowed = needsWindows(rt, [a, b, out]);
      const planned = matmulParts(rt, args, M, K, N, batches);
      if (!planned) {
        matmulInBlocks(rt, args, { M, K, N, batches }, (tA, tB, acc) => matmulShader(form, tA, tB, acc), TILE);
        return;
      }
      for (const part of planned) {
        const params = packParams([
          { u: M }, { u: K }, { u: N }, { u: a.offset }, { u: b.offset }, { u: out.offset }, { u: aBatched }, { u: bBatched },
          { u: part.row }, { u: part.row + part.rows }, { u: part.batch },
        ]);
        // Windows (one batch item a part): a's band of rows (all of its matrix when stored transposed), b's matrix,
        // out's band.
        const aBase = a.offset + part.batch * aBatched * M * K;
        const bBase = b.offset + part.batch * bBatched * K * N;
        const outBase = out.offset + part.batch * M * N;
        const aWindow = transA ? { first: aBase, count: K * M } : { first: aBase + part.row * K, count: part.rows * K };
        const grid = [Math.ceil(N / TILE), Math.ceil(part.rows / TILE), part.batches] as const;
        rt.dispatchGroups(matmulShader(form, transA, transB, accumulate), params, [
          ['t_a', a.storage, 'f32', windowed ? aWindow : undefined],
          ['t_b', b.storage, 'f32', windowed ? { first: bBase, count: K * N } : undefined],
          ['t_out', out.storage, 'f32', windowed ? { first: outBase + part.row * N, count: part.rows * N } : undefined],
        ], grid);
      }
    },
  };
}
