// Fused softmax + cross-entropy: one workgroup per row writes probs and the row's loss; one workgroup then sums
// the losses and counts the rows not ignored, in row order, for the mean (which stays on the GPU). The backward
// counts those rows once into a scratch word, then adds (probs - onehot) · dloss / count per element.
import type { CrossEntropyArgs, CrossEntropyBackwardArgs, Kernels } from '@microgpt/tensor';
import type { Binding, GpuRuntime } from '../runtime';
import { ENTRY, type RowForm, memo, packParams, rowKernelHead, rowStride, uniform } from '../wgsl';
import { maxThreads, needsWindows, parts, rowBands, windowOf } from './split';

// A part of the work (split.ts) covers rows [rowStart, end) (the row kernel) or elements [start, end) (the
// backward); the mean and the count always see every row.
const FIELDS = 'rows: u32, V: u32, logits: u32, targets: u32, probs: u32, losses: u32, loss: u32, dloss: f32, rowStart: u32, end: u32, start: u32';

function rowsShader(form: RowForm): string {
  const W = rowStride(form);
  return memo(`crossEntropyRows:${form}`, () => /* wgsl */ `
${uniform(FIELDS)}
${rowKernelHead(form)}
  let r = p.rowStart + row;
  if (r >= p.end) { return; }
  let x = p.logits + r * p.V;
  let o = p.probs + r * p.V;
  var best = bits_(0xff800000u);
  for (var j = lid; j < p.V; j += ${W}) { let v = t_logits[x + j]; if (v > best || v != v) { best = v; } }
  let m = rowMax(lid, best);
  var part = 0.0;
  for (var j = lid; j < p.V; j += ${W}) { part += exp(t_logits[x + j] - m); }
  let total = rowSum(lid, part);
  for (var j = lid; j < p.V; j += ${W}) { t_probs[o + j] = exp(t_logits[x + j] - m) / total; }
  if (lid == 0u) {
    let label = t_targets[p.targets + r];
    t_losses[p.losses + r] = select(0.0, log(total) - (t_logits[x + u32(max(label, 0))] - m), label >= 0);
  }
}`);
}

/** losses summed lane by lane in row order, then across lanes; count likewise; loss = total / count. */
function meanShader(form: RowForm): string {
  const W = rowStride(form);
  return memo(`crossEntropyMean:${form}`, () => /* wgsl */ `
${uniform(FIELDS)}
${rowKernelHead(form)}
  // One row of work: the serial form's other invocations leave it to row 0.
  if (row > 0u) { return; }
  var part = 0.0;
  var count = 0.0;
  for (var r = lid; r < p.rows; r += ${W}) {
    part += t_losses[p.losses + r];
    count += select(0.0, 1.0, t_targets[p.targets + r] >= 0);
  }
  let total = rowSum(lid, part);
  let counted = rowSum(lid, count);
  if (lid == 0u) { t_loss[p.loss] = select(total / counted, bits_(0x7fc00000u), counted == 0.0); }
}`);
}

function countShader(form: RowForm): string {
  const W = rowStride(form);
  return memo(`crossEntropyCount:${form}`, () => /* wgsl */ `
${uniform(FIELDS)}
${rowKernelHead(form)}
  if (row > 0u) { return; }
  var count = 0.0;
  for (var r = lid; r < p.rows; r += ${W}) { count += select(0.0, 1.0, t_targets[p.targets + r] >= 0); }
  let counted = rowSum(lid, count);
  if (lid == 0u) { t_count[0] = counted; }
}`);
}

const BACKWARD = /* wgsl */ `
${uniform(FIELDS)}
${ENTRY}
  let k = p.start + i;
  if (k >= p.end) { return; }
  let row = k / p.V;
  let j = k % p.V;
  let label = t_targets[p.targets + row];
  if (label < 0) { return; }
  let onehot = select(0.0, 1.0, u32(label) == j);
  t_dlogits[p.logits + k] += (t_probs[p.probs + k] - onehot) * (p.dloss / t_count[0]);
}`;

/** The parameter block of a call; `part` (rowStart, end, start) picks the share of one dispatch. */
function fields(rows: number, V: number, offsets: readonly number[], dloss: number, part: readonly [number, number, number]): ArrayBuffer {
  return packParams([{ u: rows }, { u: V }, ...offsets.map((u) => ({ u })), { f: dloss }, ...part.map((u) => ({ u }))]);
}

/** crossEntropy and crossEntropyBackward on `rt` (float32). */
export function crossEntropyKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    crossEntropy({ logits, targets, probs, losses, loss }: CrossEntropyArgs) {
      const [rows, V] = logits.shape as [number, number];
      const offsets = [logits.offset, targets.offset, probs.offset, losses.offset, loss.offset];
      // Bands of whole rows that fit one binding where logits or probs need windows, and one dispatch's grid.
      const windowed = needsWindows(rt, [logits, targets, probs, losses, loss]);
      const perRow = (r0: number, count: number): Binding[] => [
        ['t_targets', targets.storage, 'i32', windowOf(windowed, targets, r0, count)], ['t_losses', losses.storage, 'f32', windowOf(windowed, losses, r0, count)],
        ['t_loss', loss.storage, 'f32', windowOf(windowed, loss, 0, 1)],
      ];
      for (const [r0, count] of V === 0 ? [] : rowBands(rt, 'crossEntropy', rows, V, windowed)) {
        rt.dispatchRows(rowsShader(rt.rowForm), fields(rows, V, offsets, 0, [r0, r0 + count, 0]), [
          ['t_logits', logits.storage, 'f32', windowOf(windowed, logits, r0 * V, count * V)], ['t_probs', probs.storage, 'f32', windowOf(windowed, probs, r0 * V, count * V)], ...perRow(r0, count),
        ], count);
      }
      // The mean reads every row's loss and target: one window each (a binding holds millions of rows).
      rt.dispatchRows(meanShader(rt.rowForm), fields(rows, V, offsets, 0, [0, rows, 0]), perRow(0, rows), 1);
    },
    crossEntropyBackward({ probs, targets, dlogits, dloss }: CrossEntropyBackwardArgs) {
      const [rows, V] = probs.shape as [number, number];
      const offsets = [dlogits.offset, targets.offset, probs.offset, 0, 0];
      const count = rt.scratch(4);
      const windowed = needsWindows(rt, [probs, targets, dlogits]);
      rt.dispatchRows(countShader(rt.rowForm), fields(rows, V, offsets, dloss, [0, rows, 0]), [['t_targets', targets.storage, 'i32', windowOf(windowed, targets, 0, rows)], ['t_count', count, 'f32']], 1);
      const most = Math.min(maxThreads(rt), windowed ? rt.windowElements : Infinity);
      for (const [start, n] of rows * V === 0 ? [] : parts(rows * V, most)) {
        const [first, last] = [Math.floor(start / V), Math.floor((start + n - 1) / V)];
        rt.dispatch(BACKWARD, fields(rows, V, offsets, dloss, [0, start + n, start]), [
          ['t_dlogits', dlogits.storage, 'f32', windowOf(windowed, dlogits, start, n)], ['t_targets', targets.storage, 'i32', windowOf(windowed, targets, first, last - first + 1)],
          ['t_probs', probs.storage, 'f32', windowOf(windowed, probs, start, n)], ['t_count', count, 'f32'],
        ], n);
      }
    },
  };
}
