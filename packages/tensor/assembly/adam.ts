// One Adam / AdamW step in place over contiguous param, grad, m, v, in the reference's (microgpt.py's) operation
// order, two f64 lanes at a time; bias1 = 1 - beta1^step and bias2 = 1 - beta2^step come from the JS side.
import { loadPair, storePair } from './math';

@inline function adamStep<T>(two: bool, p: usize, g: usize, m: usize, v: usize, o: usize,
  lr: v128, b1: v128, b2: v128, ob1: v128, ob2: v128, eps: v128, decay: v128, bias1: v128, bias2: v128): void {
  const gv = loadPair<T>(g + o, two);
  const mi = f64x2.add(f64x2.mul(b1, loadPair<T>(m + o, two)), f64x2.mul(ob1, gv));
  const vi = f64x2.add(f64x2.mul(b2, loadPair<T>(v + o, two)), f64x2.mul(ob2, f64x2.mul(gv, gv)));
  storePair<T>(m + o, mi, two);
  storePair<T>(v + o, vi, two);
  const mHat = f64x2.div(mi, bias1);
  const vHat = f64x2.div(vi, bias2);
  // p = p · decay - (lr · mHat) / (sqrt(vHat) + eps), with the unrounded m, v like the reference
  const step = f64x2.div(f64x2.mul(lr, mHat), f64x2.add(f64x2.sqrt(vHat), eps));
  storePair<T>(p + o, f64x2.sub(f64x2.mul(loadPair<T>(p + o, two), decay), step), two);
}

function adamImpl<T>(p: usize, g: usize, m: usize, v: usize, lr: f64, beta1: f64, beta2: f64, eps: f64,
  weightDecay: f64, bias1: f64, bias2: f64, start: i32, end: i32): void {
  const sh = alignof<T>();
  const lrV = f64x2.splat(lr);
  const b1 = f64x2.splat(beta1);
  const b2 = f64x2.splat(beta2);
  const ob1 = f64x2.splat(1 - beta1);
  const ob2 = f64x2.splat(1 - beta2);
  const epsV = f64x2.splat(eps);
  const decay = f64x2.splat(1 - lr * weightDecay);
  const bc1 = f64x2.splat(bias1);
  const bc2 = f64x2.splat(bias2);
  let i = start;
  for (; i + 2 <= end; i += 2) adamStep<T>(true, p, g, m, v, <usize>i << sh, lrV, b1, b2, ob1, ob2, epsV, decay, bc1, bc2);
  if (i < end) adamStep<T>(false, p, g, m, v, <usize>i << sh, lrV, b1, b2, ob1, ob2, epsV, decay, bc1, bc2);
}

export function adamF32(param: usize, grad: usize, m: usize, v: usize, lr: f64, beta1: f64, beta2: f64, eps: f64,
  weightDecay: f64, bias1: f64, bias2: f64, start: i32, end: i32): void {
  adamImpl<f32>(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, bias1, bias2, start, end);
}
export function adamF64(param: usize, grad: usize, m: usize, v: usize, lr: f64, beta1: f64, beta2: f64, eps: f64,
  weightDecay: f64, bias1: f64, bias2: f64, start: i32, end: i32): void {
  adamImpl<f64>(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, bias1, bias2, start, end);
}
