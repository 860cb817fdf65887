// Shared pieces of the WGSL shaders and of their parameter blocks. Every shader runs WORKGROUP_SIZE invocations
// per workgroup over a grid of workgroups that is two-dimensional when one dimension would pass 65535 (see
// runtime.ts), binds its parameters as a uniform struct `p` at binding 0 and names its tensors' arrays `t_…`; the
// runtime declares those, one read_write binding per distinct buffer (see GpuRuntime.dispatch).

/** Invocations per workgroup of the one-dimensional kernels. */
export const WORKGROUP_SIZE = 256;

/**
 * Lanes per row of the row kernels in the lanes form (one workgroup per row, reducing through workgroup memory).
 * Small, because most rows here (a model's width, a head's keys) are short; long rows (a vocabulary) take several
 * elements per lane.
 */
export const ROW_SIZE = 32;

/** Most dimensions a strided tensor may have once adjacent dimensions are merged (the parameter block holds 8). */
export const MAX_RANK = 8;

/** The entry point's signature and `let i: u32`, the invocation's global index. */
export const ENTRY = /* wgsl */ `@compute @workgroup_size(${WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * ${WORKGROUP_SIZE}u + lid;`;

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
 * How a row kernel (GpuRuntime.dispatchRows) spreads a row: `lanes`, one workgroup of ROW_SIZE lanes per row
 * combining through workgroup memory (what a GPU wants), or `serial`, one invocation per row, SERIAL_ROWS rows a
 * workgroup, with no workgroup memory and no barrier (what a software adapter wants: SwiftShader runs each barrier
 * as a switch between the lanes' coroutines, which costs more than a short row's arithmetic).
 */
export type RowForm = 'lanes' | 'serial';

/** Rows (invocations) per workgroup of the serial row form. */
export const SERIAL_ROWS = 16;

/**
 * The start of a row kernel in `form`: `bits_` (makes infinities and NaNs, which WGSL constants cannot hold),
 * `rowSum` and `rowMax` over the row's lanes (every lane gets the result; call from uniform control flow), and the
 * entry point with `let row: u32` and `lid: u32`, the lane in the row (always 0 in the serial form). A kernel
 * strides along its row by rowStride(form) from `lid` and returns early only where `row` passes the rows.
 */
export function rowKernelHead(form: RowForm): string {
  return memo(`rowHead:${form}`, () => (form === 'serial' ? SERIAL_HEAD : LANES_HEAD));
}

/** The step between one lane's elements of a row in `form` (a WGSL u32). */
export function rowStride(form: RowForm): string {
  return form === 'serial' ? '1u' : `${ROW_SIZE}u`;
}

/** Makes a row's storage writes seen by every lane of the row: barriers in the lanes form, nothing in the serial one. */
export function rowSync(form: RowForm): string {
  return form === 'serial' ? '' : 'storageBarrier();\n  workgroupBarrier();';
}

const BITS = 'fn bits_(b: u32) -> f32 { var v = b; return bitcast<f32>(v); }';

/** Sum and max as a tree in workgroup memory, one workgroup per row. */
const LANES_HEAD = /* wgsl */ `
var<workgroup> lanes: array<f32, ${ROW_SIZE}>;
${BITS}
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
}
@compute @workgroup_size(${ROW_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;`;

/** One lane per row: its own value is the row's sum and max. */
const SERIAL_HEAD = /* wgsl */ `
${BITS}
fn rowSum(lid: u32, value: f32) -> f32 { return value; }
fn rowMax(lid: u32, value: f32) -> f32 { return value; }
@compute @workgroup_size(${SERIAL_ROWS})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let row = (wid.x + wid.y * nwg.x) * ${SERIAL_ROWS}u + lane;
  let lid = 0u;`;
