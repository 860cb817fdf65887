// The messages between the page and the training worker. The worker owns the model, the tokenizer and the
// trainer; the page only sends requests and draws what comes back, so it never freezes while a step runs.
import type { ProfileRow } from '@microgpt/tensor';

/** Tokenizers the page can train on the data. */
export type TokenizerKind = 'char' | 'word' | 'bpe';

/** Which tokenizer to train: BPE and word take a vocabulary size (BPE: 256 bytes + merges + BOS). */
export interface TokenizerSpec {
  readonly kind: TokenizerKind;
  readonly vocabSize?: number;
}

/** The training data: its text, and whether each line is a document (names) or the text is one stream. */
export interface DataSpec {
  readonly text: string;
  readonly documents: boolean;
  /** Where it came from (`names`, `pasted`, a file name), saved in exported checkpoints. */
  readonly source: string;
}

/** The model's size; the rest of its shape comes from the preset. */
export interface ModelSize {
  readonly nLayer: number;
  readonly nHead: number;
  readonly nEmbd: number;
  readonly blockSize: number;
}

/** Presets the page offers (the model package's presets of the same names). */
export type PlaygroundPreset = 'names' | 'microgpt' | 'shakespeare-cpu';

/** Where the worker computes: WebAssembly on the CPU, or WebGPU (float32 only, as every run here). */
export type BackendChoice = 'wasm' | 'webgpu';

/** Whether the worker can train on WebGPU: the adapter's name, or why not (the page then offers wasm alone). */
export type WebGPUStatus =
  | { readonly available: true; readonly adapter: string; readonly software: boolean }
  | { readonly available: false; readonly reason: string };

/** Everything a training run needs. */
export interface RunSpec {
  /** Default `wasm`. */
  readonly backend?: BackendChoice;
  readonly preset: PlaygroundPreset;
  readonly data: DataSpec;
  readonly tokenizer: TokenizerSpec;
  readonly model: ModelSize;
  readonly lr: number;
  readonly batchSize: number;
  readonly steps: number;
  readonly threads: number;
  /** Draw fresh samples every this many steps (0: only at the end). */
  readonly sampleEvery: number;
  readonly seed: number;
}

/** Sampling options, as the CLI's `sample` flags. */
export interface SamplingSpec {
  readonly temperature: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly maxTokens: number;
  readonly seed: number;
  /** Samples to draw, one after the other from one seeded generator. */
  readonly count: number;
  /** Beam search of this width instead of sampling (1: sample). */
  readonly beam: number;
}

/** What the page asks the worker. */
export type Request =
  | { readonly type: 'tokenize'; readonly data: DataSpec; readonly tokenizer: TokenizerSpec; readonly limit: number }
  | { readonly type: 'estimate'; readonly preset: PlaygroundPreset; readonly size: ModelSize; readonly vocabSize: number; readonly batchSize: number }
  | { readonly type: 'start'; readonly run: RunSpec }
  | { readonly type: 'pause' }
  | { readonly type: 'resume' }
  | { readonly type: 'stop' }
  | { readonly type: 'inspect'; readonly prompt: string }
  | { readonly type: 'generate'; readonly prompt: string; readonly sampling: SamplingSpec }
  | { readonly type: 'export' }
  /** The run's TensorBoard event file so far (answered with a `tensorboard` event). */
  | { readonly type: 'tensorboard' }
  | { readonly type: 'import'; readonly files: Readonly<Record<string, Uint8Array>>; readonly backend?: BackendChoice };

/** One token of the tokenizer preview. */
export interface TokenView {
  readonly id: number;
  readonly text: string;
  /** Its UTF-8 bytes (a BPE token can be part of a character). */
  readonly bytes: readonly number[];
}

/** Where training is. `ready`: a model exists (trained, stopped or imported) and can be sampled. */
export type RunStatus = 'empty' | 'training' | 'paused' | 'ready';

/** What the loaded model is. */
export interface ModelInfo {
  readonly parameters: number;
  readonly vocabSize: number;
  readonly nLayer: number;
  readonly nHead: number;
  readonly nEmbd: number;
  readonly blockSize: number;
  /** Whether samples start at BOS and stop at the next (documents) or continue a prompt (stream). */
  readonly documents: boolean;
  readonly source: string;
}

/** The attention probabilities of a prompt: per layer, (nHead, T, T) row-major. */
export interface AttentionView {
  readonly tokens: readonly string[];
  readonly nLayer: number;
  readonly nHead: number;
  readonly layers: readonly Float64Array[];
}

/** What the worker tells the page. */
export type WorkerEvent =
  | { readonly type: 'ready'; readonly threads: number; readonly isolated: boolean }
  /** After `ready`, once the worker has asked for a WebGPU adapter; again when the device is lost. */
  | { readonly type: 'webgpu'; readonly status: WebGPUStatus }
  | { readonly type: 'tokens'; readonly tokens: readonly TokenView[]; readonly total: number; readonly vocabSize: number }
  | { readonly type: 'estimate'; readonly parameters: number; readonly parameterBytes: number; readonly activationBytes: number }
  | { readonly type: 'model'; readonly info: ModelInfo; readonly steps: number; readonly step: number }
  | { readonly type: 'status'; readonly status: RunStatus }
  /** Progress, at most every 50 ms: the batch losses of every step since the last event, as [step, loss]. */
  | { readonly type: 'step'; readonly step: number; readonly steps: number; readonly losses: readonly (readonly [number, number])[]; readonly tokensPerSecond: number; readonly etaSeconds: number }
  | { readonly type: 'eval'; readonly step: number; readonly valLoss: number }
  | { readonly type: 'samples'; readonly step: number; readonly texts: readonly string[] }
  /** The kernels of the run's last training step (the tensor package's profiler): the table as text, and its rows. */
  | { readonly type: 'profile'; readonly step: number; readonly table: string; readonly rows: readonly ProfileRow[] }
  | { readonly type: 'inspection'; readonly attention: AttentionView; readonly logits: Float64Array; readonly vocab: readonly string[] }
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'generated'; readonly count: number; readonly tokens: number; readonly stop: 'stop-token' | 'max-tokens' }
  | { readonly type: 'files'; readonly files: Readonly<Record<string, Uint8Array>> }
  /** An `events.out.tfevents.*` file of the run trained here: scalars, histograms, samples and hyper-parameters. */
  | { readonly type: 'tensorboard'; readonly name: string; readonly bytes: Uint8Array }
  | { readonly type: 'error'; readonly request: Request['type'] | 'init'; readonly message: string };
