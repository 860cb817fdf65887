// The per-kernel fallback: a kernel that a backend lacks runs on its JS reference over copies of just the elements its
// tensors touch, and only the ranges of the tensors it writes go back. A model keeps its activations in one arena
// storage; copying whole storages would copy the arena on every call.
import type { Backend, Storage } from './backend';
import type { KernelDefinition } from './kernel-registry';
import { type DType, type TypedArray, allocTypedArray } from './dtype';
import { createJsBackend } from './backends/js/index';
import { jsStorage } from './backends/js/storage';
import { Tensor } from './tensor';

/** Elements [start, end) of one storage. */
interface Span {
  readonly storage: Storage;
  readonly start: number;
  readonly end: number;
}

/** What one fallback call copies: the merged spans to read, the tensors over them, the spans to write back. */
interface CopyPlan {
  readonly reads: readonly Span[];
  /** Each tensor argument, and the index in `reads` of the span holding it (-1: it has no elements). */
  readonly tensors: readonly { readonly key: string; readonly tensor: Tensor; readonly read: number }[];
  /** Merged spans of the output tensors, each with the index of the read span that contains it. */
  readonly writes: readonly (Span & { readonly read: number })[];
}

// Labels the JS copies, so that a reference kernel sees tensors on a js backend; it never allocates.
let copyOwner: Backend | null = null;

/**
 * The storage elements [start, end) that `t` touches, from its offset, shape and strides: the smallest range
 * holding every element (with the gaps of a strided view); empty (start = end) for a tensor with no elements.
 */
export function touchedRange(t: Tensor): [number, number] {
  if (t.size === 0) return [t.offset, t.offset];
  let start = t.offset;
  let last = t.offset;
  for (let d = 0; d < t.rank; d++) {
    const reach = (t.shape[d]! - 1) * t.strides[d]!;
    if (reach < 0) start += reach;
    else last += reach;
  }
  return [start, last + 1];
}

/** Spans of one storage, sorted and merged where they overlap or meet, so that aliased tensors land in one copy. */
function merge(spans: Span[]): Span[] {
  const merged: Span[] = [];
  for (const span of spans.sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last && span.start <= last.end) {
      merged[merged.length - 1] = { storage: last.storage, start: last.start, end: Math.max(last.end, span.end) };
    } else {
      merged.push(span);
    }
  }
  return merged;
}

/** Spans of `tensors`, merged per storage (storages in first-seen order). */
function mergedSpans(tensors: readonly Tensor[]): Span[] {
  const byStorage = new Map<Storage, Span[]>();
  for (const t of tensors) {
    const [start, end] = touchedRange(t);
    if (start === end) continue;
    const spans = byStorage.get(t.storage) ?? [];
    spans.push({ storage: t.storage, start, end });
    byStorage.set(t.storage, spans);
  }
  return [...byStorage.values()].flatMap(merge);
}

function containing(reads: readonly Span[], storage: Storage, start: number, end: number): number {
  return reads.findIndex((r) => r.storage === storage && r.start <= start && end <= r.end);
}

/** The copies a call of a kernel with `outputs` needs for `args`. */
function planCopies(args: object, outputs: readonly string[]): CopyPlan {
  const tensors = Object.entries(args).filter((entry): entry is [string, Tensor] => entry[1] instanceof Tensor);
  const reads = mergedSpans(tensors.map(([, t]) => t));
  const written = mergedSpans(tensors.filter(([key]) => outputs.includes(key)).map(([, t]) => t));
  return {
    reads,
    tensors: tensors.map(([key, tensor]) => {
      const [start, end] = touchedRange(tensor);
      return { key, tensor, read: start === end ? -1 : containing(reads, tensor.storage, start, end) };
    }),
    writes: written.map((span) => ({ ...span, read: containing(reads, span.storage, span.start, span.end) })),
  };
}

/** Runs the reference over the copies `data` (one per read span) and writes the output spans back to `backend`. */
function runOverCopies(backend: Backend, definition: KernelDefinition, args: object, plan: CopyPlan, data: readonly TypedArray[]): void {
  copyOwner ??= createJsBackend();
  const owner = copyOwner;
  const copies = data.map((values, i) => jsStorage(owner, plan.reads[i]!.storage.dtype, values));
  const empty = new Map<DType, Storage>();
  const jsArgs: Record<string, unknown> = { ...args };
  for (const { key, tensor, read } of plan.tensors) {
    const copy = copies[read];
    if (copy) {
      jsArgs[key] = Tensor.view(copy, tensor.shape, tensor.strides, tensor.offset - plan.reads[read]!.start);
      continue;
    }
    const none = empty.get(tensor.dtype) ?? jsStorage(owner, tensor.dtype, allocTypedArray(tensor.dtype, 0));
    empty.set(tensor.dtype, none);
    jsArgs[key] = Tensor.view(none, tensor.shape, tensor.strides, 0);
  }
  definition.reference(jsArgs);
  for (const span of plan.writes) {
    const from = span.start - plan.reads[span.read]!.start;
    backend.write(span.storage, span.start, data[span.read]!.subarray(from, from + span.end - span.start));
  }
}

/** Runs `definition`'s reference for `args` over copies read with `backend.readSync`. */
export function fallbackSync(backend: Backend, definition: KernelDefinition, args: object): void {
  const plan = planCopies(args, definition.outputs);
  const data = plan.reads.map((span) => backend.readSync!(span.storage, span.start, span.end - span.start));
  runOverCopies(backend, definition, args, plan, data);
}

/** Runs `definition`'s reference for `args` over copies read with `backend.readAsync`. */
export async function fallbackAsync(backend: Backend, definition: KernelDefinition, args: object): Promise<void> {
  const plan = planCopies(args, definition.outputs);
  const data = await Promise.all(plan.reads.map((span) => backend.readAsync(span.storage, span.start, span.end - span.start)));
  runOverCopies(backend, definition, args, plan, data);
}
