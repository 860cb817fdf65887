// The quantized linear product out (M, N) = x (M, K) · Ŵᵀ with Ŵ decoded from int8 or int4 codes (Q4_0's nibble
// order within each group), per-group scales and optional offsets: one invocation per output, in float32. With
// int16 activations each row of x is first rounded as the reference rounds it (sx = max|x| / 32767, each value to
// the nearest integer of x / sx, ties to even), and the integer products are summed exactly in i32, flushed into a
// float every FLUSH terms before they could overflow (|q · x| ≤ 128 · 32767 < 2^22).
import type { Kernels, QuantMatmulArgs } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { ENTRY, memo, packParams, uniform } from '../wgsl';

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
${uniform('M: u32, N: u32, K: u32, G: u32, x: u32, codes: u32, scales: u32, offsets: u32, out: u32, hasOffsets: u32')}
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
  t_out[p.out + i] = sx * result;
}`);
}

/** quantMatmul on `rt` (float32 x and out). */
export function quantMatmulKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    quantMatmul({ x, codes, scales, offsets, format, groupSize, activations, out }: QuantMatmulArgs) {
      const [M, K] = x.shape as [number, number];
      const N = out.shape[1]!;
      const params = packParams([
        { u: M }, { u: N }, { u: K }, { u: groupSize }, { u: x.offset }, { u: codes.offset }, { u: scales.offset },
        { u: offsets?.offset ?? 0 }, { u: out.offset }, { u: offsets ? 1 : 0 },
      ]);
      // Without offsets the scales stand in for them: the shader reads t_offsets only when hasOffsets is 1.
      rt.dispatch(shader(format, activations === 'int16'), params, [
        ['t_x', x.storage, 'f32'], ['t_codes', codes.storage, 'u32'], ['t_scales', scales.storage, 'f32'],
        ['t_offsets', (offsets ?? scales).storage, 'f32'], ['t_out', out.storage, 'f32'],
      ], M * N);
    },
  };
}
