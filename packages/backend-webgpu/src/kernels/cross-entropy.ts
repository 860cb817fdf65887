// Fused softmax + cross-entropy: one workgroup per row writes probs and the row's loss; one workgroup then sums
// the losses and counts the rows not ignored, in row order, for the mean (which stays on the GPU). The backward
// counts those rows once into a scratch word, then adds (probs - onehot) · dloss / count per element.
import type { CrossEntropyArgs, CrossEntropyBackwardArgs, Kernels } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { ENTRY, ROW_ENTRY, ROW_REDUCE, ROW_SIZE, packParams, uniform } from '../wgsl';

const W = `${ROW_SIZE}u`;
const FIELDS = 'rows: u32, V: u32, logits: u32, targets: u32, probs: u32, losses: u32, loss: u32, dloss: f32';

const ROWS = /* wgsl */ `
${uniform(FIELDS)}
${ROW_REDUCE}
${ROW_ENTRY}
  if (row >= p.rows) { return; }
  let x = p.logits + row * p.V;
  let o = p.probs + row * p.V;
  var best = bits_(0xff800000u);
  for (var j = lid; j < p.V; j += ${W}) { let v = t_logits[x + j]; if (v > best || v != v) { best = v; } }
  let m = rowMax(lid, best);
  var part = 0.0;
  for (var j = lid; j < p.V; j += ${W}) { part += exp(t_logits[x + j] - m); }
  let total = rowSum(lid, part);
  for (var j = lid; j < p.V; j += ${W}) { t_probs[o + j] = exp(t_logits[x + j] - m) / total; }
  if (lid == 0u) {
    let label = t_targets[p.targets + row];
    t_losses[p.losses + row] = select(0.0, log(total) - (t_logits[x + u32(max(label, 0))] - m), label >= 0);
  }
}`;

/** losses summed lane by lane in row order, then across lanes; count likewise; loss = total / count. */
const MEAN = /* wgsl */ `
${uniform(FIELDS)}
${ROW_REDUCE}
${ROW_ENTRY}
  var part = 0.0;
  var count = 0.0;
  for (var r = lid; r < p.rows; r += ${W}) {
    part += t_losses[p.losses + r];
    count += select(0.0, 1.0, t_targets[p.targets + r] >= 0);
  }
  let total = rowSum(lid, part);
  let counted = rowSum(lid, count);
  if (lid == 0u) { t_loss[p.loss] = select(total / counted, bits_(0x7fc00000u), counted == 0.0); }
}`;

const COUNT = /* wgsl */ `
${uniform(FIELDS)}
${ROW_REDUCE}
${ROW_ENTRY}
  var count = 0.0;
  for (var r = lid; r < p.rows; r += ${W}) { count += select(0.0, 1.0, t_targets[p.targets + r] >= 0); }
  let counted = rowSum(lid, count);
  if (lid == 0u) { t_count[0] = counted; }
}`;

const BACKWARD = /* wgsl */ `
${uniform(FIELDS)}
${ENTRY}
  if (i >= p.rows * p.V) { return; }
  let row = i / p.V;
  let j = i % p.V;
  let label = t_targets[p.targets + row];
  if (label < 0) { return; }
  let onehot = select(0.0, 1.0, u32(label) == j);
  t_dlogits[p.logits + i] += (t_probs[p.probs + i] - onehot) * (p.dloss / t_count[0]);
}`;

/** crossEntropy and crossEntropyBackward on `rt` (float32). */
export function crossEntropyKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    crossEntropy({ logits, targets, probs, losses, loss }: CrossEntropyArgs) {
      const [rows, V] = logits.shape as [number, number];
      const params = packParams([{ u: rows }, { u: V }, { u: logits.offset }, { u: targets.offset }, { u: probs.offset }, { u: losses.offset }, { u: loss.offset }, { f: 0 }]);
      const bound = [
        ['t_logits', logits.storage, 'f32'], ['t_targets', targets.storage, 'i32'], ['t_probs', probs.storage, 'f32'],
        ['t_losses', losses.storage, 'f32'], ['t_loss', loss.storage, 'f32'],
      ] as const;
      rt.dispatchRows(ROWS, params, bound, V === 0 ? 0 : rows);
      rt.dispatchRows(MEAN, params, bound, 1);
    },
    crossEntropyBackward({ probs, targets, dlogits, dloss }: CrossEntropyBackwardArgs) {
      const [rows, V] = probs.shape as [number, number];
      const params = packParams([{ u: rows }, { u: V }, { u: dlogits.offset }, { u: targets.offset }, { u: probs.offset }, { u: 0 }, { u: 0 }, { f: dloss }]);
      const count = rt.scratch(4);
      rt.dispatchRows(COUNT, params, [['t_targets', targets.storage, 'i32'], ['t_count', count, 'f32']], 1);
      const bound = [['t_dlogits', dlogits.storage, 'f32'], ['t_targets', targets.storage, 'i32'], ['t_probs', probs.storage, 'f32'], ['t_count', count, 'f32']] as const;
      rt.dispatch(BACKWARD, params, bound, rows * V);
    },
  };
}
