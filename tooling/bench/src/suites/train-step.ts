// One GPT block's training step through @microgpt/autograd (embedding → RMSNorm → causal self-attention →
// residual → RMSNorm → ReLU MLP → residual → logits → cross-entropy, backward, AdamW): ms per step and tokens/s
// on js and wasm (1 and 2 threads), at microgpt's width (16) and at shakespeare-cpu's (128). A measure of the
// per-op overhead (small) and of the kernels (wide) before the model package exists.
import * as A from '@microgpt/autograd';
import * as T from '@microgpt/tensor';
import { type Emit, timeMedian } from '../harness';
import type { Suite } from './suite';

/** One GPT block's sizes: vocabulary, width, heads, context, batch. */
export interface Shape {
  name: string;
  V: number;
  C: number;
  H: number;
  T: number;
  B: number;
}

/** microgpt's width (16) and shakespeare-cpu's (128). */
export const SHAPES: readonly Shape[] = [
  { name: 'gpt-block-16', V: 27, C: 16, H: 4, T: 16, B: 8 },
  { name: 'gpt-block-128', V: 65, C: 128, H: 4, T: 64, B: 12 },
];

/** One training step of a GPT block of sizes `s` through the op layer on `backend`, and what frees it. */
export function buildStep(s: Shape, backend: T.Backend): { step: () => void; dispose: () => void } {
  let seed = 1;
  const init = (shape: number[], std: number): A.Var => A.param(T.randn(shape, { seed: seed++, std, backend }));
  const p = {
    wte: init([s.V, s.C], 0.08),
    wpe: init([s.T, s.C], 0.08),
    wqkv: init([s.C, 3 * s.C], 0.08),
    wo: init([s.C, s.C], 0.08),
    fc1: init([s.C, 4 * s.C], 0.08),
    fc2: init([4 * s.C, s.C], 0.08),
    head: init([s.C, s.V], 0.08),
  };
  const rng = new T.PythonRandom(7);
  const ids = T.tensor(Int32Array.from({ length: s.B * s.T }, () => rng.randbelow(s.V)), { shape: [s.B, s.T], backend });
  const targets = T.tensor(Int32Array.from({ length: s.B * s.T }, () => rng.randbelow(s.V)), { shape: [s.B, s.T], backend });
  const positions = T.tensor(Int32Array.from({ length: s.T }, (_, i) => i), { backend });
  const opt = A.adamw(Object.values(p), { lr: 1e-3, weightDecay: 0 });
  const D = s.C / s.H;
  const heads = (x: A.Var, part: number): A.Var =>
    A.transpose(A.reshape(A.slice(x, -1, part * s.C, (part + 1) * s.C), [s.B, s.T, s.H, D]), 1, 2); // (B, H, T, D)
  const step = (): void => {
    const x = A.add(A.embedding(p.wte, ids), A.embedding(p.wpe, positions)); // (B, T, C)
    const qkv = A.matmul(A.rmsnorm(x, null), p.wqkv); // (B, T, 3C)
    const att = A.attention(heads(qkv, 0), heads(qkv, 1), heads(qkv, 2)); // (B, H, T, D)
    const x1 = A.add(x, A.matmul(A.reshape(A.transpose(att, 1, 2), [s.B, s.T, s.C]), p.wo));
    const x2 = A.add(x1, A.matmul(A.relu(A.matmul(A.rmsnorm(x1, null), p.fc1)), p.fc2));
    const loss = A.crossEntropy(A.matmul(x2, p.head), targets);
    loss.backward();
    opt.step();
    opt.zeroGrad();
    A.releaseGraph(loss);
  };
  const dispose = (): void => {
    opt.dispose();
    for (const v of Object.values(p)) {
      v.value.dispose();
      v.grad?.dispose();
    }
    for (const t of [ids, targets, positions]) t.dispose();
    A.drainPool(backend);
  };
  return { step, dispose };
}

function measure(s: Shape, backend: T.Backend, threads: number, emit: Emit): void {
  const { step, dispose } = buildStep(s, backend);
  timeMedian(step, { warmup: 0, minRuns: 5, minSeconds: 1, maxRuns: 100_000 });
  const seconds = timeMedian(step, { warmup: 0, minRuns: 5, minSeconds: 1 });
  const row = { suite: 'train-step', name: s.name, impl: backend.name, threads };
  emit({ ...row, metric: 'ms_per_step', value: Number((seconds * 1000).toFixed(4)), unit: 'ms' });
  emit({ ...row, metric: 'tokens_per_s', value: Math.round((s.B * s.T) / seconds), unit: 'tokens/s' });
  dispose();
}

export const trainStepSuite: Suite = {
  name: 'train-step',
  description: 'one GPT block (autograd + AdamW) per training step: ms/step and tokens/s at widths 16 and 128, js and wasm at 1 and 2 threads',
  async run(emit) {
    const js = T.findBackend('js');
    const wasm = (await T.startBackend('wasm')) as T.WasmBackend;
    for (const s of SHAPES) {
      measure(s, js, 1, emit);
      for (const threads of [1, 2]) {
        await wasm.setThreads(threads);
        measure(s, wasm, threads, emit);
      }
    }
  },
};
