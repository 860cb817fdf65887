// The worker's side of the protocol: one controller holds the run and answers each request with events. The
// training loop yields to the event loop every few milliseconds (runTraining does), so Pause and Stop arrive
// between steps (and so do inspect, generate and export, which run between two steps: their reads of the wasm
// backend resolve at once, so each runs to its end before the loop's next step); a paused run keeps its trainer and
// continues from the same step. Samples drawn during training are awaited by the loop, so they see one step's weights.
// On WebGPU reads really wait for the GPU, so an inspect or generate sent while training runs between the awaits
// of a step; every kernel is queued in order on the one device, so it still sees the weights of a whole step.
// A lost GPU device ends the run and WebGPU for the rest of the page's life: the page falls back to wasm.
import { WebGPUDeviceLostError } from '@microgpt/backend-webgpu';
import { type GPT, type GenerateResult, attentionMaps, forwardLogits, generate, runTraining } from '@microgpt/model';
import { type Backend, type Profiler, PythonRandom, type WasmBackend, profileRows, profileTable, startProfile } from '@microgpt/tensor';
import type { Tokenizer } from '@microgpt/tokenizer';
import { estimateRun } from '../estimate';
import type { BackendChoice, DataSpec, Request, RunStatus, SamplingSpec, TokenView, WorkerEvent } from '../protocol';
import { type Run, createRun, dataIds, disposeRun, importRun, runFiles, trainTokenizer } from './run';
import { type RunEvents, recordRunEvents } from './tensorboard-log';

/** Sends an event to the page (with buffers to transfer). */
export type Post = (event: WorkerEvent, transfer?: Transferable[]) => void;

/** Samples drawn every `sampleEvery` steps and at the end. */
const SAMPLE_COUNT = 5;
/** Most tokens of a training sample (documents stop earlier, at BOS). */
const SAMPLE_TOKENS = 48;
/** Step events at most this often (a small model takes well under a millisecond a step). */
const STEP_EVENT_MS = 50;

/** A controller's request handler. */
export interface Controller {
  handle(request: Request): Promise<void>;
}

/** The first `limit` tokens of the data as the model sees them (documents: wrapped in BOS), with text and bytes. */
export function tokenViews(tokenizer: Tokenizer, data: DataSpec, limit: number): { tokens: TokenView[]; total: number } {
  const ids = dataIds(data, tokenizer);
  const decoder = new TextDecoder();
  const tokens = ids.slice(0, limit).map((id) => {
    const bytes = tokenizer.tokenBytes(id);
    return { id, text: decoder.decode(bytes), bytes: Array.from(bytes) };
  });
  return { tokens, total: ids.length };
}

/** The prompt's ids: BOS first for a documents model, cut to the last blockSize; never empty. */
export function promptIds(run: Run, prompt: string): number[] {
  const ids = [...(run.bos === null ? [] : [run.bos]), ...run.tokenizer.encode(prompt)];
  if (ids.length === 0) ids.push(...run.tokenizer.encode('\n'));
  return ids.slice(-run.model.config.blockSize);
}

/** One continuation of `ids` with the page's sampling options (documents stop at BOS). */
function sample(run: Run, ids: readonly number[], sampling: SamplingSpec, rng: PythonRandom, onText?: (text: string) => void): Promise<GenerateResult> {
  return generate(run.model, ids, {
    maxNewTokens: sampling.maxTokens,
    temperature: sampling.temperature,
    ...(sampling.topK === undefined ? {} : { topK: sampling.topK }),
    ...(sampling.topP === undefined ? {} : { topP: sampling.topP }),
    ...(sampling.beam > 1 ? { beam: sampling.beam } : {}),
    stopTokens: run.bos === null ? [] : [run.bos],
    rng,
    tokenizer: run.tokenizer,
    ...(onText ? { onText } : {}),
  });
}

/** Labels of every id (for the probability chart): its text, with control characters made visible. */
function vocabLabels(tokenizer: Tokenizer, V: number): string[] {
  const decoder = new TextDecoder();
  return Array.from({ length: V }, (_, id) => decoder.decode(tokenizer.tokenBytes(id)));
}

/** The logits of the position after the prompt, (V) float64. */
async function nextLogits(model: GPT, ids: readonly number[]): Promise<Float64Array> {
  const V = model.config.vocabSize;
  return (await forwardLogits(model, ids, 1, ids.length)).slice((ids.length - 1) * V);
}

/**
 * A controller over `backend` (a started wasm backend; `maxThreads` is what it may use) and `webgpu` (a WebGPU
 * backend, or null where there is none; runs and imports that ask for `webgpu` wait for it) that posts events with
 * `post`. Every failure becomes an `error` event naming the request; nothing throws out of `handle`.
 */
export function createController(backend: WasmBackend, post: Post, maxThreads: number, webgpu: Promise<Backend | null> = Promise.resolve(null)): Controller {
  let gpu = webgpu;
  let run: Run | null = null;
  // The TensorBoard events of the run trained here (none for an imported model).
  let events: RunEvents | null = null;
  let status: RunStatus = 'empty';
  // What the page asked for while a run trains; set by the pause and stop requests between two steps.
  const asked = { pause: false, stop: false };
  let sampleEvery = 0;

  const setStatus = (next: RunStatus): void => {
    status = next;
    post({ type: 'status', status });
  };
  const postSamples = async (current: Run, step: number): Promise<void> => {
    const rng = new PythonRandom(step);
    const sampling = { temperature: 1, maxTokens: SAMPLE_TOKENS, seed: step, count: 1, beam: 1 };
    const texts: string[] = [];
    // One after the other: they share the generator.
    for (let i = 0; i < SAMPLE_COUNT; i++) texts.push((await sample(current, promptIds(current, ''), sampling, rng)).text ?? '');
    events?.samples(step, texts);
    post({ type: 'samples', step, texts });
  };

  /** The backend `choice` names. @throws Error when it is webgpu and there is none (or it was lost). */
  const backendFor = async (choice: BackendChoice = 'wasm'): Promise<Backend> => {
    if (choice === 'wasm') return backend;
    const started = await gpu;
    if (!started) throw new Error('WebGPU is not available in this page; choose WebAssembly');
    return started;
  };

  const train = async (current: Run): Promise<void> => {
    const trainer = current.trainer!;
    // The profiler times kernels on the CPU: a WebGPU kernel only queues work there, so its table would say nothing.
    const profiled = current.model.backend === backend;
    Object.assign(asked, { pause: false, stop: false });
    setStatus('training');
    let lastEvent = 0;
    let losses: [number, number][] = [];
    const firstStep = trainer.step;
    const last = trainer.settings.steps;
    // The last step runs inside a profile: started before it (here, or after the step before it) and stopped after.
    let profiler: Profiler | null = profiled && firstStep === last - 1 ? startProfile() : null;
    const result = await runTraining(trainer, {
      async onStep(p) {
        await events?.hooks.onStep(p);
        losses.push([p.step, p.loss]);
        const now = performance.now();
        if (now - lastEvent >= STEP_EVENT_MS || p.step === p.steps || asked.pause || asked.stop) {
          lastEvent = now;
          const etaSeconds = ((p.steps - p.step) * p.elapsedSeconds) / (p.step - firstStep);
          post({ type: 'step', step: p.step, steps: p.steps, losses, tokensPerSecond: p.tokensPerSecond, etaSeconds });
          losses = [];
        }
        if (sampleEvery > 0 && p.step % sampleEvery === 0 && p.step < p.steps) await postSamples(current, p.step);
        if (profiler && p.step === last) {
          const profile = profiler.stop();
          profiler = null;
          post({ type: 'profile', step: p.step, table: profileTable(profile), rows: profileRows(profile) });
        }
        if (profiled && p.step === last - 1 && !asked.pause && !asked.stop) profiler = startProfile();
      },
      async onEval(step, valLoss) {
        await events?.hooks.onEval(step, valLoss);
        post({ type: 'eval', step, valLoss });
      },
      shouldStop: () => asked.pause || asked.stop,
    }).finally(() => profiler?.stop());
    if (result.interrupted && asked.pause && !asked.stop) {
      setStatus('paused');
      return;
    }
    await postSamples(current, result.step);
    setStatus('ready');
  };

  const handlers: { [K in Request['type']]: (request: Extract<Request, { type: K }>) => Promise<void> | void } = {
    tokenize({ data, tokenizer, limit }) {
      const trained = trainTokenizer(tokenizer, data);
      post({ type: 'tokens', ...tokenViews(trained, data, limit), vocabSize: trained.vocabSize });
    },
    estimate({ preset, size, vocabSize, batchSize }) {
      post({ type: 'estimate', ...estimateRun(preset, size, vocabSize, batchSize) });
    },
    async start({ run: spec }) {
      if (status === 'training') throw new Error('a run is already training; stop it first');
      const target = await backendFor(spec.backend);
      if (target === backend) await backend.setThreads(Math.max(1, Math.min(spec.threads, maxThreads)));
      const next = createRun(spec, target);
      await replaceRun(next);
      events = recordRunEvents(next.trainer!, { preset: spec.preset, data: spec.data.source, tokenizer: spec.tokenizer.kind, backend: target.name, threads: target === backend ? backend.threads : 1 });
      sampleEvery = spec.sampleEvery;
      post({ type: 'model', info: next.info, steps: spec.steps, step: 0 });
      await train(next);
    },
    pause() {
      if (status === 'training') asked.pause = true;
    },
    async resume() {
      if (status !== 'paused' || !run) throw new Error('there is no paused run to resume');
      await train(run);
    },
    stop() {
      if (status === 'training') asked.stop = true;
      else if (status === 'paused') setStatus('ready');
    },
    async inspect({ prompt }) {
      const current = requireModel();
      const ids = promptIds(current, prompt);
      const maps = await attentionMaps(current.model, ids);
      const decoder = new TextDecoder();
      const tokens = ids.map((id) => decoder.decode(current.tokenizer.tokenBytes(id)));
      const logits = await nextLogits(current.model, ids);
      post(
        { type: 'inspection', attention: { tokens, nLayer: maps.nLayer, nHead: maps.nHead, layers: maps.layers }, logits, vocab: vocabLabels(current.tokenizer, current.model.config.vocabSize) },
        [logits.buffer, ...maps.layers.map((layer) => layer.buffer)],
      );
    },
    async generate({ prompt, sampling }) {
      const current = requireModel();
      if (!(Number.isSafeInteger(sampling.count) && sampling.count >= 1)) throw new Error(`the number of samples must be a positive integer, found ${sampling.count}`);
      const rng = new PythonRandom(sampling.seed);
      const onText = (text: string): void => {
        post({ type: 'text', text });
      };
      let tokens = 0;
      let stop: GenerateResult['stop'] = 'max-tokens';
      // As `microgpt sample`: each sample is the prompt and its continuation; documents one a line.
      for (let i = 0; i < sampling.count; i++) {
        if (i > 0) onText(current.bos === null ? '\n\n' : '\n');
        onText(prompt);
        const result = await sample(current, promptIds(current, prompt), sampling, rng, onText);
        tokens += result.ids.length;
        stop = result.stop;
      }
      post({ type: 'generated', count: sampling.count, tokens, stop });
    },
    async export() {
      const files = await runFiles(requireModel());
      post({ type: 'files', files }, Object.values(files).map((bytes) => bytes.buffer as ArrayBuffer));
    },
    async tensorboard() {
      if (!events) throw new Error('there is no run trained here to export: TensorBoard events are recorded while the page trains a model (an imported one has none)');
      const { name, bytes } = await events.file();
      post({ type: 'tensorboard', name, bytes }, [bytes.buffer as ArrayBuffer]);
    },
    async import({ files, backend: choice }) {
      if (status === 'training') throw new Error('stop training before importing a checkpoint');
      const next = importRun(files, await backendFor(choice));
      await replaceRun(next);
      post({ type: 'model', info: next.info, steps: 0, step: 0 });
      setStatus('ready');
    },
  };

  /**
   * Makes `next` the run, freeing the last one's trainer buffers and weights (wasm memory is not collected) and
   * dropping its TensorBoard events.
   */
  async function replaceRun(next: Run): Promise<void> {
    await events?.close();
    events = null;
    if (run) disposeRun(run);
    run = next;
  }

  /** Drops WebGPU (and a run on it: its buffers went with the device) and tells the page to use wasm. */
  function loseWebGPU(error: WebGPUDeviceLostError): void {
    gpu = Promise.resolve(null);
    if (run && run.model.backend !== backend) run = null;
    post({ type: 'webgpu', status: { available: false, reason: error.message } });
  }

  function requireModel(): Run {
    if (!run) throw new Error('there is no model yet: train one or import a checkpoint');
    return run;
  }

  return {
    async handle(request) {
      try {
        await (handlers[request.type] as (r: Request) => Promise<void> | void)(request);
      } catch (error) {
        if (error instanceof WebGPUDeviceLostError) loseWebGPU(error);
        if (status === 'training') setStatus(run ? 'ready' : 'empty');
        post({ type: 'error', request: request.type, message: error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error) });
      }
    },
  };
}
