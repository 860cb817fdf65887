// Matmul throughput (GFLOP/s = 2·B·M·N·K / seconds) for square sizes in the plain, transposed-A, transposed-B
// and batched (B = 8) forms, for each backend available in this process.
import { type Backend, type Tensor, findBackend, matmul, randn } from '@microgpt/tensor';
import { type Emit, timeMedian } from '../harness';
import type { Suite } from './suite';

const SIZES = [64, 128, 256, 512];
const BATCH = 8;

interface Form {
  suffix: string;
  batch: number;
  transA: boolean;
  transB: boolean;
}

const FORMS: readonly Form[] = [
  { suffix: '', batch: 1, transA: false, transB: false },
  { suffix: '-tA', batch: 1, transA: true, transB: false },
  { suffix: '-tB', batch: 1, transA: false, transB: true },
  { suffix: `-b${BATCH}`, batch: BATCH, transA: false, transB: false },
];

function measureForm(backend: Backend, n: number, form: Form, emit: Emit): void {
  const shape = form.batch === 1 ? [n, n] : [form.batch, n, n];
  const a = randn(shape, { seed: 1, backend });
  const b = randn(shape, { seed: 2, backend });
  const out: Tensor = matmul(a, b, form);
  const seconds = timeMedian(() => matmul(a, b, { ...form, out }), { warmup: 1, minRuns: 3, minSeconds: 0.3 });
  emit({
    suite: 'matmul',
    name: `matmul-${n}${form.suffix}`,
    impl: backend.name,
    threads: 1,
    metric: 'gflops',
    value: Number(((2 * form.batch * n * n * n) / seconds / 1e9).toFixed(3)),
    unit: 'GFLOP/s',
  });
  for (const t of [a, b, out]) t.dispose();
}

export const matmulSuite: Suite = {
  name: 'matmul',
  description: `float32 matmul GFLOP/s at ${SIZES.join(', ')} cubed: plain, transposed A, transposed B, batched (B=${BATCH})`,
  run(emit) {
    const backend = findBackend('js');
    for (const n of SIZES) {
      for (const form of FORMS) measureForm(backend, n, form, emit);
    }
    return Promise.resolve();
  },
};
