// Refusing work that cannot fit before any of it is allocated: the model package's estimate against the backend's
// limit (wasm: 4 GiB) and this machine's free memory, as a usage error (exit 2) whose hint names the flags to lower.
import { freemem, totalmem } from 'node:os';
import { type GPTConfig, type MemoryEstimateOptions, type MemoryPart, MemoryLimitError, type TrainSettings, checkMemory, estimateMemory, formatBytes } from '@microgpt/model';
import type { Backend, FloatDType } from '@microgpt/tensor';
import { usageError } from './errors';

/** The memory this process may use: the machine's free memory, or its container's limit when that is lower. */
export function machineMemory(): { memoryLimit: number; memoryLimitSource: string } {
  const free = freemem();
  // A cgroup limit, when there is one (Node reports 2^64 or 0 without).
  const constrained = process.constrainedMemory();
  if (constrained > 0 && constrained < Math.min(free, totalmem())) {
    return { memoryLimit: constrained, memoryLimitSource: `this process may use at most ${formatBytes(constrained)} (its container's limit)` };
  }
  return { memoryLimit: free, memoryLimitSource: `this machine has ${formatBytes(free)} of memory free` };
}

/**
 * `error` as the CLI reports it: a MemoryLimitError becomes a usage error with `hint(largest part)`, plus a pointer to
 * `--backend js` when only the wasm backend's 4 GiB was in the way; anything else is returned unchanged.
 */
function refusal(error: unknown, backend: Backend, hint: (part: MemoryPart) => string): unknown {
  if (!(error instanceof MemoryLimitError)) return error;
  const onlyWasm = backend.maxBytes !== undefined && error.limit === backend.maxBytes && error.estimate.total <= machineMemory().memoryLimit;
  return usageError(error.message, `${hint(error.estimate.largestPart)}${onlyWasm ? `, or use --backend js (not bound to ${formatBytes(backend.maxBytes)})` : ''}`);
}

/**
 * Runs `work` (which refuses what does not fit before allocating it), turning a MemoryLimitError into a usage error
 * (see `refusal`).
 * @throws CliError (exit 2) for work that does not fit; anything else `work` throws, unchanged.
 */
export async function refuseWhatDoesNotFit<T>(work: () => Promise<T>, backend: Backend, hint: (part: MemoryPart) => string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw refusal(error, backend, hint);
  }
}

/**
 * Checks that `options`' work on a model with `config` fits on `backend` and in this machine's free memory,
 * before any of it is allocated.
 * @param what the work, for the message: `this run`, `sampling`.
 * @param hint the flags that shrink a part, for the message's hint.
 * @throws CliError (exit 2) `memory: this run needs about 5.6 GiB (activations 5.1 GiB for batch 12 × context
 * 100,000,000 × 1 layer) but the wasm backend holds at most 4 GiB`, with the hint.
 */
export function ensureFits(config: GPTConfig, options: MemoryEstimateOptions, what: string, backend: Backend, hint: (part: MemoryPart) => string): void {
  try {
    checkMemory(estimateMemory(config, options), what, { backend, ...machineMemory() });
  } catch (error) {
    throw refusal(error, backend, hint);
  }
}

/**
 * The most sequences, at most `most`, that one sampling session may decode together on `backend` within this
 * machine's free memory: `most`, halved until it fits; 1 when none fits (`ensureFits` then says why).
 */
export function sequencesThatFit(config: GPTConfig, dtype: FloatDType, backend: Backend, most: number): number {
  for (let sequences = most; sequences > 1; sequences = Math.floor(sequences / 2)) {
    try {
      checkMemory(estimateMemory(config, { dtype, session: { sequences } }), 'sampling', { backend, ...machineMemory() });
      return sequences;
    } catch (error) {
      if (!(error instanceof MemoryLimitError)) throw error;
    }
  }
  return 1;
}

/** The hint for a training run's size: the flags that shrink its largest part. */
export function trainingHint(part: MemoryPart): string {
  return ['parameters', 'gradients', 'optimizer'].includes(part)
    ? 'lower --n-layer or --n-embd (the parameters grow with them, and with --block-size and the vocabulary)'
    : 'lower --batch or --block-size (or --n-layer, --n-embd)';
}

/**
 * What a `microgpt train` run allocates (see estimateMemory): the model (made now, or already loaded), training at
 * the batch size, evaluation batches when data is held out, and the session of the samples at the end.
 */
export function trainingRunWork(settings: TrainSettings, dtype: FloatDType, initialize: boolean): MemoryEstimateOptions {
  return {
    dtype,
    initialize,
    training: { batchSize: settings.batchSize, optimizer: settings.optimizer, clip: settings.clip > 0 },
    evaluation: settings.valFraction > 0 ? { batchSize: settings.batchSize, batches: settings.evalBatches } : null,
    session: { sequences: 1 },
  };
}
