import { describe, expect, it } from 'vitest';
import type { ModelInfo, WorkerEvent } from './protocol';
import { INITIAL_STATE, MAX_POINTS, type PageState, reduce, startGenerating } from './state';

const INFO: ModelInfo = { parameters: 4192, vocabSize: 27, nLayer: 1, nHead: 4, nEmbd: 16, blockSize: 16, documents: true, source: 'names' };

function run(events: readonly WorkerEvent[], from: PageState = INITIAL_STATE): PageState {
  return events.reduce(reduce, from);
}

describe('page state', () => {
  it('knows whether WebGPU is there only once the worker says so, and forgets it when the device is lost', () => {
    expect(INITIAL_STATE.webgpu).toBe(null);
    const found = run([{ type: 'webgpu', status: { available: true, adapter: 'google swiftshader', software: true } }]);
    expect(found.webgpu).toEqual({ available: true, adapter: 'google swiftshader', software: true });
    expect(run([{ type: 'webgpu', status: { available: false, reason: 'the GPU device was lost' } }], found).webgpu).toEqual({ available: false, reason: 'the GPU device was lost' });
  });

  it('follows a run: model, training steps, evaluations, samples, then ready', () => {
    const state = run([
      { type: 'ready', threads: 2, isolated: true },
      { type: 'model', info: INFO, steps: 100, step: 0 },
      { type: 'status', status: 'training' },
      { type: 'step', step: 10, steps: 100, losses: [[10, 3.2]], tokensPerSecond: 5000, etaSeconds: 9 },
      { type: 'eval', step: 10, valLoss: 3.1 },
      { type: 'step', step: 20, steps: 100, losses: [[20, 2.9]], tokensPerSecond: 5200, etaSeconds: 8 },
      { type: 'samples', step: 20, texts: ['anna', 'emm'] },
      { type: 'profile', step: 100, table: 'kernel calls\nmatmul 5', rows: [] },
      { type: 'status', status: 'ready' },
    ]);
    expect(state.worker).toEqual({ ready: true, threads: 2, isolated: true });
    expect(state.model).toEqual(INFO);
    expect(state.status).toBe('ready');
    expect([state.step, state.steps]).toEqual([20, 100]);
    expect(state.train).toEqual([[10, 3.2], [20, 2.9]]);
    expect(state.val).toEqual([[10, 3.1]]);
    expect(state.tokensPerSecond).toBe(5200);
    expect(state.etaSeconds).toBe(8);
    expect(state.samples).toEqual({ step: 20, texts: ['anna', 'emm'] });
    expect(state.profile).toEqual({ step: 100, table: 'kernel calls\nmatmul 5' });
  });

  it('a new model clears the curves, samples, kernel table and error of the last one', () => {
    const trained = run([
      { type: 'model', info: INFO, steps: 100, step: 0 },
      { type: 'step', step: 10, steps: 100, losses: [[10, 3.2]], tokensPerSecond: 5000, etaSeconds: 9 },
      { type: 'samples', step: 10, texts: ['x'] },
      { type: 'profile', step: 10, table: 'kernel', rows: [] },
      { type: 'error', request: 'inspect', message: 'boom' },
    ]);
    const next = reduce(trained, { type: 'model', info: { ...INFO, source: 'imported checkpoint' }, steps: 0, step: 0 });
    expect([next.train, next.val, next.samples, next.profile, next.error, next.step]).toEqual([[], [], null, null, null, 0]);
    expect(next.model?.source).toBe('imported checkpoint');
  });

  it('thins a long curve to at most MAX_POINTS, keeping the newest point', () => {
    let state = run([{ type: 'model', info: INFO, steps: 10_000, step: 0 }]);
    for (let step = 1; step <= 3 * MAX_POINTS; step++) state = reduce(state, { type: 'step', step, steps: 10_000, losses: [[step, 1 / step]], tokensPerSecond: 1, etaSeconds: 1 });
    expect(state.train.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(state.train.length).toBeGreaterThan(MAX_POINTS / 2);
    expect(state.train.at(-1)).toEqual([3 * MAX_POINTS, 1 / (3 * MAX_POINTS)]);
    const steps = state.train.map(([s]) => s);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    const batched = reduce(run([{ type: 'model', info: INFO, steps: 10_000, step: 0 }]), { type: 'step', step: 5000, steps: 10_000, losses: Array.from({ length: 5000 }, (_, i) => [i + 1, 1] as const), tokensPerSecond: 1, etaSeconds: 1 });
    expect(batched.train.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(batched.train.at(-1)).toEqual([5000, 1]);
  });

  it('streams generated text, then notes why it ended; an error ends it too', () => {
    let state = startGenerating(run([{ type: 'model', info: INFO, steps: 0, step: 0 }]));
    expect(state.generated).toEqual({ text: '', done: false, note: '' });
    state = run([{ type: 'text', text: 'ann' }, { type: 'text', text: 'a' }], state);
    expect(state.generated).toEqual({ text: 'anna', done: false, note: '' });
    state = reduce(state, { type: 'generated', count: 1, tokens: 4, stop: 'stop-token' });
    expect(state.generated).toEqual({ text: 'anna', done: true, note: '4 tokens, ended at the stop token' });
    const several = reduce(startGenerating(state), { type: 'generated', count: 3, tokens: 12, stop: 'max-tokens' });
    expect(several.generated.note).toBe('3 samples, 12 tokens; the last reached the token limit');
    const failed = reduce(startGenerating(state), { type: 'error', request: 'generate', message: 'ModelError: sampling: topP must be in (0, 1], found 2' });
    expect(failed.generated.done).toBe(true);
    expect(failed.error).toBe('generate: ModelError: sampling: topP must be in (0, 1], found 2');
  });

  it('keeps estimate errors out of the error banner (they show beside the settings)', () => {
    expect(reduce(INITIAL_STATE, { type: 'error', request: 'estimate', message: 'ModelError: nEmbd 16 is not divisible by nHead 3' })).toBe(INITIAL_STATE);
  });
});
