// The worker's logic in Node, on the same wasm backend the page uses: a names run trains (loss falls), pauses
// and resumes at the same step, inspects, generates, exports a checkpoint that imports back to the same model,
// imports a Hugging Face GPT-2 folder written by PyTorch code (the model package's fixture) with PyTorch's
// logits, and turns bad requests into error events.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type WasmBackend, createWasmBackend } from '@microgpt/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Request, RunSpec, WorkerEvent } from '../protocol';
import { type Controller, createController } from './controller';
import { namesRun } from './test-runs';

const NAMES = 'emma\nolivia\nava\nisabella\nsophia\nmia\ncharlotte\namelia\nharper\nevelyn\nabigail\nemily\nella\nelizabeth\ncamila\nluna\nsofia\navery\nmila\naria\nscarlett\npenelope\nlayla\nchloe\nvictoria\nmadison\neleanor\ngrace\nnora\nriley\n'.repeat(8);

/** The char tokenizer's vocabulary: the letters of the names and BOS. */
const V = new Set(NAMES.replace(/\n/g, '')).size + 1;

const RUN: RunSpec = namesRun(NAMES);

/** The model package's GPT-2 fixtures (python/make_fixtures.py): folders PyTorch wrote, and PyTorch's logits. */
const HF_FIXTURES = join(import.meta.dirname, '..', '..', '..', '..', 'packages', 'model', 'src', 'hf', 'fixtures');

/** The files of fixture folder `name`, name → bytes, as the page reads a picked folder. */
function fixtureFiles(name: string): Record<string, Uint8Array> {
  const dir = join(HF_FIXTURES, name);
  return Object.fromEntries(readdirSync(dir).map((file) => [file, new Uint8Array(readFileSync(join(dir, file)))]));
}

let backend: WasmBackend;
beforeAll(async () => {
  backend = await createWasmBackend({ threads: 1 });
});
afterAll(() => {
  backend.dispose();
});

/** A controller whose events are collected. */
function harness(): { controller: Controller; events: WorkerEvent[]; of: <T extends WorkerEvent['type']>(type: T) => Extract<WorkerEvent, { type: T }>[] } {
  const events: WorkerEvent[] = [];
  const controller = createController(backend, (event) => events.push(event), 1);
  const of = <T extends WorkerEvent['type']>(type: T) => events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
  return { controller, events, of };
}

describe('worker controller', () => {
  it('trains a names model: steps, evaluations, samples, falling loss, then ready', async () => {
    const { controller, of } = harness();
    await controller.handle({ type: 'start', run: RUN });
    expect(of('error')).toEqual([]);
    expect(of('model')[0]!.info).toMatchObject({ vocabSize: V, nLayer: 1, documents: true, source: 'names' });
    expect(of('status').map((e) => e.status)).toEqual(['training', 'ready']);
    const steps = of('step');
    expect(steps.at(-1)!.step).toBe(150);
    // Every step's loss arrives once, in order, however the events batch them.
    expect(steps.flatMap((e) => e.losses.map(([step]) => step))).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    const evals = of('eval');
    expect(evals.length).toBeGreaterThanOrEqual(2);
    expect(evals.at(-1)!.valLoss).toBeLessThan(evals[0]!.valLoss);
    expect(evals.at(-1)!.valLoss).toBeLessThan(Math.log(V));
    const samples = of('samples');
    expect(samples.map((s) => s.step)).toEqual([50, 100, 150]);
    for (const s of samples) expect(s.texts).toHaveLength(5);
    expect(samples.at(-1)!.texts.join('')).toMatch(/^[a-z]+$/);
    // The kernels of the last step, and of that step alone: one optimizer update, one cross-entropy forward.
    const [profile] = of('profile');
    expect(profile!.step).toBe(150);
    const rows = Object.fromEntries(profile!.rows.map((r) => [r.kernel, r]));
    expect(rows.adam!.calls).toBe(1);
    expect(rows.crossEntropy!.calls).toBe(1);
    for (const name of ['matmul', 'attention', 'attentionBackward', 'rmsnorm', 'rmsnormBackward', 'crossEntropy', 'adam']) expect(rows[name]!.gflops).toBeGreaterThan(0);
    expect(profile!.rows.reduce((n, r) => n + r.share, 0)).toBeCloseTo(1, 9);
    expect(profile!.table).toMatch(/^kernel +calls +total ms +share +µs\/call +GFLOP\/s\n/);
  });

  it('pauses between steps, keeps the step while paused, and resumes to the end', async () => {
    const { controller, of } = harness();
    const started = controller.handle({ type: 'start', run: { ...RUN, steps: 100000, sampleEvery: 0 } });
    while (of('step').length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await controller.handle({ type: 'pause' });
    await started;
    expect(of('status').map((e) => e.status)).toEqual(['training', 'paused']);
    const pausedAt = of('step').length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(of('step').length).toBe(pausedAt);
    const resumed = controller.handle({ type: 'resume' });
    while (of('step').length === pausedAt) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(of('step').at(-1)!.step).toBeGreaterThan(of('step')[pausedAt - 1]!.step);
    await controller.handle({ type: 'stop' });
    await resumed;
    expect(of('status').map((e) => e.status)).toEqual(['training', 'paused', 'training', 'ready']);
    expect(of('error')).toEqual([]);
  });

  it('inspects a prompt, generates, and exports a checkpoint that imports back to the same model', async () => {
    const { controller, events, of } = harness();
    await controller.handle({ type: 'start', run: { ...RUN, steps: 60 } });
    await controller.handle({ type: 'inspect', prompt: 'em' });
    const inspection = of('inspection')[0]!;
    expect(inspection.attention.tokens).toEqual(['<|bos|>', 'e', 'm']);
    expect(inspection.attention.layers).toHaveLength(1);
    expect(inspection.attention.layers[0]).toHaveLength(4 * 3 * 3);
    expect(inspection.logits).toHaveLength(V);
    expect(inspection.vocab).toHaveLength(V);
    await controller.handle({ type: 'generate', prompt: 'em', sampling: { temperature: 0.8, maxTokens: 30, seed: 7, count: 1, beam: 1 } });
    const generated = of('text').map((e) => e.text).join('');
    expect(generated.startsWith('em')).toBe(true);
    expect(of('generated')[0]!.tokens).toBeGreaterThan(0);
    await controller.handle({ type: 'export' });
    const files = of('files')[0]!.files;
    expect(Object.keys(files).sort()).toEqual(['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json', 'trainer_state.json']);

    const other = harness();
    await other.controller.handle({ type: 'import', files });
    expect(other.of('error')).toEqual([]);
    expect(other.of('model')[0]!.info).toEqual({ ...of('model')[0]!.info });
    await other.controller.handle({ type: 'inspect', prompt: 'em' });
    expect(other.of('inspection')[0]!.logits).toEqual(inspection.logits);
    await other.controller.handle({ type: 'generate', prompt: 'em', sampling: { temperature: 0.8, maxTokens: 30, seed: 7, count: 1, beam: 1 } });
    expect(other.of('text').map((e) => e.text).join('')).toBe(generated);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it('imports a Hugging Face GPT-2 folder written by PyTorch code: its logits, then samples', async () => {
    const { controller, of } = harness();
    await controller.handle({ type: 'import', files: fixtureFiles('gpt2-tiny') });
    expect(of('error')).toEqual([]);
    expect(of('model')[0]!.info).toEqual({ parameters: 37_120, vocabSize: 300, nLayer: 2, nHead: 4, nEmbd: 32, blockSize: 64, documents: true, source: 'Hugging Face GPT-2 folder' });
    // The empty prompt of a documents model is <|endoftext|> alone: the fixture's "eos" sequence.
    await controller.handle({ type: 'inspect', prompt: '' });
    const expected = JSON.parse(readFileSync(join(HF_FIXTURES, 'gpt2-tiny-expected.json'), 'utf8')) as { runs: { folder: string; dtype: string; results: { logits: string }[] }[] };
    const torch = Buffer.from(expected.runs.find((r) => r.folder === 'gpt2-tiny' && r.dtype === 'float64')!.results[0]!.logits, 'base64');
    const torchLogits = new Float32Array(torch.buffer.slice(torch.byteOffset, torch.byteOffset + torch.byteLength));
    const logits = of('inspection')[0]!.logits;
    expect(logits).toHaveLength(300);
    let worst = 0;
    for (let i = 0; i < 300; i++) worst = Math.max(worst, Math.abs(logits[i]! - torchLogits[i]!));
    expect(worst).toBeLessThan(1e-4);
    await controller.handle({ type: 'generate', prompt: 'What say you', sampling: { temperature: 1, maxTokens: 20, seed: 5, count: 1, beam: 1 } });
    expect(of('text').map((e) => e.text).join('').startsWith('What say you')).toBe(true);
    expect(of('generated')[0]!.tokens).toBeGreaterThan(0);
    expect(of('error')).toEqual([]);
  });

  it('refuses a bad Hugging Face folder naming the file and field, keeping nothing in memory', async () => {
    const { controller, of } = harness();
    const before = backend.memory().liveBytes;
    const good = fixtureFiles('gpt2-tiny');
    const config = JSON.parse(new TextDecoder().decode(good['config.json'])) as Record<string, unknown>;
    const withConfig = (fields: Record<string, unknown>): Record<string, Uint8Array> => ({ ...good, 'config.json': new TextEncoder().encode(JSON.stringify({ ...config, ...fields })) });
    const noWeights: Record<string, Uint8Array> = { ...good };
    delete noWeights['model.safetensors'];
    await controller.handle({ type: 'import', files: withConfig({ n_head: 5 }) });
    await controller.handle({ type: 'import', files: withConfig({ activation_function: 'quick_gelu' }) });
    await controller.handle({ type: 'import', files: noWeights });
    // F16 weights without a tokenizer: the weights were built, and must be freed again.
    await controller.handle({ type: 'import', files: fixtureFiles('gpt2-tiny-f16') });
    expect(of('error').map((e) => e.message)).toEqual([
      'CheckpointError: config.json: n_head: n_embd (32) must be divisible by n_head (5)',
      expect.stringMatching(/^CheckpointError: config\.json: activation_function: expected one of .*, found "quick_gelu"$/),
      'CheckpointError: model.safetensors: missing; a Hugging Face GPT-2 folder needs config.json and model.safetensors',
      'CheckpointError: tokenizer.json: missing: the page needs the tokenizer to turn text into ids',
    ]);
    expect(of('model')).toEqual([]);
    expect(backend.memory().liveBytes).toBe(before);
  });

  it('draws several samples one a line, and runs beam search when the beam is wider than 1', async () => {
    const { controller, of } = harness();
    await controller.handle({ type: 'start', run: { ...RUN, steps: 60, sampleEvery: 0 } });
    await controller.handle({ type: 'generate', prompt: 'a', sampling: { temperature: 1, maxTokens: 15, seed: 3, count: 4, beam: 1 } });
    const lines = of('text').map((e) => e.text).join('').split('\n');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/^a[a-z]*$/);
    expect(of('generated')[0]).toMatchObject({ count: 4 });
    const beam = async (seed: number): Promise<string> => {
      const before = of('text').length;
      await controller.handle({ type: 'generate', prompt: 'a', sampling: { temperature: 1, maxTokens: 15, seed, count: 1, beam: 3 } });
      return of('text').slice(before).map((e) => e.text).join('');
    };
    // Beam search does not sample: the seed changes nothing.
    expect(await beam(1)).toBe(await beam(2));
    expect(of('error')).toEqual([]);
  });

  it('frees the last run when a new one starts or a checkpoint is imported: memory stops growing', async () => {
    const { controller, of } = harness();
    const small = { ...RUN, steps: 5, sampleEvery: 0 };
    await controller.handle({ type: 'start', run: small });
    await controller.handle({ type: 'export' });
    const files = of('files')[0]!.files;
    // Bytes held after each cycle (start, inspect, import, generate): the same every time after the first.
    const held: number[] = [];
    for (let i = 0; i < 4; i++) {
      await controller.handle({ type: 'start', run: small });
      await controller.handle({ type: 'inspect', prompt: 'em' });
      await controller.handle({ type: 'import', files });
      await controller.handle({ type: 'generate', prompt: 'a', sampling: { temperature: 1, maxTokens: 10, seed: 1, count: 2, beam: 1 } });
      held.push(backend.memory().liveBytes);
    }
    expect(of('error')).toEqual([]);
    expect(new Set(held.slice(1)).size).toBe(1);
  });

  it('turns bad requests into error events that name the request and the problem', async () => {
    const { controller, of } = harness();
    const requests: Request[] = [
      { type: 'inspect', prompt: 'a' },
      { type: 'resume' },
      { type: 'start', run: { ...RUN, model: { ...RUN.model, nHead: 3 } } },
      { type: 'start', run: { ...RUN, tokenizer: { kind: 'bpe', vocabSize: 100 } } },
      { type: 'import', files: { 'config.json': new TextEncoder().encode('{') } },
      { type: 'start', run: { ...RUN, data: { text: 'abcab', documents: false, source: 'pasted' } } },
    ];
    for (const request of requests) await controller.handle(request);
    const errors = of('error');
    expect(errors.map((e) => e.request)).toEqual(['inspect', 'resume', 'start', 'start', 'import', 'start']);
    expect(errors[0]!.message).toMatch(/no model yet/);
    expect(errors[1]!.message).toMatch(/no paused run/);
    expect(errors[2]!.message).toMatch(/nEmbd.*nHead|nHead.*nEmbd/);
    expect(errors[3]!.message).toMatch(/vocab/i);
    expect(errors[4]!.message).toMatch(/config\.json/);
    expect(errors[5]!.message).toMatch(/^DataError: data: .*block/);
    for (const e of errors) expect(e.message).not.toMatch(/\n\s+at /);
  });

  it('refuses a run too big for the wasm memory with an error event, allocating nothing', async () => {
    const { controller, of } = harness();
    const before = backend.memory().liveBytes;
    await controller.handle({ type: 'start', run: { ...RUN, model: { ...RUN.model, nLayer: 100_000_000 } } });
    await controller.handle({ type: 'start', run: { ...RUN, batchSize: 100_000_000 } });
    const errors = of('error');
    expect(errors.map((e) => e.request)).toEqual(['start', 'start']);
    expect(errors[0]!.message).toMatch(/^MemoryLimitError: memory: the model needs about 1.1 TiB \(parameters 1.1 TiB for 307,200,000,\d{3} parameters\) but the wasm backend holds at most 4 GiB$/);
    expect(errors[1]!.message).toMatch(/^MemoryLimitError: memory: training \(batch 100000000\) needs about [\d.]+ TiB \(activations [\d.]+ TiB for batch 100,000,000 × context 16 × 1 layer\) but the wasm backend holds at most 4 GiB$/);
    expect(backend.memory().liveBytes).toBe(before);
  });

  it('previews tokens with their ids and bytes; documents wrapped in BOS as the model sees them', async () => {
    const { controller, of } = harness();
    await controller.handle({ type: 'tokenize', data: { text: 'héllo wörld', documents: false, source: 'pasted' }, tokenizer: { kind: 'bpe', vocabSize: 260 }, limit: 4 });
    const { tokens, total, vocabSize } = of('tokens')[0]!;
    expect(vocabSize).toBe(260);
    expect(tokens).toHaveLength(4);
    expect(total).toBeGreaterThanOrEqual(4);
    expect(tokens.map((t) => t.bytes).flat().slice(0, 3)).toEqual([0x68, 0xc3, 0xa9]);
    await controller.handle({ type: 'tokenize', data: RUN.data, tokenizer: { kind: 'char' }, limit: 12 });
    const names = of('tokens')[1]!;
    expect(names.tokens.map((t) => t.text).join(' ')).toBe('<|bos|> e m m a <|bos|> o l i v i a');
    expect(names.vocabSize).toBe(V);
  });
});
