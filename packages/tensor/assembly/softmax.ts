// Softmax and log-softmax over the rows of (N, C), forward and backward. Each row subtracts its max before
// exponentiating; sums run in f64 and outputs are rounded once, as in the reference.
import { lo64, hi64, pack32, expV, expS, rowMax, rowSum, rowDot, rowExpSum } from './math';

/** out = softmax(x) (exp(x - max) / sum) or, when `log`, x - max - log(sum), for one row of C. */
@inline function softmaxRow<T>(x: usize, out: usize, C: i32, log: bool): void {
  const mx = rowMax<T>(x, C);
  // f64 rows keep the exponentials in out for the divide pass; f32 rows recompute them (exp is cheap here).
  const sum = rowExpSum<T>(x, C, mx, !log, out);
  const m = f64x2.splat(mx);
  let i = 0;
  if (log) {
    const ls = f64x2.splat(Math.log(sum));
    if (sizeof<T>() == 4) {
      for (; i + 4 <= C; i += 4) {
        const o = <usize>i << 2;
        const v = v128.load(x + o);
        v128.store(out + o, pack32(f64x2.sub(f64x2.sub(lo64(v), m), ls), f64x2.sub(f64x2.sub(hi64(v), m), ls)));
      }
    } else {
      for (; i + 2 <= C; i += 2) {
        const o = <usize>i << 3;
        v128.store(out + o, f64x2.sub(f64x2.sub(v128.load(x + o), m), ls));
      }
    }
    for (; i < C; i++) {
      const o = <usize>i << alignof<T>();
      store<T>(out + o, <T>(<f64>load<T>(x + o) - mx - f64x2.extract_lane(ls, 0)));
    }
  } else {
    const s = f64x2.splat(sum);
    if (sizeof<T>() == 4) {
      for (; i + 4 <= C; i += 4) {
        const o = <usize>i << 2;
        const v = v128.load(x + o);
        v128.store(out + o, pack32(f64x2.div(expV(f64x2.sub(lo64(v), m)), s), f64x2.div(expV(f64x2.sub(hi64(v), m)), s)));
      }
      for (; i < C; i++) {
        const o = <usize>i << 2;
        store<f32>(out + o, <f32>(expS(<f64>load<f32>(x + o) - mx) / sum));
      }
    } else {
      for (; i + 2 <= C; i += 2) {
        const o = <usize>i << 3;
        v128.store(out + o, f64x2.div(v128.load(out + o), s));
      }
      for (; i < C; i++) {
        const o = <usize>i << 3;
        store<f64>(out + o, load<f64>(out + o) / sum);
      }
    }
  }
}

function softmaxImpl<T>(x: usize, out: usize, C: i32, log: i32, start: i32, end: i32): void {
  const rowBytes = <usize>C << alignof<T>();
  for (let r = start; r < end; r++) {
    const o = <usize>r * rowBytes;
    if (log) softmaxRow<T>(x + o, out + o, C, true);
    else softmaxRow<T>(x + o, out + o, C, false);
  }
}

/** softmax: dx += y (dy - Σ y·dy); log-softmax: dx += dy - exp(y) Σ dy. */
@inline function softmaxBackwardRow<T>(y: usize, dy: usize, dx: usize, C: i32, log: bool): void {
  const dot = log ? rowSum<T>(dy, C) : rowDot<T>(y, dy, C);
  const d = f64x2.splat(dot);
  let i = 0;
  if (sizeof<T>() == 4) {
    for (; i + 4 <= C; i += 4) {
      const o = <usize>i << 2;
      const yv = v128.load(y + o);
      const gv = v128.load(dy + o);
      const xv = v128.load(dx + o);
      let a: v128, b: v128;
      if (log) {
        a = f64x2.sub(lo64(gv), f64x2.mul(expV(lo64(yv)), d));
        b = f64x2.sub(hi64(gv), f64x2.mul(expV(hi64(yv)), d));
      } else {
        a = f64x2.mul(lo64(yv), f64x2.sub(lo64(gv), d));
        b = f64x2.mul(hi64(yv), f64x2.sub(hi64(gv), d));
      }
      v128.store(dx + o, pack32(f64x2.add(lo64(xv), a), f64x2.add(hi64(xv), b)));
    }
  } else {
    for (; i + 2 <= C; i += 2) {
      const o = <usize>i << 3;
      const yv = v128.load(y + o);
      const gv = v128.load(dy + o);
      const inc = log ? f64x2.sub(gv, f64x2.mul(expV(yv), d)) : f64x2.mul(yv, f64x2.sub(gv, d));
      v128.store(dx + o, f64x2.add(v128.load(dx + o), inc));
    }
  }
  for (; i < C; i++) {
    const o = <usize>i << alignof<T>();
    const yv = <f64>load<T>(y + o);
    const gv = <f64>load<T>(dy + o);
    const inc = log ? gv - expS(yv) * dot : yv * (gv - dot);
    store<T>(dx + o, <T>(<f64>load<T>(dx + o) + inc));
  }
}

function softmaxBackwardImpl<T>(y: usize, dy: usize, dx: usize, C: i32, log: i32, start: i32, end: i32): void {
  const rowBytes = <usize>C << alignof<T>();
  for (let r = start; r < end; r++) {
    const o = <usize>r * rowBytes;
    if (log) softmaxBackwardRow<T>(y + o, dy + o, dx + o, C, true);
    else softmaxBackwardRow<T>(y + o, dy + o, dx + o, C, false);
  }
}

export function softmaxF32(x: usize, out: usize, C: i32, log: i32, start: i32, end: i32): void {
  softmaxImpl<f32>(x, out, C, log, start, end);
}
export function softmaxF64(x: usize, out: usize, C: i32, log: i32, start: i32, end: i32): void {
  softmaxImpl<f64>(x, out, C, log, start, end);
}
export function softmaxBackwardF32(y: usize, dy: usize, dx: usize, C: i32, log: i32, start: i32, end: i32): void {
  softmaxBackwardImpl<f32>(y, dy, dx, C, log, start, end);
}
export function softmaxBackwardF64(y: usize, dy: usize, dx: usize, C: i32, log: i32, start: i32, end: i32): void {
  softmaxBackwardImpl<f64>(y, dy, dx, C, log, start, end);
}
