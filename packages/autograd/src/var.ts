// Var: a tensor that remembers how it was made. Each op builds its output Var and gives it a `backward` that adds
// the output's gradient, through the op's derivative, into its inputs' gradients (micrograd's design, over
// tensors). `backward()` on a scalar walks the graph in reverse topological order; gradients accumulate, so a
// Var used twice gets both contributions.
import { type DType, ShapeError, type Shape, Tensor, fill, formatShape } from '@microgpt/tensor';
import { acquire, release } from './pool';

let recording = true;
/** The gradient buffer of the Var whose `backward()` is running: the seed 1, a number the host knows without a read. */
let seed: Tensor | null = null;

/** A value in the graph: a tensor, its gradient once computed, and how it was made. */
export class Var {
  /** The forward value. */
  readonly value: Tensor;
  /** ∂loss/∂value after `backward()`, same shape as value; null before. Leaves keep it across steps. */
  grad: Tensor | null = null;
  /** Whether gradients flow to (or through) this Var. */
  readonly requiresGrad: boolean;
  /** The Vars this one was computed from (empty for leaves). */
  readonly parents: readonly Var[];
  /** The op's name, for debugging and error messages. */
  readonly op: string;
  /** Adds this Var's gradient into its parents' gradients; null for leaves and when not recording. */
  backwardStep: (() => void) | null = null;
  /** What the op kept for its backward (pooled buffers such as softmax probabilities), released with it. */
  readonly saved: readonly Tensor[];
  /** Whether `value` is a view of another Var's value (reshape, transpose) rather than a pooled buffer. */
  readonly isView: boolean;

  /**
   * Wraps `value` as a node of the graph; nothing is checked or copied. Use `param` or `constant` for leaves and
   * `opResult` in an op; the constructor is public for those helpers and for ops in other packages.
   * @param parents the inputs it was computed from (empty for a leaf).
   * @param op the op's name, `'leaf'` for a leaf.
   * @param saved buffers kept for the backward, released (back to the pool) with the Var.
   * @param isView whether `value` is a view of another Var's value, disposed rather than released.
   */
  constructor(value: Tensor, requiresGrad: boolean, parents: readonly Var[] = [], op = 'leaf', saved: readonly Tensor[] = [], isView = false) {
    this.value = value;
    this.requiresGrad = requiresGrad;
    this.parents = parents;
    this.op = op;
    this.saved = saved;
    this.isView = isView;
  }

  /** The shape of the value tensor. */
  get shape(): Shape {
    return this.value.shape;
  }

  /** The dtype of the value tensor. */
  get dtype(): DType {
    return this.value.dtype;
  }

  /** True for Vars made directly from tensors (parameters, inputs), not by an op. */
  get isLeaf(): boolean {
    return this.op === 'leaf';
  }

  /**
   * Backpropagates from this scalar: sets its gradient to 1 and runs every op's backward in reverse
   * topological order, adding into the gradients of every Var that requires one.
   * @throws {ShapeError} unless this Var has exactly one element.
   */
  backward(): void {
    if (this.value.size !== 1) {
      throw new ShapeError(`backward: needs a scalar loss, found ${formatShape(this.shape)}; reduce it with sum or mean first`);
    }
    const order = topologicalOrder(this);
    // A second backward over the same graph must not add to the first one's intermediate gradients.
    for (const v of order) if (!v.isLeaf) v.zeroGrad();
    const grad = gradOf(this);
    fill(grad, 1);
    const outer = seed;
    seed = grad;
    try {
      for (let i = order.length - 1; i >= 0; i--) order[i]!.backwardStep?.();
    } finally {
      seed = outer;
    }
  }

  /** Sets the gradient to zero, keeping its buffer (call between steps; gradients accumulate otherwise). */
  zeroGrad(): void {
    if (this.grad) fill(this.grad, 0);
  }
}

/**
 * Whether `v`'s gradient is the seed of the running `backward()` (v is the loss it was called on), so exactly 1: an
 * op's backward can then use the number instead of reading the gradient back from the backend.
 */
export function isSeededWithOne(v: Var): boolean {
  return v.grad !== null && v.grad === seed;
}

/** Every Var that `root` depends on and that requires a gradient, parents before children. */
export function topologicalOrder(root: Var): Var[] {
  const order: Var[] = [];
  const seen = new Set<Var>();
  // Iterative DFS: deep graphs (long unrolled sequences) must not overflow the JS stack.
  const stack: [Var, number][] = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [node, next] = top;
    if (next < node.parents.length) {
      top[1]++;
      const parent = node.parents[next]!;
      if (parent.requiresGrad && !seen.has(parent)) {
        seen.add(parent);
        stack.push([parent, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order;
}

/**
 * The gradient buffer of `v`, zero on first use: from the pool for intermediate Vars (releaseGraph gives it
 * back), a buffer of its own for leaves, which keep it across steps (zero it with zeroGrad). Leaves never take
 * from the pool, so the pool's contents, and so a step's allocations, are the same from the second step on.
 */
export function gradOf(v: Var): Tensor {
  v.grad ??= v.isLeaf ? Tensor.empty(v.shape, v.dtype, v.value.backend) : acquire(v.shape, v.dtype, v.value.backend, true);
  return v.grad;
}

/** A leaf that requires a gradient: a parameter to train. The Var owns `value`. */
export function param(value: Tensor): Var {
  return new Var(value, true);
}

/** A leaf without a gradient: data, targets, masks. */
export function constant(value: Tensor): Var {
  return new Var(value, false);
}

/** Whether ops record their backward now (false inside `noGrad`). */
export function isRecording(): boolean {
  return recording;
}

/** Runs `fn` without recording: ops return Vars with no backward (for evaluation and sampling). */
export function noGrad<T>(fn: () => T): T {
  const previous = recording;
  recording = false;
  try {
    return fn();
  } finally {
    recording = previous;
  }
}

/** Extras of an op's output: buffers kept for backward, and whether the value is a view. */
export interface OpResultOptions {
  /** Pooled buffers the backward needs (softmax probabilities, norm statistics); released with the output Var. */
  saved?: readonly Tensor[];
  /** The value is a view of an input's value (reshape, transpose): it is disposed, not released to the pool. Default false. */
  view?: boolean;
}

/**
 * The output Var of an op over `parents` with value `value` (usually from `output`). `backward(out)` adds
 * out.grad through the op's derivative into the parents' gradients (use `gradOf(parent)` for each parent
 * that `requiresGrad`); it is attached only when recording and some parent requires a gradient.
 */
export function opResult(op: string, parents: readonly Var[], value: Tensor, backward: (out: Var) => void, options: OpResultOptions = {}): Var {
  const requiresGrad = recording && parents.some((p) => p.requiresGrad);
  const out = new Var(value, requiresGrad, parents, op, options.saved, options.view);
  if (requiresGrad) {
    out.backwardStep = () => {
      if (out.grad) backward(out);
    };
  }
  return out;
}

/** A buffer for an op's output of `shape` and `dtype` next to `like` (from the step's pool; contents stale). */
export function output(like: Tensor, shape: Shape, dtype: DType = like.dtype): Tensor {
  return acquire(shape, dtype, like.backend, false);
}

/**
 * Ends a step: gives the values, saved buffers and gradients of every intermediate Var under `root` back to
 * the pool (leaves keep theirs). Vars under `root` must not be used afterwards. Only what `root` depends on is
 * reached: an op output that does not feed the loss (an unused `split` piece) needs its own releaseGraph.
 */
export function releaseGraph(root: Var): void {
  const seen = new Set<Var>();
  const stack = [root];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (seen.has(v) || v.isLeaf) continue;
    seen.add(v);
    if (v.isView) v.value.dispose();
    else release(v.value);
    for (const t of v.saved) release(t);
    if (v.grad) release(v.grad);
    v.grad = null;
    stack.push(...v.parents);
  }
}
