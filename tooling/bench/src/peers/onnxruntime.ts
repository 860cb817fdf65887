// Peer: ONNX Runtime (onnxruntime-node's CPU build, whose binaries ship inside the npm package; its install
// script, which fetches GPU binaries, stays off) running a Hugging Face GPT-2 folder that the PyTorch peer
// exports to ONNX (python/microgpt_torch/onnx_export.py: torch.onnx.export with the KV cache as inputs and
// outputs). Generation is greedy (argmax) through that cache: one position per new token, as PyTorch's
// `use_cache` and our KV cache. Needs torch (for the export) and onnxruntime-node; without either the caller
// skips the rows with one line.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type * as Ort from 'onnxruntime-node';
import { torchPythonPath } from './pytorch';

export const ONNXRUNTIME_IMPL = 'onnxruntime';

/** The repository's python/ folder: the working directory for `python -m microgpt_torch.…`. */
const PYTHON_PACKAGE_DIR = fileURLToPath(new URL('../../../../python/', import.meta.url));
const EXPORT_TIMEOUT_MS = 10 * 60 * 1000;

/** What onnx_export.py wrote: the graph's file and the cache's shape. */
export interface OnnxGraph {
  readonly out: string;
  readonly bytes: number;
  readonly n_layer: number;
  readonly n_head: number;
  readonly head_dim: number;
  readonly vocab_size: number;
  readonly n_positions: number;
}

/**
 * Exports HF GPT-2 folder `hfDir` to ONNX file `out` with the PyTorch peer's Python.
 * @returns the graph, or a string saying why not (no Python with torch, or the export's error line).
 */
export function exportOnnx(hfDir: string, out: string): OnnxGraph | string {
  const python = torchPythonPath();
  if (python === null) return 'no python3 with torch to export the ONNX graph (apt-get install python3-torch, or set PYTORCH_PYTHON)';
  const run = spawnSync(python, ['-m', 'microgpt_torch.onnx_export', '--model', hfDir, '--out', out], {
    cwd: PYTHON_PACKAGE_DIR,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: EXPORT_TIMEOUT_MS,
  });
  if (run.error !== undefined || run.status !== 0) return `the ONNX export failed: ${run.error?.message ?? run.stderr.trim().split('\n').at(-1) ?? `exit status ${String(run.status)}`}`;
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as OnnxGraph;
}

/** onnxruntime-node, or a string saying why it does not load (not installed, or its binary fails). */
export async function loadOnnxRuntime(): Promise<typeof Ort | string> {
  try {
    return await import('onnxruntime-node');
  } catch (error) {
    return `onnxruntime-node does not load: ${error instanceof Error ? error.message.split('\n')[0]! : String(error)}`;
  }
}

/** One sequence's KV cache: per layer its key and value, [1, n_head, past, head_dim]. */
type Cache = readonly Ort.Tensor[];

/** The exported graph in an ONNX Runtime session: one cached step at a time. */
export interface OnnxGpt {
  readonly graph: OnnxGraph;
  /** An empty cache (past 0). */
  emptyCache(): Cache;
  /** Logits [ids.length × vocab_size] (row-major) of `ids` placed after `cache`, and the cache including them. */
  step(ids: readonly number[], cache: Cache): Promise<{ logits: Float32Array; cache: Cache }>;
  /** Frees the session. */
  release(): Promise<void>;
}

/** Opens `graph` in ONNX Runtime with `threads` intra-op threads (and one inter-op thread: the graph is a chain). */
export async function openOnnxGpt(ort: typeof Ort, graph: OnnxGraph, threads: number): Promise<OnnxGpt> {
  const session = await ort.InferenceSession.create(graph.out, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  const layers = Array.from({ length: graph.n_layer }, (_, i) => i);
  return {
    graph,
    emptyCache: () => layers.flatMap(() => [0, 1].map(() => new ort.Tensor('float32', new Float32Array(0), [1, graph.n_head, 0, graph.head_dim]))),
    async step(ids, cache) {
      const feeds: Record<string, Ort.Tensor> = { input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]) };
      for (const i of layers) {
        feeds[`past_key_${i}`] = cache[2 * i]!;
        feeds[`past_value_${i}`] = cache[2 * i + 1]!;
      }
      const out = await session.run(feeds);
      return { logits: out.logits!.data as Float32Array, cache: layers.flatMap((i) => [out[`present_key_${i}`]!, out[`present_value_${i}`]!]) };
    },
    release: () => session.release(),
  };
}

/** The index of the largest of `row`'s values (the first on a tie). */
function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/**
 * `newTokens` ids generated greedily after `prompt` through the cache: the prompt in one step, then one position
 * per token (no step after the last). The prompt plus the new tokens must fit n_positions.
 */
export async function greedyOnnx(model: OnnxGpt, prompt: readonly number[], newTokens: number): Promise<number[]> {
  const V = model.graph.vocab_size;
  let { logits, cache } = await model.step(prompt, model.emptyCache());
  const out: number[] = [];
  for (let i = 0; i < newTokens; i++) {
    const token = argmax(logits.subarray(logits.length - V));
    out.push(token);
    if (i < newTokens - 1) ({ logits, cache } = await model.step([token], cache));
  }
  return out;
}
