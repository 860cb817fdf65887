// The page's state as plain data, and how each worker event changes it. The DOM code only draws this state, so
// what the page shows can be tested without a browser.
import type { ModelInfo, RunStatus, WebGPUStatus, WorkerEvent } from './protocol';

/** Everything the page shows about training and the model. */
export interface PageState {
  /** Whether the worker has started, and how many threads it may use. */
  readonly worker: { readonly ready: boolean; readonly threads: number; readonly isolated: boolean };
  /** Whether WebGPU can be used (null until the worker has asked for an adapter). */
  readonly webgpu: WebGPUStatus | null;
  readonly status: RunStatus;
  readonly model: ModelInfo | null;
  readonly step: number;
  readonly steps: number;
  /** [step, loss] of the training batches and of the held-out data. */
  readonly train: readonly (readonly [number, number])[];
  readonly val: readonly (readonly [number, number])[];
  readonly tokensPerSecond: number;
  /** Seconds left at the current speed (NaN before the first step). */
  readonly etaSeconds: number;
  readonly samples: { readonly step: number; readonly texts: readonly string[] } | null;
  /** The kernel table of the last training step, once the run has finished. */
  readonly profile: { readonly step: number; readonly table: string } | null;
  /** The text generated so far by the last Generate, and whether it is done. */
  readonly generated: { readonly text: string; readonly done: boolean; readonly note: string };
  /** The last error, shown until the next action. */
  readonly error: string | null;
}

/** The state before the worker has said anything. */
export const INITIAL_STATE: PageState = Object.freeze({
  worker: { ready: false, threads: 1, isolated: false },
  webgpu: null,
  status: 'empty',
  model: null,
  step: 0,
  steps: 0,
  train: [],
  val: [],
  tokensPerSecond: 0,
  etaSeconds: NaN,
  samples: null,
  profile: null,
  generated: { text: '', done: true, note: '' },
  error: null,
});

/** Most points kept per loss curve: older ones are thinned to every other point so drawing stays cheap. */
export const MAX_POINTS = 2000;

/** `points` with `added` appended, halved (every other point, keeping the last) while longer than MAX_POINTS. */
function appendPoints(points: readonly (readonly [number, number])[], added: readonly (readonly [number, number])[]): (readonly [number, number])[] {
  let next = [...points, ...added];
  while (next.length > MAX_POINTS) next = next.filter((_, i) => i % 2 === 1 || i === next.length - 1);
  return next;
}

/**
 * The state after `event`. Events that belong to a request the page no longer shows (a step of a run that
 * has been replaced) cannot happen: the worker runs one run at a time and announces each with `model`.
 */
export function reduce(state: PageState, event: WorkerEvent): PageState {
  switch (event.type) {
    case 'ready':
      return { ...state, worker: { ready: true, threads: event.threads, isolated: event.isolated } };
    case 'webgpu':
      return { ...state, webgpu: event.status };
    case 'model':
      return { ...state, model: event.info, step: event.step, steps: event.steps, train: [], val: [], tokensPerSecond: 0, etaSeconds: NaN, samples: null, profile: null, error: null };
    case 'status':
      return { ...state, status: event.status, ...(event.status === 'training' ? { error: null } : {}) };
    case 'step':
      return { ...state, step: event.step, steps: event.steps, train: appendPoints(state.train, event.losses), tokensPerSecond: event.tokensPerSecond, etaSeconds: event.etaSeconds };
    case 'eval':
      return { ...state, val: appendPoints(state.val, [[event.step, event.valLoss]]) };
    case 'samples':
      return { ...state, samples: { step: event.step, texts: event.texts } };
    case 'profile':
      return { ...state, profile: { step: event.step, table: event.table } };
    case 'text':
      return { ...state, generated: { text: state.generated.text + event.text, done: false, note: '' } };
    case 'generated':
      return { ...state, generated: { ...state.generated, done: true, note: generatedNote(event.count, event.tokens, event.stop) } };
    case 'error':
      // An impossible size while the user types is shown beside the settings, not as an error banner.
      if (event.request === 'estimate') return state;
      return { ...state, error: `${event.request}: ${event.message}`, ...(event.request === 'generate' ? { generated: { ...state.generated, done: true } } : {}) };
    case 'tokens':
    case 'estimate':
    case 'inspection':
    case 'files':
    case 'tensorboard':
      return state;
  }
}

/** What the note under generated text says: how many tokens, and why the (last) sample ended. */
function generatedNote(count: number, tokens: number, stop: 'stop-token' | 'max-tokens'): string {
  const why = stop === 'stop-token' ? 'ended at the stop token' : 'reached the token limit';
  return count === 1 ? `${tokens} tokens, ${why}` : `${count} samples, ${tokens} tokens; the last ${why}`;
}

/** The page's state when a new Generate starts: empty text, not done. */
export function startGenerating(state: PageState): PageState {
  return { ...state, generated: { text: '', done: false, note: '' }, error: null };
}
