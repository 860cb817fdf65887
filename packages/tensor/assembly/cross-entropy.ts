// Fused softmax + cross-entropy over the rows of (N, V) logits, forward and backward. Rows whose target is -1
// are ignored: loss 0 and no gradient; the JS side counts rows and takes the mean.
import { L2, S2, expF32x4, expV, rowMax, rowExpSum } from './math';

@inline function probsOut<T>(two: bool, x: usize, p: usize, o: usize, m: v128, s: v128): void {
  S2<T>(p + o, f64x2.div(expV(f64x2.sub(L2<T>(x + o, two), m)), s), two);
}

/**
 * The float32 form in f32 lanes: exponentials by expF32x4 stored straight into probs, summed in f64, then
 * scaled by 1/sum. Float32 results need no more (the float64 form below keeps the reference's accuracy).
 */
function crossEntropyF32Lanes(logits: usize, targets: usize, probs: usize, losses: usize, V: i32, start: i32, end: i32): void {
  const rowBytes = <usize>V << 2;
  for (let row = start; row < end; row++) {
    const x = logits + <usize>row * rowBytes;
    const p = probs + <usize>row * rowBytes;
    const mx = <f32>rowMax<f32>(x, V);
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
    const inv = f32x4.splat(<f32>(1 / sum));
    i = 0;
    for (; i + 4 <= V; i += 4) v128.store(p + (<usize>i << 2), f32x4.mul(v128.load(p + (<usize>i << 2)), inv));
    for (; i < V; i++) store<f32>(p + (<usize>i << 2), load<f32>(p + (<usize>i << 2)) * <f32>(1 / sum));
    const t = load<i32>(targets + (<usize>row << 2));
    const loss = t >= 0 ? Math.log(sum) - (<f64>load<f32>(x + (<usize>t << 2)) - <f64>mx) : 0;
    store<f32>(losses + (<usize>row << 2), <f32>loss);
  }
}

/** probs = softmax(logits); losses[row] = log Σ exp(x - max) - (x[t] - max), or 0 when t = -1. */
function crossEntropyImpl<T>(logits: usize, targets: usize, probs: usize, losses: usize, V: i32, start: i32, end: i32): void {
  const sh = alignof<T>();
  const rowBytes = <usize>V << sh;
  for (let row = start; row < end; row++) {
    const x = logits + <usize>row * rowBytes;
    const p = probs + <usize>row * rowBytes;
    const mx = rowMax<T>(x, V);
    // f64 rows keep the exponentials in probs for the divide pass; f32 rows recompute them.
    const sum = rowExpSum<T>(x, V, mx, true, p);
    const s = f64x2.splat(sum);
    let i = 0;
    if (sizeof<T>() == 8) {
      for (; i + 2 <= V; i += 2) v128.store(p + (<usize>i << 3), f64x2.div(v128.load(p + (<usize>i << 3)), s));
      if (i < V) store<f64>(p + (<usize>i << 3), load<f64>(p + (<usize>i << 3)) / sum);
    } else {
      const m = f64x2.splat(mx);
      for (; i + 2 <= V; i += 2) probsOut<T>(true, x, p, <usize>i << sh, m, s);
      if (i < V) probsOut<T>(false, x, p, <usize>i << sh, m, s);
    }
    const t = load<i32>(targets + (<usize>row << 2));
    const loss = t >= 0 ? Math.log(sum) - (<f64>load<T>(x + (<usize>t << sh)) - mx) : 0;
    store<T>(losses + (<usize>row << sh), <T>loss);
  }
}

@inline function gradStep<T>(two: bool, p: usize, d: usize, o: usize, s: v128): void {
  S2<T>(d + o, f64x2.add(L2<T>(d + o, two), f64x2.mul(L2<T>(p + o, two), s)), two);
}

/** dlogits += (probs - onehot(t)) · scale for rows with t >= 0. */
function crossEntropyBackwardImpl<T>(probs: usize, targets: usize, dlogits: usize, V: i32, scale: f64, start: i32, end: i32): void {
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
  crossEntropyF32Lanes(logits, targets, probs, losses, V, start, end);
}
export function crossEntropyF64(logits: usize, targets: usize, probs: usize, losses: usize, V: i32, start: i32, end: i32): void {
  crossEntropyImpl<f64>(logits, targets, probs, losses, V, start, end);
}
export function crossEntropyBackwardF32(probs: usize, targets: usize, dlogits: usize, V: i32, scale: f64, start: i32, end: i32): void {
  crossEntropyBackwardImpl<f32>(probs, targets, dlogits, V, scale, start, end);
}
export function crossEntropyBackwardF64(probs: usize, targets: usize, dlogits: usize, V: i32, scale: f64, start: i32, end: i32): void {
  crossEntropyBackwardImpl<f64>(probs, targets, dlogits, V, scale, start, end);
}
