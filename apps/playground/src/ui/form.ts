// The page's settings: presets filled into the inputs, and the inputs read back into the worker's requests.
import { getPreset } from '@microgpt/model';
import type { BackendChoice, DataSpec, ModelSize, PlaygroundPreset, RunSpec, SamplingSpec, TokenizerKind, TokenizerSpec } from '../protocol';
import { byId, numberValue } from './dom';

/** Where the training text comes from. */
export type DataChoice = 'names' | 'pasted' | 'file';

/** The inputs of the settings cards. */
export interface Form {
  readonly dataText: HTMLTextAreaElement;
  readonly dataFile: HTMLInputElement;
  readonly documents: HTMLInputElement;
  readonly tokenizerKind: HTMLSelectElement;
  readonly tokenizerVocab: HTMLInputElement;
  readonly preset: HTMLSelectElement;
  readonly nLayer: HTMLInputElement;
  readonly nHead: HTMLInputElement;
  readonly nEmbd: HTMLInputElement;
  readonly blockSize: HTMLInputElement;
  readonly lr: HTMLInputElement;
  readonly batch: HTMLInputElement;
  readonly steps: HTMLInputElement;
  readonly threads: HTMLInputElement;
  readonly backend: HTMLSelectElement;
  readonly sampleEvery: HTMLInputElement;
  readonly genTemperature: HTMLInputElement;
  readonly genTopK: HTMLInputElement;
  readonly genTopP: HTMLInputElement;
  readonly genMax: HTMLInputElement;
  readonly genSeed: HTMLInputElement;
  readonly genCount: HTMLInputElement;
  readonly genBeam: HTMLInputElement;
}

/** The page's form inputs. */
export function findForm(): Form {
  const input = (id: string): HTMLInputElement => byId(id, HTMLInputElement);
  return {
    dataText: byId('data-text', HTMLTextAreaElement),
    dataFile: input('data-file'),
    documents: input('data-documents'),
    tokenizerKind: byId('tokenizer-kind', HTMLSelectElement),
    tokenizerVocab: input('tokenizer-vocab'),
    preset: byId('preset', HTMLSelectElement),
    nLayer: input('n-layer'),
    nHead: input('n-head'),
    nEmbd: input('n-embd'),
    blockSize: input('block-size'),
    lr: input('lr'),
    batch: input('batch'),
    steps: input('steps'),
    threads: input('threads'),
    backend: byId('backend', HTMLSelectElement),
    sampleEvery: input('sample-every'),
    genTemperature: input('gen-temperature'),
    genTopK: input('gen-top-k'),
    genTopP: input('gen-top-p'),
    genMax: input('gen-max'),
    genSeed: input('gen-seed'),
    genCount: input('gen-count'),
    genBeam: input('gen-beam'),
  };
}

/** Fills the model and training inputs with `preset`'s values (steps capped for a page: a few minutes). */
export function applyPreset(form: Form, preset: PlaygroundPreset): void {
  const { model, train } = getPreset(preset);
  form.nLayer.value = String(model.nLayer);
  form.nHead.value = String(model.nHead);
  form.nEmbd.value = String(model.nEmbd);
  form.blockSize.value = String(model.blockSize);
  form.lr.value = String(train.lr);
  form.batch.value = String(train.batchSize);
  form.steps.value = String(Math.min(train.steps, 1000));
  form.documents.checked = train.data === 'documents';
}

/** The model size in the inputs. */
export function modelSize(form: Form): ModelSize {
  return {
    nLayer: numberValue(form.nLayer, 1),
    nHead: numberValue(form.nHead, 1),
    nEmbd: numberValue(form.nEmbd, 16),
    blockSize: numberValue(form.blockSize, 16),
  };
}

/** The tokenizer in the inputs (a vocabulary size only for word and BPE). */
export function tokenizerSpec(form: Form): TokenizerSpec {
  const kind = form.tokenizerKind.value as TokenizerKind;
  return kind === 'char' ? { kind } : { kind, vocabSize: numberValue(form.tokenizerVocab, 320) };
}

/** The backend chosen in the form. */
export function backendChoice(form: Form): BackendChoice {
  return form.backend.value === 'webgpu' ? 'webgpu' : 'wasm';
}

/** A run of the inputs on `data`. */
export function runSpec(form: Form, data: DataSpec): RunSpec {
  return {
    backend: backendChoice(form),
    preset: form.preset.value as PlaygroundPreset,
    data,
    tokenizer: tokenizerSpec(form),
    model: modelSize(form),
    lr: numberValue(form.lr, 0.01),
    batchSize: numberValue(form.batch, 8),
    steps: numberValue(form.steps, 1000),
    threads: numberValue(form.threads, 1),
    sampleEvery: numberValue(form.sampleEvery, 0),
    seed: 42,
  };
}

/** The Generate card's options (top-k 0 and top-p 1 mean off; beam 1 samples). */
export function samplingSpec(form: Form): SamplingSpec {
  const topK = numberValue(form.genTopK, 0);
  const topP = numberValue(form.genTopP, 1);
  return {
    temperature: numberValue(form.genTemperature, 1),
    maxTokens: numberValue(form.genMax, 200),
    seed: numberValue(form.genSeed, 42),
    count: numberValue(form.genCount, 1),
    beam: numberValue(form.genBeam, 1),
    ...(topK > 0 ? { topK } : {}),
    ...(topP < 1 ? { topP } : {}),
  };
}
