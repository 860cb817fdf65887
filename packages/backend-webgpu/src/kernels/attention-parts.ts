// Attention in parts (see split.ts): a part is every head where nothing needs windows and the grid allows, else a
// band of heads of one batch item (all their query rows), or, where one head does not fit, a band of one head's
// query rows. Each part gets a parameter block whose view offsets start at its first head and row, with the
// KV-cache offset moved on by that row (query i of the band is query row + i, which sees keys up to offset + row +
// i), so the shaders run unchanged on the part; a part binds the windows of its query rows, of all its heads' keys
// and values, and of its rows of att.
import type { Tensor } from '@microgpt/tensor';
import type { Binding, GpuRuntime } from '../runtime';
import { type Field, packParams } from '../wgsl';
import { maxRows, maxThreads, parts, tooLarge, touchedWindow, windowsFit } from './split';

/** The views a parameter block describes: q, k, v, out (`o`), dout (`g`) and the gradients. */
export const VIEWS = ['q', 'k', 'v', 'o', 'g', 'dq', 'dk', 'dv'] as const;
/** One of VIEWS: the name of a view's fields in the parameter block (`qOff`, `qS0`, …) and its binding (`t_q`). */
export type View = (typeof VIEWS)[number];

/** The parameter block's fields, as the shaders declare them (attentionPart packs them in this order). */
export const ATTENTION_FIELDS = `H: u32, Tq: u32, Tk: u32, D: u32, rows: u32, offset: u32, att: u32, scale: f32, ${VIEWS.map((n) => `${n}Off: u32, ${n}S0: u32, ${n}S1: u32, ${n}S2: u32`).join(', ')}`;

/** Views indexed by query row (the others by key row). */
const QUERY_SIDE: ReadonlySet<View> = new Set(['q', 'o', 'g', 'dq']);

/** One dispatch's share: heads [h, h + heads) of batch item b, query rows [row, row + rows) of each. */
export interface AttentionPart {
  readonly b: number;
  readonly h: number;
  readonly heads: number;
  readonly row: number;
  readonly rows: number;
}

/** The tensors and scalars of one attention call. */
export interface AttentionCall {
  readonly views: Partial<Record<View, Tensor>>;
  readonly att: Tensor;
  readonly scale: number;
  readonly offset: number;
}

/** The parameter block (the shaders' FIELDS) and the bindings of `part`, windowed where `windowed`. */
export function attentionPart({ views, att, scale, offset }: AttentionCall, part: AttentionPart, windowed: boolean): { params: ArrayBuffer; bound: Binding[] } {
  const [, H, Tq, D] = views.q!.shape as [number, number, number, number];
  const Tk = views.k!.shape[2]!;
  const attAt = ((part.b * H + part.h) * Tq + part.row) * Tk;
  const bound: Binding[] = [['t_att', att.storage, 'f32', windowed ? { first: att.offset + attAt, count: part.heads * part.rows * Tk } : undefined]];
  const fields: Field[] = VIEWS.flatMap((name) => {
    const t = views[name];
    if (!t) return [{ u: 0 }, { u: 0 }, { u: 0 }, { u: 0 }];
    const [s0, s1, s2] = t.strides as [number, number, number];
    const rows = QUERY_SIDE.has(name) ? part.rows : Tk;
    const at = t.offset + part.b * s0 + part.h * s1 + (QUERY_SIDE.has(name) ? part.row * s2 : 0);
    bound.push([`t_${name}`, t.storage, 'f32', windowed ? touchedWindow(at, [part.heads, rows, D], [s1, s2, 1], 0, part.heads * rows * D) : undefined]);
    return [{ u: at }, { u: s0 }, { u: s1 }, { u: s2 }];
  });
  const params = packParams([
    { u: H }, { u: part.rows }, { u: Tk }, { u: D }, { u: part.heads * part.rows }, { u: offset + part.row }, { u: att.offset + attAt }, { f: scale }, ...fields,
  ]);
  return { params, bound };
}

/**
 * The parts `kernel` runs `call` in: the widest bands of heads, else of query rows, whose windows fit one binding,
 * whose rows fit one dispatch's grid, and (the backward: `keyThreads`, `scratchPerRow`) whose per-key dispatch and
 * per-row scratch fit too.
 * @throws {BackendMemoryError} when one query row with its head's keys and values does not fit one binding.
 */
export function attentionParts(rt: GpuRuntime, kernel: string, call: AttentionCall, windowed: boolean, keyThreads: number, scratchPerRow: number): AttentionPart[] {
  const [B, H, Tq] = call.views.q!.shape as [number, number, number];
  const fits = (all: readonly AttentionPart[]): boolean =>
    all.every((part) => part.heads * part.rows <= maxRows(rt) && part.heads * keyThreads <= maxThreads(rt) && part.heads * part.rows * scratchPerRow <= rt.windowElements && windowsFit(rt, attentionPart(call, part, windowed).bound));
  // Unwindowed, one part may run on from one batch item's heads into the next (the shaders split a head index by H).
  const all: AttentionPart = { b: 0, h: 0, heads: B * H, row: 0, rows: Tq };
  if (!windowed && fits([all])) return [all];
  const out: AttentionPart[] = [];
  for (let b = 0; b < B; b++) {
    let heads = H;
    const headBands = (): AttentionPart[] => parts(H, heads).map(([h, n]) => ({ b, h, heads: n, row: 0, rows: Tq }));
    while (heads > 0 && !fits(headBands())) heads = Math.floor(heads / 2);
    if (heads > 0) {
      out.push(...headBands());
      continue;
    }
    let rows = Tq;
    const rowBands = (): AttentionPart[] => Array.from({ length: H }, (_, h) => parts(Tq, rows).map(([row, n]) => ({ b, h, heads: 1, row, rows: n }))).flat();
    while (rows > 0 && !fits(rowBands())) rows = Math.floor(rows / 2);
    if (rows === 0) throw tooLarge(rt, kernel, `one query row with the ${call.views.k!.shape[2]} keys and values of its head`, 2 * call.views.k!.shape[2]! * call.views.q!.shape[3]! * 4);
    out.push(...rowBands());
  }
  return out;
}
