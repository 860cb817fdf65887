// How much memory a model, a training run or an inference session takes, from the same tables that allocate it
// (the parameter table, the planner's layout, the KV cache's shape) and in closed form: every block is alike, so
// nLayer = 1e9 costs nothing to estimate. The guards (memory-limit.ts) compare it with a limit before allocating.
import { type FloatDType, bytesPerElement } from '@microgpt/tensor';
import type { GPTConfig } from '../config';
import { type PlanShape, planElements, planShapes } from './buffers';
import { kvCacheTensors } from './kv-cache';
import { parameterCounts } from './params';
import { thousands } from '../thousands';

/** What memory is for. */
export type MemoryPart = 'parameters' | 'gradients' | 'optimizer' | 'activations' | 'logits' | 'kvCache' | 'scratch';

/** Every part, in the order messages and tables list them. */
export const MEMORY_PARTS: readonly MemoryPart[] = Object.freeze(['parameters', 'gradients', 'optimizer', 'activations', 'logits', 'kvCache', 'scratch']);

/** What runs: each field present adds what that work allocates. The parameters are always counted. */
export interface MemoryEstimateOptions {
  /** Float type of parameters and activations. */
  readonly dtype: FloatDType;
  /** The parameters are being made (createGPT): a host copy of them exists while they are written to the backend. */
  readonly initialize?: boolean;
  /**
   * A trainer (`createTrainer`): parameter gradients, the optimizer's two moments (`optimizer` null: none, as
   * for a trainer that only evaluates), clipping's squares (`clip`), the planned step of `batchSize` sequences
   * of blockSize tokens, and the loader's host batch.
   */
  readonly training?: {
    /** Sequences per step. */
    readonly batchSize: number;
    /** The optimizer whose moments are kept, or null for none. */
    readonly optimizer: 'adam' | 'adamw' | null;
    /** Whether gradients are clipped by norm (which keeps per-parameter squares). */
    readonly clip: boolean;
  } | null;
  /** Evaluation beside training: a forward plan for `batchSize` sequences and `batches` held-out batches on the host. */
  readonly evaluation?: {
    /** Sequences per evaluation batch. */
    readonly batchSize: number;
    /** Held-out batches kept on the host. */
    readonly batches: number;
  } | null;
  /** An inference session (`createSession`, `generate`; beam search has one sequence a beam): its plan and KV cache. */
  readonly session?: {
    /** Sequences decoded together (the beam width for beam search). */
    readonly sequences: number;
  } | null;
  /** A forward pass without a cache (`forwardLogits`, `attentionMaps`) of `batchSize` × `T` tokens, and its float64 logits. */
  readonly forward?: {
    /** Sequences in the pass. */
    readonly batchSize: number;
    /** Tokens per sequence (≤ blockSize). */
    readonly T: number;
  } | null;
}

/** Bytes a piece of work takes, by part and in all. */
export interface MemoryEstimate {
  /** Parameter values of the config. */
  readonly parameters: number;
  /** Bytes by part (backend storages and host arrays together). */
  readonly parts: Readonly<Record<MemoryPart, number>>;
  /** What each part's largest piece grows with, for messages: `batch 12 × context 256 × 6 layers`. */
  readonly sizedBy: Readonly<Record<MemoryPart, string>>;
  /** Bytes of backend storage (what a backend's `maxBytes` bounds). */
  readonly backendBytes: number;
  /** Bytes of host typed arrays (batches, copies, outputs). */
  readonly hostBytes: number;
  /** backendBytes + hostBytes. */
  readonly total: number;
  /** The part with the most bytes. */
  readonly largestPart: MemoryPart;
  /** The longest single typed array or storage (elements), and the part it belongs to. */
  readonly largestArray: {
    /** The part it belongs to. */
    readonly part: MemoryPart;
    /** Its length in elements (compare with `MAX_ARRAY_ELEMENTS`). */
    readonly elements: number;
  };
}

/** `count` arrays of `elements` each, for `part`; `array` is the length of the typed array they live in. */
interface Allocation {
  readonly part: MemoryPart;
  readonly elements: number;
  readonly bytesPerElement: number;
  readonly count: number;
  readonly onBackend: boolean;
  readonly array: number;
  readonly sizedBy: string;
}

const layers = (config: GPTConfig): string => `${thousands(config.nLayer)} layer${config.nLayer === 1 ? '' : 's'}`;

/** What a plan allocates: its arena (activations and logits) and its ids, targets and ones. */
function planAllocations(config: GPTConfig, shape: PlanShape, dtype: FloatDType, sizedBy: string): Allocation[] {
  const w = bytesPerElement(dtype);
  const { activations, logits, rows } = planElements(config, shape, dtype);
  const arena = activations + logits;
  const backend = { count: 1, onBackend: true };
  return [
    { ...backend, part: 'activations', elements: activations, bytesPerElement: w, array: arena, sizedBy: `${sizedBy} × ${layers(config)}` },
    { ...backend, part: 'logits', elements: logits, bytesPerElement: w, array: arena, sizedBy: `${sizedBy} × vocabulary ${thousands(config.vocabSize)}` },
    { ...backend, part: 'scratch', elements: rows, bytesPerElement: 4, count: 2, array: rows, sizedBy: `the ids and targets of ${sizedBy}` },
    { ...backend, part: 'scratch', elements: rows, bytesPerElement: w, array: rows, sizedBy: `a row of ones for ${sizedBy}` },
  ];
}

/** The allocations of a trainer, besides the parameters. */
function trainingAllocations(config: GPTConfig, dtype: FloatDType, training: NonNullable<MemoryEstimateOptions['training']>): Allocation[] {
  const w = bytesPerElement(dtype);
  const { total, matrices } = parameterCounts(config);
  const S = config.blockSize;
  const B = training.batchSize;
  const sizedBy = `batch ${thousands(B)} × context ${thousands(S)}`;
  const perParameter = { bytesPerElement: w, onBackend: true, sizedBy: `${thousands(total)} parameters` };
  // The optimizer runs over two flat groups (matrices, then norms and biases); each has its own buffers.
  const groups = [matrices, total - matrices].filter((n) => n > 0);
  const out: Allocation[] = [
    { ...perParameter, part: 'gradients', elements: total, count: 1, array: total },
    ...planAllocations(config, planShapes.training(config, B), dtype, sizedBy),
    { part: 'scratch', elements: B * S, bytesPerElement: 4, count: 2, onBackend: false, array: B * S, sizedBy: `the loader's batch of ${sizedBy}` },
  ];
  if (training.optimizer !== null) {
    for (const n of groups) out.push({ ...perParameter, part: 'optimizer', elements: n, count: 2, array: n, sizedBy: `Adam's two moments of ${thousands(total)} parameters` });
  }
  if (training.clip) {
    // gradNorm squares each group into a pooled buffer, and sums it into one slot of a pooled (groups) buffer.
    for (const n of [...groups, groups.length]) out.push({ ...perParameter, part: 'scratch', elements: n, count: 1, array: n, sizedBy: `the squared gradients of ${thousands(total)} parameters (clipping)` });
  }
  if (config.dropout > 0) {
    const N = B * S;
    out.push({ part: 'scratch', elements: N * config.nEmbd, bytesPerElement: w, count: 1, onBackend: false, array: N * config.nEmbd, sizedBy: `a dropout mask of ${sizedBy}` });
  }
  return out;
}

/** The allocations of each piece of work in `options`, besides the parameters. */
function workAllocations(config: GPTConfig, options: MemoryEstimateOptions): Allocation[] {
  const { dtype } = options;
  const w = bytesPerElement(dtype);
  const S = config.blockSize;
  const V = config.vocabSize;
  const out: Allocation[] = [];
  if (options.training) out.push(...trainingAllocations(config, dtype, options.training));
  if (options.evaluation) {
    const { batchSize: B, batches } = options.evaluation;
    const sizedBy = `evaluation batch ${thousands(B)} × context ${thousands(S)}`;
    out.push(...planAllocations(config, planShapes.forward(B, S), dtype, sizedBy));
    out.push({ part: 'scratch', elements: B * S, bytesPerElement: 4, count: 2 * batches, onBackend: false, array: B * S, sizedBy: `${thousands(batches)} held-out batches of ${B} × ${thousands(S)}` });
  }
  if (options.session) {
    const B = options.session.sequences;
    const sizedBy = `${thousands(B)} sequence${B === 1 ? '' : 's'} × context ${thousands(S)}`;
    const kv = kvCacheTensors(config, B);
    const perTensor = kv.shape.reduce((a, b) => a * b, 1);
    out.push(...planAllocations(config, planShapes.session(config, B), dtype, sizedBy));
    out.push({ part: 'kvCache', elements: perTensor, bytesPerElement: w, count: kv.count, onBackend: true, array: perTensor, sizedBy: `${sizedBy} × ${layers(config)}` });
    out.push({ part: 'logits', elements: B * V, bytesPerElement: 8, count: 1, onBackend: false, array: B * V, sizedBy: `the last logits of ${sizedBy}` });
  }
  if (options.forward) {
    const { batchSize: B, T } = options.forward;
    const sizedBy = `${thousands(B)} × ${thousands(T)} tokens`;
    out.push(...planAllocations(config, planShapes.forward(B, T), dtype, sizedBy));
    // The logits are read out (in the dtype) and widened to float64.
    for (const width of [w, 8]) out.push({ part: 'logits', elements: B * T * V, bytesPerElement: width, count: 1, onBackend: false, array: B * T * V, sizedBy: `the logits of ${sizedBy} × vocabulary ${thousands(V)}` });
  }
  return out;
}

/**
 * Estimates the memory of `options`' work on a model with `config`: parameters, gradients, optimizer state,
 * activations, logits, KV cache and scratch (ids, batches, copies), in bytes, computed in closed form from the
 * tables that allocate them (`parameterCounts`, the planner's layout, the KV cache's shape) in floating point,
 * so absurd sizes give large numbers at once instead of a long loop or an overflow. Backend storages are counted
 * as requested (a backend may round them up: the wasm heap's size classes add up to 25% to a large block).
 * @param config a checked config (see `resolveConfig`).
 * @returns bytes by part, on the backend and on the host, and the largest part and array.
 */
export function estimateMemory(config: GPTConfig, options: MemoryEstimateOptions): MemoryEstimate {
  const w = bytesPerElement(options.dtype);
  const { total: P } = parameterCounts(config);
  const parameterSizedBy = `${thousands(P)} parameters`;
  const allocations: Allocation[] = [
    { part: 'parameters', elements: P, bytesPerElement: w, count: 1, onBackend: true, array: P, sizedBy: parameterSizedBy },
    ...(options.initialize === true ? [{ part: 'scratch', elements: P, bytesPerElement: w, count: 1, onBackend: false, array: P, sizedBy: `a host copy of ${parameterSizedBy}` } as const] : []),
    ...workAllocations(config, options),
  ];
  const parts = Object.fromEntries(MEMORY_PARTS.map((part) => [part, 0])) as Record<MemoryPart, number>;
  const sizedBy = Object.fromEntries(MEMORY_PARTS.map((part) => [part, ''])) as Record<MemoryPart, string>;
  const biggestPiece = Object.fromEntries(MEMORY_PARTS.map((part) => [part, -1])) as Record<MemoryPart, number>;
  let backendBytes = 0;
  let hostBytes = 0;
  let largestArray: MemoryEstimate['largestArray'] = { part: 'parameters', elements: P };
  for (const a of allocations) {
    const bytes = a.elements * a.bytesPerElement * a.count;
    parts[a.part] += bytes;
    if (bytes > biggestPiece[a.part]) {
      biggestPiece[a.part] = bytes;
      sizedBy[a.part] = a.sizedBy;
    }
    if (a.onBackend) backendBytes += bytes;
    else hostBytes += bytes;
    if (a.array > largestArray.elements) largestArray = { part: a.part, elements: a.array };
  }
  const largestPart = MEMORY_PARTS.reduce((best, part) => (parts[part] > parts[best] ? part : best));
  return { parameters: P, parts, sizedBy, backendBytes, hostBytes, total: backendBytes + hostBytes, largestPart, largestArray };
}
