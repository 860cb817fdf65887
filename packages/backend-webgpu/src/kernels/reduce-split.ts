// reduce in parts. x is (outer, n, inner) and each output element (o, j) reduces x[o, ·, j]. One dispatch does
// slices of o where it can; where a buffer needs windows, a part is a band of slices, or one slice's band of
// columns j, and where even one column's n values span more than a binding (inner · n too long), n is cut into
// chunks whose partial results go to a scratch buffer and a second pass combines them (a mean then divides once).
import type { ReduceArgs, ReduceOp } from '@microgpt/tensor';
import type { Binding, GpuRuntime } from '../runtime';
import { packParams } from '../wgsl';
import { scalarShader } from './elementwise';
import { maxRows, needsWindows, parts, tooLarge, windowOf } from './split';

/** One dispatch of the reduce shader: `rows` outputs (columns j of one slice, or whole slices) of n values each. */
interface Pass {
  readonly op: ReduceOp;
  readonly rows: number;
  readonly n: number;
  readonly inner: number;
  readonly x: Binding;
  readonly xOffset: number;
  readonly out: Binding;
  readonly outOffset: number;
}

/**
 * Runs `reduce` (the reduce shader of each op from `shader`), split as the file comment says.
 * @throws {BackendMemoryError} when the partial results of one column would not fit one binding (n · inner past
 * the square of a binding's elements: larger than any buffer).
 */
export function reduceInParts(rt: GpuRuntime, { op, x, out, outer, n, inner }: ReduceArgs, shader: (op: ReduceOp) => string): void {
  const dispatch = (pass: Pass): void => {
    const params = packParams([{ u: pass.rows }, { u: pass.n }, { u: pass.inner }, { u: pass.xOffset }, { u: pass.outOffset }]);
    rt.dispatchRows(shader(pass.op), params, [pass.x, pass.out], pass.rows);
  };
  if (outer * inner === 0) return;
  const windowed = needsWindows(rt, [x, out]);
  const span = windowed ? rt.windowElements : Infinity;
  const most = maxRows(rt);
  // Whole slices of o: each slice is n · inner contiguous values and inner outputs.
  if (n * inner <= span && inner <= most) {
    for (const [o, count] of parts(outer, Math.min(Math.floor(most / inner), Math.floor(span / Math.max(n * inner, 1))))) {
      const xAt = o * n * inner;
      dispatch({
        op, rows: count * inner, n, inner, xOffset: x.offset + xAt, outOffset: out.offset + o * inner,
        x: ['t_x', x.storage, 'f32', windowOf(windowed, x, xAt, count * n * inner)], out: ['t_out', out.storage, 'f32', windowOf(windowed, out, o * inner, count * inner)],
      });
    }
    return;
  }
  // Columns [j, j + J) of one slice, over a chunk of `chunk` of its n values: a window of (chunk - 1) · inner + J.
  const chunk = Math.max(1, Math.min(n, Math.floor((span - 1) / inner) + 1));
  const chunks = Math.max(1, Math.ceil(n / chunk));
  let columns = Math.min(inner, most, span - (chunk - 1) * inner);
  if (chunks > 1) columns = Math.min(columns, Math.floor(rt.windowElements / chunks));
  if (columns === 0) throw tooLarge(rt, 'reduce', `the ${chunks} partial results of one of ${inner} columns over ${n} values`, chunks * 4);
  const partial: ReduceOp = op === 'max' ? 'max' : 'sum';
  for (let o = 0; o < outer; o++) {
    for (const [j, J] of parts(inner, columns)) {
      const outAt = o * inner + j;
      const outWindow = windowOf(windowed, out, outAt, J);
      const slice = (c: number, size: number): Pick<Pass, 'n' | 'x' | 'xOffset'> => {
        const xAt = o * n * inner + c * chunk * inner + j;
        return { n: size, xOffset: x.offset + xAt, x: ['t_x', x.storage, 'f32', windowOf(windowed, x, xAt, Math.max(size - 1, 0) * inner + J)] };
      };
      if (chunks === 1) {
        dispatch({ op, rows: J, inner, outOffset: out.offset + outAt, out: ['t_out', out.storage, 'f32', outWindow], ...slice(0, n) });
        continue;
      }
      // Partial results (chunks × J) in scratch, combined by a reduce over the chunk axis; a mean divides once.
      const scratch = rt.scratch(chunks * J * 4);
      parts(n, chunk).forEach(([, size], c) => {
        dispatch({ op: partial, rows: J, inner, outOffset: c * J, out: ['t_out', scratch, 'f32'], ...slice(c, size) });
      });
      dispatch({ op: partial, rows: J, n: chunks, inner: J, xOffset: 0, x: ['t_x', scratch, 'f32'], outOffset: out.offset + outAt, out: ['t_out', out.storage, 'f32', outWindow] });
      if (op === 'mean') {
        const params = packParams([{ u: J }, { u: out.offset + outAt }, { u: out.offset + outAt }, { f: n }]);
        rt.dispatch(scalarShader('div', false), params, [['t_a', out.storage, 'f32', outWindow], ['t_out', out.storage, 'f32', outWindow]], J);
      }
    }
  }
}
