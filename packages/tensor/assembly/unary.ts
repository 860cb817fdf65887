// Elementwise unary functions and their derivatives (dx += dout · f'(x)). neg, relu, squared_relu and sqrt run
// in native lanes (exact for f32 too); the rest compute in f64x2 like the reference, transcendentals via math.ts.
import { lo64, hi64, pack32, expV, erfc, gaussF32x4, normalCdfF32x4, normalPdfF32x4 } from './math';

/**
 * The functions, by the code the JS side passes as `op`. Member names are the `UnaryOp` names of the TypeScript side,
 * which maps each name to its code through the bindings generated from this enum (scripts/build-wasm.mjs).
 */
export const enum UnaryOp { neg, exp, log, sqrt, rsqrt, tanh, pow, relu, gelu_tanh, gelu_erf, silu, squared_relu }

const SQRT_2_OVER_PI: f64 = 0.7978845608028654; // Math.sqrt(2 / Math.PI)
const INV_SQRT_2: f64 = 0.7071067811865476; // Math.SQRT1_2
const INV_SQRT_2PI: f64 = 0.3989422804014327; // 1 / Math.sqrt(2 * Math.PI)
const GELU_CUBIC: f64 = 0.044715;

@inline function splat(v: f64): v128 {
  return f64x2.splat(v);
}

/** f applied lane by lane with a scalar function (no SIMD form worth having). */
@inline function perLane(op: i32, x: v128, param: f64): v128 {
  return f64x2.replace_lane(f64x2.splat(scalarF(op, f64x2.extract_lane(x, 0), param)), 1, scalarF(op, f64x2.extract_lane(x, 1), param));
}

function scalarF(op: i32, v: f64, param: f64): f64 {
  if (op == UnaryOp.log) return Math.log(v);
  if (op == UnaryOp.tanh) return Math.tanh(v);
  if (op == UnaryOp.pow) return Math.pow(v, param);
  return 0.5 * v * erfc(-v * INV_SQRT_2); // gelu_erf
}

/** f(x) on f64x2, for every op except the native-lane ones. */
@inline function fV(op: i32, x: v128, param: f64): v128 {
  if (op == UnaryOp.exp) return expV(x);
  if (op == UnaryOp.rsqrt) return f64x2.div(splat(1), f64x2.sqrt(x));
  if (op == UnaryOp.gelu_tanh) {
    // v·σ(2u) = v / (1 + exp(-2·√(2/π)·(v + 0.044715·v³)))
    const u = f64x2.add(x, f64x2.mul(f64x2.mul(f64x2.mul(splat(GELU_CUBIC), x), x), x));
    return f64x2.div(x, f64x2.add(splat(1), expV(f64x2.mul(splat(-2 * SQRT_2_OVER_PI), u))));
  }
  if (op == UnaryOp.silu) return f64x2.div(x, f64x2.add(splat(1), expV(f64x2.neg(x))));
  if (op == UnaryOp.sqrt) return f64x2.sqrt(x);
  return perLane(op, x, param);
}

/** out[i] = f(x[i]) computed in f64 (two lanes per step, four for f32 data), for a constant op. */
@inline function mapWide<T>(op: i32, x: usize, out: usize, param: f64, n: i32): void {
  let i = 0;
  if (sizeof<T>() == 4) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      v128.store(out + o, pack32(fV(op, lo64(v), param), fV(op, hi64(v), param)));
    }
  } else {
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      v128.store(out + o, fV(op, v128.load(x + o), param));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    store<T>(out + o, <T>f64x2.extract_lane(fV(op, f64x2.splat(<f64>load<T>(x + o)), param), 0));
  }
}

/** neg, sqrt, relu, squared_relu in native lanes; relu masks with x > 0 so NaN and -0 give +0 like the reference. */
@inline function nativeV<T>(op: i32, x: v128): v128 {
  if (sizeof<T>() == 4) {
    if (op == UnaryOp.neg) return f32x4.neg(x);
    if (op == UnaryOp.sqrt) return f32x4.sqrt(x);
    const pos = f32x4.gt(x, f32x4.splat(0));
    return v128.and(op == UnaryOp.relu ? x : f32x4.mul(x, x), pos);
  } else {
    if (op == UnaryOp.neg) return f64x2.neg(x);
    if (op == UnaryOp.sqrt) return f64x2.sqrt(x);
    const pos = f64x2.gt(x, f64x2.splat(0));
    return v128.and(op == UnaryOp.relu ? x : f64x2.mul(x, x), pos);
  }
}

@inline function mapNative<T>(op: i32, x: usize, out: usize, n: i32): void {
  const lanes = <i32>(16 / sizeof<T>());
  let i = 0;
  for (; i + lanes <= n; i += lanes) {
    const o = <usize>i << alignof<T>();
    v128.store(out + o, nativeV<T>(op, v128.load(x + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    store<T>(out + o, v128.extract_lane<T>(nativeV<T>(op, v128.splat<T>(load<T>(x + o))), 0));
  }
}

/** float32 GELU (erf form) four lanes at a time: x·Φ(x); the tail of fewer than 4 goes through mapWide. */
function geluF32(x: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(out + o, f32x4.mul(v, normalCdfF32x4(v, gaussF32x4(v))));
  }
  if (i < n) mapWide<f32>(UnaryOp.gelu_erf, x + (<usize>i << 2), out + (<usize>i << 2), 0, n - i);
}

/** dx += dout · (Φ(x) + x·φ(x)) for float32, four lanes at a time. */
function geluBackwardF32(x: usize, g: usize, dx: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    const gauss = gaussF32x4(v);
    const slope = f32x4.add(normalCdfF32x4(v, gauss), f32x4.mul(v, normalPdfF32x4(gauss)));
    v128.store(dx + o, f32x4.add(v128.load(dx + o), f32x4.mul(v128.load(g + o), slope)));
  }
  if (i < n) backWide<f32>(UnaryOp.gelu_erf, x + (<usize>i << 2), g + (<usize>i << 2), dx + (<usize>i << 2), 0, n - i);
}

function unaryImpl<T>(op: i32, x: usize, out: usize, param: f64, start: i32, end: i32): void {
  if (end <= start) return;
  const o = <usize>start << alignof<T>();
  x += o;
  out += o;
  const n = end - start;
  if (sizeof<T>() == 4 && op == UnaryOp.gelu_erf) return geluF32(x, out, n);
  switch (op) {
    case UnaryOp.neg: mapNative<T>(UnaryOp.neg, x, out, n); break;
    case UnaryOp.exp: mapWide<T>(UnaryOp.exp, x, out, param, n); break;
    case UnaryOp.log: mapWide<T>(UnaryOp.log, x, out, param, n); break;
    case UnaryOp.sqrt: mapNative<T>(UnaryOp.sqrt, x, out, n); break;
    case UnaryOp.rsqrt: mapWide<T>(UnaryOp.rsqrt, x, out, param, n); break;
    case UnaryOp.tanh: mapWide<T>(UnaryOp.tanh, x, out, param, n); break;
    case UnaryOp.pow: mapWide<T>(UnaryOp.pow, x, out, param, n); break;
    case UnaryOp.relu: mapNative<T>(UnaryOp.relu, x, out, n); break;
    case UnaryOp.gelu_tanh: mapWide<T>(UnaryOp.gelu_tanh, x, out, param, n); break;
    case UnaryOp.gelu_erf: mapWide<T>(UnaryOp.gelu_erf, x, out, param, n); break;
    case UnaryOp.silu: mapWide<T>(UnaryOp.silu, x, out, param, n); break;
    case UnaryOp.squared_relu: mapNative<T>(UnaryOp.squared_relu, x, out, n); break;
    default: unreachable(); // an op without a case here traps instead of running another op
  }
}

// ---- backward ------------------------------------------------------------------------------------------

function scalarDf(op: i32, v: f64, g: f64, param: f64): f64 {
  if (op == UnaryOp.log) return g / v;
  if (op == UnaryOp.tanh) {
    const t = Math.tanh(v);
    return g * (1 - t * t);
  }
  if (op == UnaryOp.pow) return g * param * Math.pow(v, param - 1);
  // gelu_erf
  return g * (0.5 * erfc(-v * INV_SQRT_2) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
}

/** dout · f'(x) on f64x2, in the reference's operation order. */
@inline function dfV(op: i32, x: v128, g: v128, param: f64): v128 {
  if (op == UnaryOp.exp) return f64x2.mul(g, expV(x));
  if (op == UnaryOp.sqrt) return f64x2.div(f64x2.mul(splat(0.5), g), f64x2.sqrt(x));
  if (op == UnaryOp.rsqrt) {
    const r = f64x2.div(splat(1), f64x2.sqrt(x));
    return f64x2.mul(f64x2.mul(f64x2.mul(f64x2.mul(splat(-0.5), g), r), r), r);
  }
  if (op == UnaryOp.gelu_tanh) {
    // f' = s + 2·v·s(1 - s)·u', the second term dropped when s(1 - s) = 0 (u' may be ∞ there)
    const u = f64x2.add(x, f64x2.mul(f64x2.mul(f64x2.mul(splat(GELU_CUBIC), x), x), x));
    const s = f64x2.div(splat(1), f64x2.add(splat(1), expV(f64x2.mul(splat(-2 * SQRT_2_OVER_PI), u))));
    const ds = f64x2.mul(s, f64x2.sub(splat(1), s));
    const du = f64x2.add(splat(1), f64x2.mul(f64x2.mul(splat(3 * GELU_CUBIC), x), x));
    const curve = f64x2.mul(f64x2.mul(f64x2.mul(f64x2.mul(splat(2), ds), x), splat(SQRT_2_OVER_PI)), du);
    return f64x2.mul(g, f64x2.add(s, v128.andnot(curve, f64x2.eq(ds, splat(0)))));
  }
  if (op == UnaryOp.silu) {
    const s = f64x2.div(splat(1), f64x2.add(splat(1), expV(f64x2.neg(x))));
    return f64x2.mul(f64x2.mul(g, s), f64x2.add(splat(1), f64x2.mul(x, f64x2.sub(splat(1), s))));
  }
  if (op == UnaryOp.squared_relu) return v128.and(f64x2.mul(f64x2.mul(splat(2), g), x), f64x2.gt(x, splat(0)));
  const a = scalarDf(op, f64x2.extract_lane(x, 0), f64x2.extract_lane(g, 0), param);
  const b = scalarDf(op, f64x2.extract_lane(x, 1), f64x2.extract_lane(g, 1), param);
  return f64x2.replace_lane(f64x2.splat(a), 1, b);
}

/** dx[i] += dout[i] · f'(x[i]) in f64, rounded once, for a constant op. */
@inline function backWide<T>(op: i32, x: usize, g: usize, dx: usize, param: f64, n: i32): void {
  let i = 0;
  if (sizeof<T>() == 4) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      const gv = v128.load(g + o);
      const d = v128.load(dx + o);
      const a = f64x2.add(lo64(d), dfV(op, lo64(v), lo64(gv), param));
      const b = f64x2.add(hi64(d), dfV(op, hi64(v), hi64(gv), param));
      v128.store(dx + o, pack32(a, b));
    }
  } else {
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      v128.store(dx + o, f64x2.add(v128.load(dx + o), dfV(op, v128.load(x + o), v128.load(g + o), param)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    const inc = f64x2.extract_lane(dfV(op, f64x2.splat(<f64>load<T>(x + o)), f64x2.splat(<f64>load<T>(g + o)), param), 0);
    store<T>(dx + o, <T>(<f64>load<T>(dx + o) + inc));
  }
}

/** neg (dx -= g) and relu (dx += g where x > 0): single f32/f64 operations, exact in native lanes. */
@inline function backNative<T>(op: i32, x: usize, g: usize, dx: usize, n: i32): void {
  const lanes = <i32>(16 / sizeof<T>());
  let i = 0;
  for (; i + lanes <= n; i += lanes) {
    const o = <usize>i << alignof<T>();
    const gv = v128.load(g + o);
    const d = v128.load(dx + o);
    if (sizeof<T>() == 4) {
      v128.store(dx + o, op == UnaryOp.neg ? f32x4.sub(d, gv) : f32x4.add(d, v128.and(gv, f32x4.gt(v128.load(x + o), f32x4.splat(0)))));
    } else {
      v128.store(dx + o, op == UnaryOp.neg ? f64x2.sub(d, gv) : f64x2.add(d, v128.and(gv, f64x2.gt(v128.load(x + o), f64x2.splat(0)))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    if (op == UnaryOp.neg) store<T>(dx + o, load<T>(dx + o) - load<T>(g + o));
    else if (load<T>(x + o) > 0) store<T>(dx + o, load<T>(dx + o) + load<T>(g + o));
  }
}

function unaryBackwardImpl<T>(op: i32, x: usize, g: usize, dx: usize, param: f64, start: i32, end: i32): void {
  if (end <= start) return;
  // d/dx x⁰ is 0 everywhere, including x = 0 where 0 · x⁻¹ would give NaN.
  if (op == UnaryOp.pow && param == 0) return;
  const o = <usize>start << alignof<T>();
  x += o;
  g += o;
  dx += o;
  const n = end - start;
  if (sizeof<T>() == 4 && op == UnaryOp.gelu_erf) return geluBackwardF32(x, g, dx, n);
  switch (op) {
    case UnaryOp.neg: backNative<T>(UnaryOp.neg, x, g, dx, n); break;
    case UnaryOp.exp: backWide<T>(UnaryOp.exp, x, g, dx, param, n); break;
    case UnaryOp.log: backWide<T>(UnaryOp.log, x, g, dx, param, n); break;
    case UnaryOp.sqrt: backWide<T>(UnaryOp.sqrt, x, g, dx, param, n); break;
    case UnaryOp.rsqrt: backWide<T>(UnaryOp.rsqrt, x, g, dx, param, n); break;
    case UnaryOp.tanh: backWide<T>(UnaryOp.tanh, x, g, dx, param, n); break;
    case UnaryOp.pow: backWide<T>(UnaryOp.pow, x, g, dx, param, n); break;
    case UnaryOp.relu: backNative<T>(UnaryOp.relu, x, g, dx, n); break;
    case UnaryOp.gelu_tanh: backWide<T>(UnaryOp.gelu_tanh, x, g, dx, param, n); break;
    case UnaryOp.gelu_erf: backWide<T>(UnaryOp.gelu_erf, x, g, dx, param, n); break;
    case UnaryOp.silu: backWide<T>(UnaryOp.silu, x, g, dx, param, n); break;
    case UnaryOp.squared_relu: backWide<T>(UnaryOp.squared_relu, x, g, dx, param, n); break;
    default: unreachable(); // an op without a case here traps instead of running another op
  }
}

export function unaryF32(op: i32, x: usize, out: usize, param: f64, start: i32, end: i32): void {
  unaryImpl<f32>(op, x, out, param, start, end);
}
export function unaryF64(op: i32, x: usize, out: usize, param: f64, start: i32, end: i32): void {
  unaryImpl<f64>(op, x, out, param, start, end);
}
export function unaryBackwardF32(op: i32, x: usize, dout: usize, dx: usize, param: f64, start: i32, end: i32): void {
  unaryBackwardImpl<f32>(op, x, dout, dx, param, start, end);
}
export function unaryBackwardF64(op: i32, x: usize, dout: usize, dx: usize, param: f64, start: i32, end: i32): void {
  unaryBackwardImpl<f64>(op, x, dout, dx, param, start, end);
}
