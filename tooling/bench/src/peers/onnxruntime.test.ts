// The ONNX Runtime peer against our own model: a tiny GPT-2-layout model of ours, exported as an HF folder, then
// to ONNX by the PyTorch peer (python/microgpt_torch/onnx_export.py), gives in ONNX Runtime the logits we compute
// within 1e-4, through its KV cache as well as in one pass, and the same greedy tokens. Needs PyTorch for the
// export: torchPython fails naming what to install (it never skips); onnxruntime-node is a devDependency.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GPTConfig, createGPT, disposeGPT, forwardLogits } from '@microgpt/model';
import { saveHuggingFaceFolder } from '@microgpt/model/node';
import { torchPython } from '@microgpt/test-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OnnxGpt, exportOnnx, greedyOnnx, loadOnnxRuntime, openOnnxGpt } from './onnxruntime';

/** GPT-2's architecture at a tiny size, with weights of a non-trivial scale (init 0.3). */
const CONFIG: GPTConfig = {
  vocabSize: 40, nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 24, mlpRatio: 4, norm: 'layernorm', normAffine: true, normEps: 1e-5, embedNorm: false,
  finalNorm: true, activation: 'gelu_tanh', bias: true, tiedHead: true, posEmb: 'learned', dropout: 0, initStd: 0.3, residualInitScale: true,
};
const PROMPT = [3, 17, 5, 39, 0, 22, 8];

const dir = mkdtempSync(join(tmpdir(), 'bench-onnx-'));
const model = createGPT(CONFIG, { seed: 11, dtype: 'float32', backend: 'js' });
let onnx: OnnxGpt;

beforeAll(async () => {
  torchPython();
  await saveHuggingFaceFolder(join(dir, 'hf'), { model, tokenizer: null });
  const graph = exportOnnx(join(dir, 'hf'), join(dir, 'tiny.onnx'));
  if (typeof graph === 'string') throw new Error(graph);
  const ort = await loadOnnxRuntime();
  if (typeof ort === 'string') throw new Error(ort);
  onnx = await openOnnxGpt(ort, graph, 1);
}, 120_000);

afterAll(async () => {
  await (onnx as OnnxGpt | undefined)?.release();
  disposeGPT(model);
  rmSync(dir, { recursive: true, force: true });
});

/** The largest |a[i] - b[i]|, after checking the lengths agree. */
function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('onnxruntime peer', () => {
  it('gives our logits for a short prompt in one pass, within 1e-4', async () => {
    const ours = await forwardLogits(model, PROMPT, 1, PROMPT.length);
    const { logits } = await onnx.step(PROMPT, onnx.emptyCache());
    expect(maxDifference(logits, ours)).toBeLessThan(1e-4);
    // Not all near zero: the comparison means something.
    expect(Math.max(...ours.map(Math.abs))).toBeGreaterThan(0.5);
  });

  it('gives the same logits through its KV cache, one position a step', async () => {
    const ours = await forwardLogits(model, PROMPT, 1, PROMPT.length);
    const V = CONFIG.vocabSize;
    let { logits, cache } = await onnx.step(PROMPT.slice(0, 3), onnx.emptyCache());
    expect(maxDifference(logits, ours.subarray(0, 3 * V))).toBeLessThan(1e-4);
    for (let t = 3; t < PROMPT.length; t++) {
      ({ logits, cache } = await onnx.step([PROMPT[t]!], cache));
      expect(maxDifference(logits, ours.subarray(t * V, (t + 1) * V))).toBeLessThan(1e-4);
    }
    expect(cache[0]!.dims).toEqual([1, CONFIG.nHead, PROMPT.length, CONFIG.nEmbd / CONFIG.nHead]);
  });

  it('generates the tokens our argmax picks', async () => {
    const ids = [...PROMPT];
    for (let i = 0; i < 8; i++) {
      const logits = await forwardLogits(model, ids, 1, ids.length);
      const last = logits.subarray(logits.length - CONFIG.vocabSize);
      ids.push(last.indexOf(Math.max(...last)));
    }
    expect(await greedyOnnx(onnx, PROMPT, 8)).toEqual(ids.slice(PROMPT.length));
  });
});
