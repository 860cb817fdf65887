// What the kernel profiler costs: ms per training step with profiling off, on, and after (built inside a profile,
// timed once it stopped: a planned pass looks its kernels up again when a profile starts or stops, so "after"
// should match "off"). Two paths: one GPT block through the op layer (autograd: `kernel()` is called every op, so
// "off" includes its profiling check) and the planned trainer step of the names preset.
import { DEFAULT_TRAIN, type BatchLoader, type GPT, createGPT, createTrainer, disposeGPT, getPreset } from '@microgpt/model';
import * as T from '@microgpt/tensor';
import { type Emit, timeMedian, timeMedianAsync } from '../harness';
import type { Suite } from './suite';
import { SHAPES, buildStep } from './train-step';

type Mode = 'off' | 'on' | 'after';
const MODES: readonly Mode[] = ['off', 'on', 'after'];

function emitMs(emit: Emit, name: string, mode: Mode, seconds: number): void {
  emit({ suite: 'profiler', name: `${name}-profile-${mode}`, impl: 'wasm', threads: 1, metric: 'ms_per_step', value: Number((seconds * 1000).toFixed(4)), unit: 'ms' });
}

/** Runs `make` and times the step it returns in `mode`: built and timed inside a profile for "on", built inside and timed after it for "after". */
async function inMode<S>(mode: Mode, make: () => S, time: (subject: S) => Promise<number>): Promise<{ seconds: number; subject: S }> {
  const profiler = mode === 'off' ? null : T.startProfile({ maxCalls: 0 });
  const subject = make();
  if (mode === 'after') profiler!.stop();
  const seconds = await time(subject);
  profiler?.stop();
  return { seconds, subject };
}

/** The same random batch every step. */
function fixedBatch(B: number, Tn: number, V: number): BatchLoader {
  const rng = new T.PythonRandom(3);
  const x = Int32Array.from({ length: B * Tn }, () => rng.randbelow(V));
  const batch = { x, y: x, B, T: Tn };
  return { next: () => batch, state: () => null, restore: () => undefined };
}

export const profilerSuite: Suite = {
  name: 'profiler',
  description: 'ms per training step with the kernel profiler off, on, and after a profile: one GPT block (op layer) and the names preset (planned passes), wasm 1 thread',
  async run(emit) {
    const wasm = (await T.startBackend('wasm')) as T.WasmBackend;
    await wasm.setThreads(1);
    for (const mode of MODES) {
      const { subject, seconds } = await inMode(mode, () => buildStep(SHAPES[0]!, wasm), (s) => {
        timeMedian(s.step, { warmup: 0, minRuns: 5, minSeconds: 1, maxRuns: 100_000 }); // warm-up: JIT and the op layer's buffer pool
        return Promise.resolve(timeMedian(s.step, { warmup: 0, minRuns: 50, minSeconds: 2, maxRuns: 100_000 }));
      });
      emitMs(emit, SHAPES[0]!.name, mode, seconds);
      subject.dispose();
    }
    const preset = getPreset('names');
    for (const mode of MODES) {
      const model: GPT = createGPT({ ...preset.model, vocabSize: 27 }, { seed: 1, dtype: 'float32', backend: wasm });
      const settings = { ...DEFAULT_TRAIN, ...preset.train, steps: 1_000_000 };
      const { subject: trainer, seconds } = await inMode(
        mode,
        () => createTrainer({ model, settings, train: fixedBatch(settings.batchSize, preset.model.blockSize, 27) }),
        (t) => timeMedianAsync(() => t.trainStep(), { warmup: 50, minRuns: 50, minSeconds: 2, maxRuns: 100_000 }),
      );
      emitMs(emit, 'names-trainer', mode, seconds);
      trainer.dispose();
      disposeGPT(model);
    }
  },
};
