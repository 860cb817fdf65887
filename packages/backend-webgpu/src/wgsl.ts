// Shared pieces of the WGSL shaders and of their parameter blocks. Every shader runs WORKGROUP_SIZE invocations
// per workgroup over a grid of workgroups that is two-dimensional when one dimension would pass 65535 (see
// runtime.ts), binds its parameters as a uniform struct `p` at binding 0 and names its tensors' arrays `t_…`; the
// runtime declares those, one read_write binding per distinct buffer (see GpuRuntime.dispatch).

/** Invocations per workgroup of the one-dimensional kernels. */
export const WORKGROUP_SIZE = 256;

/**
 * Lanes per row of the row kernels (one workgroup per row, reducing through workgroup memory). Small, because
 * a software rasterizer (SwiftShader) pays for every barrier per lane, and most rows here (a model's width, a
 * head's keys) are short; long rows (a vocabulary) take several elements per lane.
 */
export const ROW_SIZE = 32;

/** Most dimensions a strided tensor may have once adjacent dimensions are merged (the parameter block holds 8). */
export const MAX_RANK = 8;

/** The entry point's signature and `let i: u32`, the invocation's global index. */
export const ENTRY = /* wgsl */ `@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * ${WORKGROUP_SIZE}u + lid;`;

/**
 * The entry point for kernels that run one workgroup of ROW_SIZE lanes per row (GpuRuntime.dispatchRows):
 * `let row: u32` and `lid`, the lane in the row; with ROW_REDUCE's `rowSum` and `rowMax` over the lanes.
 */
export const ROW_ENTRY = /* wgsl */ `@compute @workgroup_size(${ROW_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;`;

/** The uniform parameter block `p` of struct `P`, whose fields are `fields` (WGSL member declarations). */
export function uniform(fields: string): string {
  return `struct P { ${fields} }\n@group(0) @binding(0) var<uniform> p: P;`;
}

/** A field of a parameter block: a u32, an i32, an f32 (rounded from float64), or 8 i32 in two vec4 (shape, strides). */
export type Field = { u: number } | { i: number } | { f: number } | { dims: readonly number[] };

/**
 * The bytes of a parameter block holding `fields` in order, laid out as WGSL lays out a uniform struct of the
 * matching members (scalars at 4 bytes, `array<vec4<i32>, 2>` aligned to 16).
 */
export function packParams(fields: readonly Field[]): ArrayBuffer {
  const words: { kind: 'u' | 'i' | 'f'; value: number }[] = [];
  const pad = (to: number): void => {
    while (words.length % to !== 0) words.push({ kind: 'u', value: 0 });
  };
  for (const field of fields) {
    if ('dims' in field) {
      pad(4);
      for (let d = 0; d < MAX_RANK; d++) words.push({ kind: 'i', value: field.dims[d] ?? 0 });
    } else if ('u' in field) words.push({ kind: 'u', value: field.u });
    else if ('i' in field) words.push({ kind: 'i', value: field.i });
    else words.push({ kind: 'f', value: field.f });
  }
  pad(4);
  const view = new DataView(new ArrayBuffer(words.length * 4));
  words.forEach(({ kind, value }, k) => {
    if (kind === 'f') view.setFloat32(k * 4, value, true);
    else if (kind === 'i') view.setInt32(k * 4, value, true);
    else view.setUint32(k * 4, value, true);
  });
  return view.buffer;
}

/**
 * WGSL function `name(k: u32) -> u32`: the storage index of element k (row-major) of a tensor whose shape and
 * strides are the parameter fields `p.<shape>` and `p.<strides>` (array<vec4<i32>, 2>), rank `p.rank`.
 */
export function stridedIndex(name: string, shape: string, strides: string, offset: string): string {
  return /* wgsl */ `fn ${name}(k: u32) -> u32 {
  var rest = k;
  var index = i32(${offset});
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let size = u32(${shape}[d / 4][d % 4]);
    index += i32(rest % size) * ${strides}[d / 4][d % 4];
    rest = rest / size;
  }
  return u32(index);
}`;
}

const shaders = new Map<string, string>();

/** The shader source `make()` builds for `key`, built once (the runtime caches pipelines by source). */
export function memo(key: string, make: () => string): string {
  let code = shaders.get(key);
  if (code === undefined) shaders.set(key, (code = make()));
  return code;
}

/**
 * Workgroup-wide sum and max of one value per lane, as a tree in workgroup memory (every lane gets the result);
 * call from uniform control flow. `bits_` makes infinities and NaNs, which WGSL constants cannot hold.
 */
export const ROW_REDUCE = /* wgsl */ `
var<workgroup> lanes: array<f32, ${ROW_SIZE}>;
fn bits_(b: u32) -> f32 { var v = b; return bitcast<f32>(v); }
fn rowSum(lid: u32, value: f32) -> f32 {
  lanes[lid] = value;
  workgroupBarrier();
  for (var s = ${ROW_SIZE / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) { lanes[lid] += lanes[lid + s]; }
    workgroupBarrier();
  }
  let total = lanes[0];
  workgroupBarrier();
  return total;
}
fn rowMax(lid: u32, value: f32) -> f32 {
  lanes[lid] = value;
  workgroupBarrier();
  for (var s = ${ROW_SIZE / 2}u; s > 0u; s >>= 1u) {
    if (lid < s) {
      let other = lanes[lid + s];
      if (other > lanes[lid] || other != other) { lanes[lid] = other; }
    }
    workgroupBarrier();
  }
  let best = lanes[0];
  workgroupBarrier();
  return best;
}`;
