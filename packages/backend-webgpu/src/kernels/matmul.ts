// Batched matmul in every form (transA, transB, a batch of 1 shared, accumulate), two ways: `tiled` (16 × 16
// output tiles, one workgroup each, stepping along K through tiles of a and b staged in workgroup memory: what a
// GPU wants) and `direct` (one invocation per output reading a and b straight from storage, no barriers: what a
// software rasterizer wants, where every workgroup barrier costs more than the loads it saves).
import type { Kernels, MatmulArgs } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { memo, packParams, uniform } from '../wgsl';

/** How the backend runs matmul: see the file comment. */
export type MatmulForm = 'tiled' | 'direct';

const TILE = 16;

/** The body that accumulates `sum` for output (row, col) of batch item `batch`. */
function body(form: MatmulForm, aAt: string, bAt: string): string {
  if (form === 'direct') {
    return /* wgsl */ `
  if (row < p.M && col < p.N) {
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
      if (i < p.M && k < p.K) { value = t_a[${aAt}]; }
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
${uniform('M: u32, K: u32, N: u32, aOffset: u32, bOffset: u32, outOffset: u32, aBatched: u32, bBatched: u32')}
${tiles}
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let batch = wid.z;
  let row = wid.y * ${TILE}u + lid.y;
  let col = wid.x * ${TILE}u + lid.x;
  let aBase = p.aOffset + batch * p.aBatched * p.M * p.K;
  let bBase = p.bOffset + batch * p.bBatched * p.K * p.N;
  var sum = 0.0;
  ${body(form, aAt, bAt)}
  if (row < p.M && col < p.N) {
    let o = p.outOffset + (batch * p.M + row) * p.N + col;
    t_out[o] = ${accumulate ? 't_out[o] + sum' : 'sum'};
  }
}`);
}

/** matmul on `rt` (float32), in `form`. */
export function matmulKernels(rt: GpuRuntime, form: MatmulForm): Partial<Kernels> {
  return {
    matmul({ a, b, out, transA, transB, accumulate }: MatmulArgs) {
      const r = out.rank;
      const M = out.shape[r - 2]!;
      const N = out.shape[r - 1]!;
      const batches = M * N === 0 ? 0 : out.size / (M * N);
      const K = transA ? a.shape[a.rank - 2]! : a.shape[a.rank - 1]!;
      // A tensor whose size is one matrix is shared by every batch item (BA or BB = 1).
      const aBatched = a.size > M * K ? 1 : 0;
      const bBatched = b.size > K * N ? 1 : 0;
      const params = packParams([{ u: M }, { u: K }, { u: N }, { u: a.offset }, { u: b.offset }, { u: out.offset }, { u: aBatched }, { u: bBatched }]);
      const grid = [Math.ceil(N / TILE), Math.ceil(M / TILE), batches] as const;
      rt.dispatchGroups(matmulShader(form, transA, transB, accumulate), params, [['t_a', a.storage, 'f32'], ['t_b', b.storage, 'f32'], ['t_out', out.storage, 'f32']], grid);
    },
  };
}
