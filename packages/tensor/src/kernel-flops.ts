// Floating-point operations of one kernel call, for the profiler's GFLOP/s column. Every add, subtract, multiply,
// divide, exp and sqrt counts 1; comparisons (max, masks) and data movement (copy, fill, embedding gathers) count
// nothing. The counts follow the formulas the kernels' argument types state (kernel-args.ts), not one backend's
// instruction stream, so they compare across backends. Per element of the (N, C) tensor a row kernel works on:
//   softmax            4   (x − max, exp, add to the sum, times 1/sum)
//   softmaxBackward    5   (y·dy into the row's dot, dy − dot (or exp(y)·Σdy), times y, add into dx)
//   crossEntropy       4   (the softmax of the logits; one log per row is not counted)
//   crossEntropyBwd    2   ((p − onehot) · dloss/count, added into dlogits)
//   layernorm          6 + 1 with a weight + 1 with a bias   (mean 1, variance 3, (x − mean)·rstd 2)
//   layernormBackward 10 + 1 with a weight, + 2 with dweight, + 1 with dbias
//   rmsnorm            3 + 1 with a weight   (x² and its sum 2, x·rstd 1)
//   rmsnormBackward    7 + 1 with a weight, + 2 with dweight
//   adam              14 + 1 with weight decay   (m 3, v 4, both bias corrections 2, sqrt, + eps, ÷, · lr, − 1)
//   binary, binaryScalar 1 per output element
// matmul is 2·M·N·K (1 more per output element when it accumulates into out), quantMatmul 2·rows·IC·OC, and
// attention counts its causal query-key pairs p (query i at position offset + i sees min(offset + i + 1, Tk) keys,
// per batch and head): forward (4·D + 5)·p (q·k 2·D, scale 1, softmax 4, att·v 2·D), backward (8·D + 6)·p (dv,
// datt, dq, dk 2·D each, softmax backward 5, scale 1). Unary ops differ too much by op (relu against erf-GELU) to
// share one count; they, reduce, copy, fill and embedding stay unknown (null).

interface Shaped {
  readonly shape: readonly number[];
  readonly size: number;
}

/** Query-key pairs of causal attention per (batch, head): Σ over queries i < Tq of min(offset + i + 1, Tk). */
export function causalPairs(Tq: number, Tk: number, offset: number): number {
  const unclamped = Math.max(0, Math.min(Tq, Tk - offset));
  return unclamped * offset + (unclamped * (unclamped + 1)) / 2 + (Tq - unclamped) * Tk;
}

function attentionPairs(q: Shaped, k: Shaped, offset: number): { pairs: number; D: number } {
  const Tq = q.shape.at(-2)!;
  const D = q.shape.at(-1)!;
  const heads = q.size / (Tq * D);
  return { pairs: heads * causalPairs(Tq, k.shape.at(-2)!, offset), D };
}

const has = (value: unknown): number => (value === null || value === undefined ? 0 : 1);

/**
 * FLOPs of one call of kernel `name` with `args` (the kernel's argument object), by the conventions above; null
 * for the kernels whose count is not defined here.
 */
export function kernelFlops(name: string, args: Record<string, unknown>): number | null {
  const a = args as Record<string, Shaped | null | undefined> & Record<string, unknown>;
  switch (name) {
    case 'matmul': {
      const x = a.a as Shaped;
      const out = a.out as Shaped;
      const K = args.transA ? x.shape.at(-2)! : x.shape.at(-1)!;
      return 2 * out.size * K + (args.accumulate ? out.size : 0);
    }
    case 'quantMatmul':
      return 2 * (a.out as Shaped).size * (a.x as Shaped).shape.at(-1)!;
    case 'attention': {
      const { pairs, D } = attentionPairs(a.q as Shaped, a.k as Shaped, args.offset as number);
      return (4 * D + 5) * pairs;
    }
    case 'attentionBackward': {
      const { pairs, D } = attentionPairs(a.q as Shaped, a.k as Shaped, args.offset as number);
      return (8 * D + 6) * pairs;
    }
    case 'softmax':
      return 4 * (a.x as Shaped).size;
    case 'softmaxBackward':
      return 5 * (a.y as Shaped).size;
    case 'crossEntropy':
      return 4 * (a.logits as Shaped).size;
    case 'crossEntropyBackward':
      return 2 * (a.probs as Shaped).size;
    case 'layernorm':
      return (6 + has(a.weight) + has(a.bias)) * (a.x as Shaped).size;
    case 'layernormBackward':
      return (10 + has(a.weight) + 2 * has(a.dweight) + has(a.dbias)) * (a.x as Shaped).size;
    case 'rmsnorm':
      return (3 + has(a.weight)) * (a.x as Shaped).size;
    case 'rmsnormBackward':
      return (7 + has(a.weight) + 2 * has(a.dweight)) * (a.x as Shaped).size;
    case 'adam':
      return (14 + (args.weightDecay === 0 ? 0 : 1)) * (a.param as Shaped).size;
    case 'binary':
    case 'binaryScalar':
      return (a.out as Shaped).size;
    default:
      return null;
  }
}
