// The quantized linear product out (M, N) = x (M, K) · Ŵᵀ with Ŵ decoded from int8 or int4 codes (Q4_0's nibble
// order within each group), per-group scales and optional offsets: one invocation per output, in float32. With
// int16 activations each row of x is first rounded as the reference rounds it (sx = max|x| / 32767, each value to
// the nearest integer of x / sx, ties to even), and the integer products are summed exactly in i32, flushed into a
// float every FLUSH terms before they could overflow (|q · x| ≤ 128 · 32767 < 2^22).
// A dispatch covers a block of outputs: a band of rows of x times a band of weight rows (columns of out), so where
// a buffer passes one binding (or the outputs pass one dispatch's grid) the product runs block by block, each
// binding only its rows of x, its weight rows' codes, scales and offsets, and its block of out.
import type { Kernels, QuantMatmulArgs } from '@microgpt/tensor';
import type { Binding, GpuRuntime } from '../runtime';
import { ENTRY, memo, packParams, uniform } from '../wgsl';
import { maxThreads, needsWindows, parts, tooLarge, touchedWindow, windowsFit } from './split';

/** Integer products summed before a flush: 256 · 2^22 = 2^30 stays inside an i32. */
const FLUSH = 256;

function shader(format: 'int8' | 'int4', int16: boolean): string {
  const code = format === 'int8'
    ? /* wgsl */ `fn code(n: u32, k: u32) -> i32 {
  let byte = byteAt(p.codes + n * p.K + k);
  return i32(byte) - select(0, 256, byte > 127u);
}`
    : /* wgsl */ `fn code(n: u32, k: u32) -> i32 {
  let j = k % p.G;
  let byte = byteAt(p.codes + (n * p.K + k - j) / 2u + j % (p.G / 2u));
  return i32(select(byte >> 4u, byte & 15u, j < p.G / 2u));
}`;
  // One group's dot product with the codes and the sum of its activations, as floats.
  const group = int16
    ? /* wgsl */ `
    var dot = 0.0;
    var sum = 0;
    var part = 0;
    for (var k = g * p.G; k < (g + 1u) * p.G; k++) {
      let v = select(0, i32(clamp(round(t_x[row + k] / sx), -32767.0, 32767.0)), sx != 0.0);
      part += v * code(n, k);
      sum += v;
      if ((k - g * p.G) % ${FLUSH}u == ${FLUSH - 1}u) { dot += f32(part); part = 0; }
    }
    dot += f32(part);
    let xsum = f32(sum);`
    : /* wgsl */ `
    var dot = 0.0;
    var xsum = 0.0;
    for (var k = g * p.G; k < (g + 1u) * p.G; k++) {
      let v = t_x[row + k];
      dot += v * f32(code(n, k));
      xsum += v;
    }`;
  return memo(`quantMatmul:${format}:${int16}`, () => /* wgsl */ `
${uniform('M: u32, N: u32, K: u32, G: u32, x: u32, codes: u32, scales: u32, offsets: u32, out: u32, hasOffsets: u32, outStride: u32')}
fn byteAt(b: u32) -> u32 { return (t_codes[b >> 2u] >> ((b & 3u) * 8u)) & 255u; }
${code}
${ENTRY}
  if (i >= p.M * p.N) { return; }
  let m = i / p.N;
  let n = i % p.N;
  let row = p.x + m * p.K;
  var sx = 1.0;
  ${int16 ? 'var amax = 0.0;\n  for (var k = 0u; k < p.K; k++) { amax = max(amax, abs(t_x[row + k])); }\n  sx = amax / 32767.0;' : ''}
  let groups = p.K / p.G;
  var result = 0.0;
  for (var g = 0u; g < groups; g++) {
    ${group}
    let offset = select(0.0, t_offsets[p.offsets + n * groups + g], p.hasOffsets == 1u);
    result += t_scales[p.scales + n * groups + g] * dot + offset * xsum;
  }
  t_out[p.out + m * p.outStride + n] = sx * result;
}`);
}

/** One dispatch's block of outputs: rows [m, m + rows) of x and out, weight rows (columns of out) [n, n + cols). */
interface Block {
  readonly m: number;
  readonly rows: number;
  readonly n: number;
  readonly cols: number;
}

/** The parameter block and the bindings of `block` (windows where `windowed`; offsets moved to its first row and column). */
function blockDispatch({ x, codes, scales, offsets, groupSize, format, out }: QuantMatmulArgs, block: Block, windowed: boolean): { params: ArrayBuffer; bound: Binding[] } {
  const [, K] = x.shape as [number, number];
  const N = out.shape[1]!;
  const groups = K / groupSize;
  const rowBytes = format === 'int8' ? K : K / 2;
  const xAt = x.offset + block.m * K;
  const codesAt = codes.offset + block.n * rowBytes;
  const scalesAt = scales.offset + block.n * groups;
  const offsetsAt = (offsets?.offset ?? scales.offset) + block.n * groups;
  const outAt = out.offset + block.m * N + block.n;
  // codes is bound as u32 words: its window covers the words holding the block's bytes.
  const firstWord = Math.floor(codesAt / 4);
  const windows = windowed
    ? [
        { first: xAt, count: block.rows * K },
        { first: firstWord, count: Math.ceil((codesAt + block.cols * rowBytes) / 4) - firstWord },
        { first: scalesAt, count: block.cols * groups },
        { first: offsetsAt, count: block.cols * groups },
        touchedWindow(outAt, [block.rows, block.cols], [N, 1], 0, block.rows * block.cols),
      ]
    : [];
  const params = packParams([
    { u: block.rows }, { u: block.cols }, { u: K }, { u: groupSize }, { u: xAt }, { u: codesAt }, { u: scalesAt },
    { u: offsetsAt }, { u: outAt }, { u: offsets ? 1 : 0 }, { u: N },
  ]);
  // Without offsets the scales stand in for them: the shader reads t_offsets only when hasOffsets is 1.
  const bound: Binding[] = [
    ['t_x', x.storage, 'f32', windows[0]], ['t_codes', codes.storage, 'u32', windows[1]], ['t_scales', scales.storage, 'f32', windows[2]],
    ['t_offsets', (offsets ?? scales).storage, 'f32', windows[3]], ['t_out', out.storage, 'f32', windows[4]],
  ];
  return { params, bound };
}

/**
 * The blocks a quantMatmul runs in: every output at once where it can; else the widest bands of weight rows (all
 * of them where they fit) whose single rows of x fit, then the widest bands of rows of x with them, each block
 * within one dispatch's grid and its windows within one binding.
 * @throws {BackendMemoryError} `<name>.quantMatmul: one row of … elements of x …` when one output's row of x (with
 * its weight row) does not fit one binding.
 */
function quantBlocks(rt: GpuRuntime, args: QuantMatmulArgs, M: number, K: number, N: number, windowed: boolean): Block[] {
  const blocks = (rows: number, cols: number): Block[] => parts(M, rows).flatMap(([m, r]) => parts(N, cols).map(([n, c]) => ({ m, rows: r, n, cols: c })));
  const fits = (all: readonly Block[]): boolean => all.every((block) => block.rows * block.cols <= maxThreads(rt) && windowsFit(rt, blockDispatch(args, block, windowed).bound));
  if (!windowed && M * N <= maxThreads(rt)) return blocks(M, N);
  let cols = N;
  while (cols > 0 && !fits(blocks(1, cols))) cols = Math.floor(cols / 2);
  if (cols === 0) throw tooLarge(rt, 'quantMatmul', `one row of ${K} elements of x`, K * 4);
  let rows = M;
  while (rows > 1 && !fits(blocks(rows, cols))) rows = Math.floor(rows / 2);
  return blocks(rows, cols);
}

/** quantMatmul on `rt` (float32 x and out), in blocks where the limits need them. */
export function quantMatmulKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    quantMatmul(args: QuantMatmulArgs) {
      const [M, K] = args.x.shape as [number, number];
      const N = args.out.shape[1]!;
      if (M * N === 0) return;
      const windowed = needsWindows(rt, [args.x, args.codes, args.scales, args.out, ...(args.offsets ? [args.offsets] : [])]);
      const code = shader(args.format, args.activations === 'int16');
      for (const block of quantBlocks(rt, args, M, K, N, windowed)) {
        const { params, bound } = blockDispatch(args, block, windowed);
        rt.dispatch(code, params, bound, block.rows * block.cols);
      }
    },
  };
}
