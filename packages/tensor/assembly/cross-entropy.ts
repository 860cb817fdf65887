// Fused softmax + cross-entropy over the rows of (N, V) logits, forward and backward. Rows whose target is -1
// are ignored: loss 0 and no gradient; the JS side counts rows and takes the mean.
//
// The forward is one body generic over T; the two helpers right below are where float32 and float64 part:
// float32 takes exponentials in f32x4 lanes (expF32x4) straight into probs and multiplies by 1/sum, at float32
// accuracy (CONTRIBUTING, "Float32 in f32 lanes"); float64 takes them by expV and divides by the sum, as the
// reference. Both sum the exponentials in f64.
import { expF32x4, loadPair, rowExpSum, rowMax, storePair } from './math';

/** p[0 .. V) = exp(x - mx) for f32 rows, in f32x4 lanes; returns their sum in f64. */
@inline function expIntoF32(x: usize, p: usize, V: i32, mx: f32): f64 {
  const m = f32x4.splat(mx);
  let sum: f64 = 0;
  let i = 0;
  for (; i + 4 <= V; i += 4) {
    const e = expF32x4(f32x4.sub(v128.load(x + (<usize>i << 2)), m));
    v128.store(p + (<usize>i << 2), e);
    sum += <f64>f32x4.extract_lane(e, 0) + <f64>f32x4.extract_lane(e, 1) + <f64>f32x4.extract_lane(e, 2) + <f64>f32x4.extract_lane(e, 3);
  }
  for (; i < V; i++) {
    const e = f32x4.extract_lane(expF32x4(f32x4.splat(load<f32>(x + (<usize>i << 2)) - mx)), 0);
    store<f32>(p + (<usize>i << 2), e);
    sum += <f64>e;
  }
  return sum;
}

/** p[0 .. V) = exp(x - mx) for rows of T; returns their sum in f64. */
@inline function expInto<T>(x: usize, p: usize, V: i32, mx: f64): f64 {
  if (sizeof<T>() == 4) return expIntoF32(x, p, V, <f32>mx);
  return rowExpSum<f64>(x, V, mx, true, p);
}

/** p[0 .. V) /= sum: float32 multiplies by 1/sum rounded to f32, float64 divides. */
@inline function normalize<T>(p: usize, V: i32, sum: f64): void {
  let i = 0;
  if (sizeof<T>() == 4) {
    const inverse = <f32>(1 / sum);
    const inv = f32x4.splat(inverse);
    for (; i + 4 <= V; i += 4) v128.store(p + (<usize>i << 2), f32x4.mul(v128.load(p + (<usize>i << 2)), inv));
    for (; i < V; i++) store<f32>(p + (<usize>i << 2), load<f32>(p + (<usize>i << 2)) * inverse);
  } else {
    const s = f64x2.splat(sum);
    for (; i + 2 <= V; i += 2) v128.store(p + (<usize>i << 3), f64x2.div(v128.load(p + (<usize>i << 3)), s));
    if (i < V) store<f64>(p + (<usize>i << 3), load<f64>(p + (<usize>i << 3)) / sum);
  }
}

/** probs = softmax(logits); losses[row] = log Σ exp(x - max) - (x[t] - max), or 0 when t = -1. */
function crossEntropyOf<T>(logits: usize, targets: usize, probs: usize, losses: usize, V: i32, start: i32, end: i32): void {
  const sh = alignof<T>();
  const rowBytes = <usize>V << sh;
  for (let row = start; row < end; row++) {
    const x = logits + <usize>row * rowBytes;
    const p = probs + <usize>row * rowBytes;
    const mx = rowMax<T>(x, V);
    const sum = expInto<T>(x, p, V, mx);
    normalize<T>(p, V, sum);
    const t = load<i32>(targets + (<usize>row << 2));
    const loss = t >= 0 ? Math.log(sum) - (<f64>load<T>(x + (<usize>t << sh)) - mx) : 0;
    store<T>(losses + (<usize>row << sh), <T>loss);
  }
}

@inline function gradStep<T>(two: bool, p: usize, d: usize, o: usize, s: v128): void {
  storePair<T>(d + o, f64x2.add(loadPair<T>(d + o, two), f64x2.mul(loadPair<T>(p + o, two), s)), two);
}

/** dlogits += (probs - onehot(t)) · scale for rows with t >= 0. */
function crossEntropyBackwardOf<T>(probs: usize, targets: usize, dlogits: usize, V: i32, scale: f64, start: i32, end: i32): void {
  const sh = alignof<T>();
  const rowBytes = <usize>V << sh;
  const s = f64x2.splat(scale);
  for (let row = start; row < end; row++) {
    const t = load<i32>(targets + (<usize>row << 2));
    if (t < 0) continue;
    const p = probs + <usize>row * rowBytes;
    const d = dlogits + <usize>row * rowBytes;
    // The target element is redone from its saved value, so the loop needs no test.
    const dt = <f64>load<T>(d + (<usize>t << sh));
    let i = 0;
    for (; i + 2 <= V; i += 2) gradStep<T>(true, p, d, <usize>i << sh, s);
    if (i < V) gradStep<T>(false, p, d, <usize>i << sh, s);
    store<T>(d + (<usize>t << sh), <T>(dt + (<f64>load<T>(p + (<usize>t << sh)) - 1) * scale));
  }
}

export function crossEntropyF32(logits: usize, targets: usize, probs: usize, losses: usize, V: i32, start: i32, end: i32): void {
  crossEntropyOf<f32>(logits, targets, probs, losses, V, start, end);
}
export function crossEntropyF64(logits: usize, targets: usize, probs: usize, losses: usize, V: i32, start: i32, end: i32): void {
  crossEntropyOf<f64>(logits, targets, probs, losses, V, start, end);
}
export function crossEntropyBackwardF32(probs: usize, targets: usize, dlogits: usize, V: i32, scale: f64, start: i32, end: i32): void {
  crossEntropyBackwardOf<f32>(probs, targets, dlogits, V, scale, start, end);
}
export function crossEntropyBackwardF64(probs: usize, targets: usize, dlogits: usize, V: i32, scale: f64, start: i32, end: i32): void {
  crossEntropyBackwardOf<f64>(probs, targets, dlogits, V, scale, start, end);
}
