// The page: wires the settings, buttons and views to the training worker. All model work happens in the worker;
// this file turns clicks into requests and events into the drawn state (state.ts).
import { formatBytes, formatDuration } from './format';
import { builtInNames } from './names';
import type { AttentionView, DataSpec, PlaygroundPreset, Request, WorkerEvent } from './protocol';
import { INITIAL_STATE, type PageState, reduce, startGenerating } from './state';
import './style.css';
import { createLossChart } from './ui/chart';
import { byId, element, replaceChildren } from './ui/dom';
import { downloadFiles, downloadZip, readPicked } from './ui/files';
import { renderBackendChoice } from './ui/backend';
import { readPickedFolder } from './ui/folder-pick';
import { type DataChoice, applyPreset, backendChoice, findForm, modelSize, runSpec, samplingSpec, tokenizerSpec } from './ui/form';
import { drawHeatmap } from './ui/heatmap';
import { renderBars, topTokens } from './ui/probabilities';
import { renderTokens, wireTokens } from './ui/tokens';

const TOKEN_PREVIEW = 300;

const form = findForm();
const button = (id: string): HTMLButtonElement => byId(id, HTMLButtonElement);
const text = (id: string): HTMLElement => byId(id, HTMLElement);
const buttons = {
  start: button('start'),
  pause: button('pause'),
  resume: button('resume'),
  stop: button('stop'),
  inspect: button('inspect'),
  generate: button('generate'),
  exportZip: button('export-zip'),
  exportFiles: button('export-files'),
  exportTensorBoard: button('export-tensorboard'),
};
const chart = createLossChart(text('chart'));
const names = builtInNames();
const worker = new Worker(new URL('./worker/worker.ts', import.meta.url), { type: 'module' });
let state: PageState = INITIAL_STATE;
let fileText = '';
let fileName = '';
let vocabSize = 0;
let attention: AttentionView | null = null;
let probe: { logits: Float64Array; vocab: readonly string[] } | null = null;
let exportAs: 'zip' | 'files' = 'zip';
/** Whether the settings make a model (the last estimate succeeded). */
let estimateOk = false;

function send(request: Request): void {
  worker.postMessage(request);
}

function dataChoice(): DataChoice {
  return (document.querySelector<HTMLInputElement>('input[name="data"]:checked')?.value ?? 'names') as DataChoice;
}

function dataSpec(): DataSpec {
  const choice = dataChoice();
  if (choice === 'names') return { text: names, documents: true, source: 'the playground’s names' };
  if (choice === 'file') return { text: fileText, documents: form.documents.checked, source: fileName || 'file' };
  return { text: form.dataText.value, documents: form.documents.checked, source: 'pasted' };
}

/** Re-tokenizes the data preview (debounced: typing in the text box sends one request per pause). */
let tokenizeTimer = 0;
function refreshTokens(): void {
  clearTimeout(tokenizeTimer);
  tokenizeTimer = window.setTimeout(() => {
    const data = dataSpec();
    text('data-summary').textContent = `${data.text.length.toLocaleString()} characters`;
    if (data.text.length === 0) {
      replaceChildren(text('tokens'), []);
      text('tokens-summary').textContent = 'No text yet.';
      return;
    }
    send({ type: 'tokenize', data, tokenizer: tokenizerSpec(form), limit: TOKEN_PREVIEW });
  }, 250);
}

/** Asks the worker for the size of a run with the current settings (it answers with an `estimate` event). */
function refreshEstimate(): void {
  if (vocabSize === 0) return;
  send({ type: 'estimate', preset: form.preset.value as PlaygroundPreset, size: modelSize(form), vocabSize, batchSize: Number(form.batch.value) || 1 });
}

function refreshData(): void {
  const choice = dataChoice();
  form.dataText.disabled = choice !== 'pasted';
  form.dataFile.disabled = choice !== 'file';
  if (choice === 'names') {
    form.dataText.value = names.slice(0, 2000);
    form.documents.checked = true;
  } else if (choice === 'pasted' && form.dataText.value.startsWith(names.slice(0, 100))) form.dataText.value = '';
  refreshTokens();
}

function drawAttention(): void {
  if (!attention) return;
  drawHeatmap(byId('heatmap', HTMLCanvasElement), attention, Number(byId('att-layer', HTMLSelectElement).value), Number(byId('att-head', HTMLSelectElement).value));
}

function drawProbe(): void {
  const temperature = Number(byId('probe-temperature', HTMLInputElement).value);
  const topK = Number(byId('probe-top-k', HTMLInputElement).value);
  const topP = Number(byId('probe-top-p', HTMLInputElement).value);
  text('probe-temperature-value').textContent = temperature.toFixed(2);
  text('probe-top-k-value').textContent = topK === 0 ? 'off' : String(topK);
  text('probe-top-p-value').textContent = topP.toFixed(2);
  if (probe) renderBars(text('next-token'), topTokens(probe.logits, { temperature, topK, topP }, 10), probe.vocab);
}

function options(select: HTMLSelectElement, count: number): void {
  const keep = Math.min(Number(select.value) || 0, count - 1);
  replaceChildren(select, Array.from({ length: count }, (_, i) => Object.assign(element('option', '', String(i + 1)), { value: String(i) })));
  select.value = String(keep);
}

/** Draws `state` (cheap: text and button states; the chart only when points changed). */
function render(previous: PageState): void {
  const { status, worker: w } = state;
  const hasModel = state.model !== null;
  const busy = status === 'training';
  buttons.start.disabled = !w.ready || busy || status === 'paused' || vocabSize === 0 || !estimateOk;
  buttons.pause.disabled = !busy;
  buttons.resume.disabled = status !== 'paused';
  buttons.stop.disabled = !(busy || status === 'paused');
  for (const b of [buttons.inspect, buttons.generate, buttons.exportZip, buttons.exportFiles]) b.disabled = !hasModel || !state.generated.done;
  // Events exist for a run trained here (an imported model comes with steps 0).
  buttons.exportTensorBoard.disabled = !hasModel || state.steps === 0;
  text('threads-note').textContent = !w.ready
    ? 'Starting the WebAssembly backend…'
    : w.isolated
      ? `WebAssembly with SIMD in a Web Worker; up to ${w.threads} threads.`
      : 'This page is not cross-origin isolated, so SharedArrayBuffer is unavailable: training runs on one thread.';
  form.threads.max = String(w.threads);
  if (state.webgpu !== previous.webgpu || previous === INITIAL_STATE) renderBackendChoice(form.backend, text('backend-note'), state.webgpu, state.webgpu !== previous.webgpu);
  form.threads.disabled = backendChoice(form) === 'webgpu';
  const last = state.train.at(-1);
  const lastVal = state.val.at(-1);
  text('stat-step').textContent = state.steps > 0 ? `${state.step.toLocaleString()} / ${state.steps.toLocaleString()}` : '–';
  text('stat-loss').textContent = last ? last[1].toFixed(4) : '–';
  text('stat-val').textContent = lastVal ? lastVal[1].toFixed(4) : '–';
  text('stat-speed').textContent = state.tokensPerSecond > 0 ? Math.round(state.tokensPerSecond).toLocaleString() : '–';
  text('stat-eta').textContent = busy ? formatDuration(state.etaSeconds) : '–';
  text('stat-status').textContent = { empty: 'no model', training: 'training', paused: 'paused', ready: 'ready' }[status];
  if (state.train !== previous.train || state.val !== previous.val) chart.update(state.train, state.val);
  if (state.samples !== previous.samples && state.samples) {
    text('samples-step').textContent = `(step ${state.samples.step})`;
    replaceChildren(text('samples'), state.samples.texts.map((t) => element('li', '', t || '(empty)')));
  }
  if (state.profile !== previous.profile) {
    text('profile-step').textContent = state.profile ? `(step ${state.profile.step})` : '';
    text('profile').textContent = state.profile?.table ?? 'Shown when a run on WebAssembly finishes.';
  }
  if (state.generated !== previous.generated) {
    text('generated').textContent = state.generated.text;
    text('generated-note').textContent = state.generated.note;
  }
  if (state.model !== previous.model && state.model) {
    const m = state.model;
    text('model-info').textContent = `Model: ${m.parameters.toLocaleString()} parameters, ${m.nLayer} layer${m.nLayer === 1 ? '' : 's'} × ${m.nHead} head${m.nHead === 1 ? '' : 's'} × ${m.nEmbd} wide, context ${m.blockSize}, vocabulary ${m.vocabSize}, ${m.documents ? 'documents' : 'stream'} (${m.source}).`;
  }
  const error = text('error');
  error.hidden = state.error === null;
  error.textContent = state.error ?? '';
}

worker.onmessage = (event: MessageEvent<WorkerEvent>) => {
  const message = event.data;
  const previous = state;
  state = reduce(state, message);
  if (message.type === 'tokens') {
    vocabSize = message.vocabSize;
    renderTokens(text('tokens'), message.tokens);
    text('tokens-summary').textContent = `${message.total.toLocaleString()} tokens, vocabulary of ${message.vocabSize.toLocaleString()}; the first ${message.tokens.length}:`;
    refreshEstimate();
  } else if (message.type === 'estimate') {
    text('estimate').textContent = `${message.parameters.toLocaleString()} parameters · about ${formatBytes(message.parameterBytes + message.activationBytes)} to train (${formatBytes(message.parameterBytes)} weights, gradients and Adam state; ${formatBytes(message.activationBytes)} activations)`;
    estimateOk = true;
  } else if (message.type === 'inspection') {
    attention = message.attention;
    probe = { logits: message.logits, vocab: message.vocab };
    options(byId('att-layer', HTMLSelectElement), attention.nLayer);
    options(byId('att-head', HTMLSelectElement), attention.nHead);
    drawAttention();
    drawProbe();
  } else if (message.type === 'files') {
    if (exportAs === 'zip') downloadZip(message.files);
    else downloadFiles(message.files);
  } else if (message.type === 'tensorboard') downloadFiles({ [message.name]: message.bytes });
  else if (message.type === 'ready') refreshTokens();
  else if (message.type === 'error' && message.request === 'estimate') {
    text('estimate').textContent = message.message;
    estimateOk = false;
  }
  render(previous);
};
worker.onerror = (event) => {
  const previous = state;
  state = { ...state, error: `worker: ${event.message}` };
  render(previous);
};

for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="data"]')) radio.addEventListener('change', refreshData);
form.dataText.addEventListener('input', refreshTokens);
form.documents.addEventListener('change', refreshTokens);
form.tokenizerKind.addEventListener('change', () => {
  form.tokenizerVocab.disabled = form.tokenizerKind.value === 'char';
  refreshTokens();
});
form.tokenizerVocab.addEventListener('change', refreshTokens);
form.dataFile.addEventListener('change', () => {
  const file = form.dataFile.files?.[0];
  if (!file) return;
  void file.text().then((content) => {
    fileText = content;
    fileName = file.name;
    refreshTokens();
  });
});
form.preset.addEventListener('change', () => {
  applyPreset(form, form.preset.value as PlaygroundPreset);
  refreshEstimate();
});
for (const input of [form.nLayer, form.nHead, form.nEmbd, form.blockSize, form.batch]) input.addEventListener('input', refreshEstimate);
form.backend.addEventListener('change', () => {
  form.threads.disabled = backendChoice(form) === 'webgpu';
});
buttons.start.addEventListener('click', () => {
  send({ type: 'start', run: runSpec(form, dataSpec()) });
});
buttons.pause.addEventListener('click', () => {
  send({ type: 'pause' });
});
buttons.resume.addEventListener('click', () => {
  send({ type: 'resume' });
});
buttons.stop.addEventListener('click', () => {
  send({ type: 'stop' });
});
buttons.inspect.addEventListener('click', () => {
  send({ type: 'inspect', prompt: byId('inspect-prompt', HTMLInputElement).value });
});
byId('att-layer', HTMLSelectElement).addEventListener('change', drawAttention);
byId('att-head', HTMLSelectElement).addEventListener('change', drawAttention);
for (const id of ['probe-temperature', 'probe-top-k', 'probe-top-p']) byId(id, HTMLInputElement).addEventListener('input', drawProbe);
buttons.generate.addEventListener('click', () => {
  const previous = state;
  state = startGenerating(state);
  render(previous);
  send({ type: 'generate', prompt: byId('gen-prompt', HTMLInputElement).value, sampling: samplingSpec(form) });
});
buttons.exportZip.addEventListener('click', () => {
  exportAs = 'zip';
  send({ type: 'export' });
});
buttons.exportFiles.addEventListener('click', () => {
  exportAs = 'files';
  send({ type: 'export' });
});
buttons.exportTensorBoard.addEventListener('click', () => {
  send({ type: 'tensorboard' });
});
/** Sends the files `read` gives to the worker to import, or shows why they could not be read. */
function importPicked(input: HTMLInputElement, read: (picked: File[]) => Promise<Record<string, Uint8Array>>): void {
  input.addEventListener('change', () => {
    const picked = [...(input.files ?? [])];
    if (picked.length === 0) return;
    read(picked).then(
      (files) => {
        send({ type: 'import', files, backend: backendChoice(form) });
      },
      (error: unknown) => {
        const previous = state;
        state = { ...state, error: `import: ${(error as Error).message}` };
        render(previous);
      },
    );
  });
}
importPicked(byId('import', HTMLInputElement), readPicked);
importPicked(byId('import-folder', HTMLInputElement), readPickedFolder);

wireTokens(text('tokens'), text('token-detail'));
applyPreset(form, 'names');
refreshData();
drawProbe();
render(INITIAL_STATE);
