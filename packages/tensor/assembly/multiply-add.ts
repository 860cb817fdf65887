// The one multiply-add of the hot kernels (matmul, attention dot products, float-mode quantized matmul), chosen
// when the module is compiled: the relaxed-SIMD build (`--enable relaxed-simd`) uses `relaxed_madd`, which V8
// lowers to a fused multiply-add where the CPU has one (x64 FMA3, arm64), and the plain SIMD128 build multiplies
// and adds. The dead branch is never compiled, so the plain module contains no relaxed instruction.

/** acc + x·y lane-wise in lanes of T (f32 or f64): fused, or rounded twice, as the CPU does it (relaxed build). */
// @ts-ignore: decorator
@inline export function mulAdd<T>(acc: v128, x: v128, y: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(x, y, acc);
  return v128.add<T>(acc, v128.mul<T>(x, y));
}
