// The planned passes (pass.ts) against the readable model (reference.ts): loss and every gradient, for configs that
// cover each option, with dropout, with a registered activation, and on wasm; logits of the inference path too.
import { type Var, releaseGraph } from '@microgpt/autograd';
import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { registerActivation } from '../activations';
import type { GPTConfig } from '../config';
import { ModelError } from '../errors';
import { createPlan } from './buffers';
import { forwardLogits } from './inference';
import { type GPT, createGPT, disposeGPT } from './model';
import { createPass } from './pass';
import { referenceForward } from './reference';

const VARIANTS: [string, Partial<GPTConfig>][] = [
  ['microgpt.py (rmsnorm, relu, separate head)', {}],
  ['gpt-2 style (layernorm + bias, gelu, tied, final norm)', { norm: 'layernorm', normAffine: true, bias: true, activation: 'gelu', tiedHead: true, embedNorm: false, finalNorm: true, nLayer: 2 }],
  ['one head, no positions, silu', { nHead: 1, posEmb: 'none', activation: 'silu' }],
  ['affine rmsnorm, squared relu, mlpRatio 2, 3 layers', { normAffine: true, activation: 'squared_relu', mlpRatio: 2, nLayer: 3, nEmbd: 12, nHead: 3 }],
  ['layernorm without bias, gelu_tanh, 2 heads', { norm: 'layernorm', normAffine: true, activation: 'gelu_tanh', nHead: 2, finalNorm: true }],
];

function batch(V: number, B: number, Tn: number, seed: number): { ids: Int32Array; targets: Int32Array } {
  const rng = new T.PythonRandom(seed);
  const ids = Int32Array.from({ length: B * Tn }, () => rng.randbelow(V));
  // Some ignored targets, as padded documents have.
  const targets = Int32Array.from({ length: B * Tn }, (_, i) => (i % 5 === 4 ? -1 : rng.randbelow(V)));
  return { ids, targets };
}

/** The reference's mean loss on ids/targets (B·T, row-major), as a Var to call backward() on. */
function referenceLoss(model: GPT, ids: Int32Array, targets: Int32Array, B: number, Tn: number, dropoutKey?: number): Var {
  const asTensor = (data: Int32Array): T.Tensor => T.tensor(data, { shape: [B, Tn], backend: model.backend });
  return referenceForward(model, asTensor(ids), asTensor(targets), { dropoutKey }).loss!;
}

function grads(model: GPT): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(model.params).map(([name, v]) => [name, Float64Array.from(v.grad!.toArray())]));
}

function zeroGrads(model: GPT): void {
  for (const v of Object.values(model.params)) v.zeroGrad();
}

/**
 * Runs the reference and a planned training pass (dropout masks of `dropoutKey` when the config has dropout) on
 * the same float64 js model and batch, and expects the same loss (1e-12) and every gradient within 1e-12, none
 * of them all zeros. Returns the loss.
 */
function expectPassEqualsReference(overrides: Partial<GPTConfig>, dropoutKey?: number): number {
  const backend = T.findBackend('js');
  const model = createGPT({ vocabSize: 11, blockSize: 8, ...overrides }, { seed: 3, dtype: 'float64', backend });
  const [B, Tn] = [3, 6];
  const { ids, targets } = batch(11, B, Tn, 5);
  const ref = referenceLoss(model, ids, targets, B, Tn, dropoutKey);
  const refLoss = ref.value.item();
  ref.backward();
  releaseGraph(ref);
  const expected = grads(model);
  zeroGrads(model);
  const plan = createPlan(model.config, { B, maxT: 8, training: true, contextT: null }, 'float64', backend);
  const pass = createPass(model, plan);
  const s = pass.buffers(Tn);
  backend.write(s.ids.storage, 0, ids);
  backend.write(s.targets.storage, 0, targets);
  pass.forward(Tn, true, { pos0: 0, cache: null, dropoutKey: dropoutKey ?? 0 });
  const loss = s.loss.item();
  expect(loss).toBeCloseTo(refLoss, 12);
  pass.backward(Tn);
  const actual = grads(model);
  for (const name of Object.keys(expected)) {
    const e = expected[name]!;
    const a = actual[name]!;
    let worst = 0;
    for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
    expect(worst, name).toBeLessThan(1e-12);
    // A gradient that is all zeros would match a broken pass that also gives zeros.
    expect(e.some((x) => x !== 0), `${name} has a nonzero gradient`).toBe(true);
  }
  plan.dispose();
  disposeGPT(model);
  return loss;
}

describe('planned forward/backward against the autograd reference (float64, js)', () => {
  for (const [label, overrides] of VARIANTS) {
    it(label, () => {
      expectPassEqualsReference(overrides);
    });
  }

  it("with dropout: the reference given the pass's dropout key drops the same units", () => {
    for (const overrides of [VARIANTS[0]![1], VARIANTS[1]![1]]) {
      const config = { ...overrides, dropout: 0.3 };
      const dropped = expectPassEqualsReference(config, 12345);
      // The masks matter: another key, or none, gives another loss.
      expect(expectPassEqualsReference(config, 999)).not.toBeCloseTo(dropped, 6);
      expect(expectPassEqualsReference(overrides)).not.toBeCloseTo(dropped, 6);
    }
  });

  it('with a registered activation (x·tanh x, written with tensor ops)', () => {
    registerActivation('x_tanh_x', {
      forward: (x, out) => {
        const t = T.tanh(x);
        T.mul(x, t, out);
        t.dispose();
      },
      // d/dx x·tanh x = tanh x + x·(1 - tanh² x)
      backward: (x, dout, dx) => {
        const t = T.tanh(x);
        const slope = T.mul(t, t);
        T.sub(1, slope, slope);
        T.mul(x, slope, slope);
        T.add(t, slope, slope);
        T.mul(dout, slope, slope);
        T.add(dx, slope, dx);
        t.dispose();
        slope.dispose();
      },
    });
    expectPassEqualsReference({ activation: 'x_tanh_x', normAffine: true, nLayer: 2 });
  });
});

describe('the inference path against the reference', () => {
  for (const [label, overrides] of VARIANTS.slice(0, 3)) {
    it(`forwardLogits equals the reference's logits: ${label}`, async () => {
      const model = createGPT({ vocabSize: 11, blockSize: 8, ...overrides }, { seed: 3, dtype: 'float64', backend: 'js' });
      const [B, Tn] = [2, 7];
      const { ids } = batch(11, B, Tn, 9);
      const { logits } = referenceForward(model, T.tensor(ids, { shape: [B, Tn], backend: model.backend }));
      const expected = Float64Array.from(logits.value.toArray());
      const actual = await forwardLogits(model, ids, B, Tn);
      expect(actual).toHaveLength(expected.length);
      let worst = 0;
      expected.forEach((e, i) => (worst = Math.max(worst, Math.abs(actual[i]! - e))));
      expect(worst).toBeLessThan(1e-12);
      releaseGraph(logits);
      disposeGPT(model);
    });
  }

  it('the reference refuses ids that are not (B, T) with T ≤ blockSize', () => {
    const model = createGPT({ vocabSize: 11, blockSize: 8 }, { seed: 3, dtype: 'float64', backend: 'js' });
    const ids = (shape: number[]): T.Tensor => T.zeros(shape, { dtype: 'int32', backend: model.backend });
    expect(() => referenceForward(model, ids([1, 9]))).toThrow(new ModelError('reference: idx is [1, 9]; expected (B, T) with 1 ≤ T ≤ blockSize 8'));
    expect(() => referenceForward(model, ids([8]))).toThrow(/reference: idx is \[8\]; expected \(B, T\)/);
    disposeGPT(model);
  });
});

describe('the wasm backend against the float64 reference', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    for (const [label, overrides] of VARIANTS.slice(0, 3)) {
      it(`${dtype}: ${label}`, async () => {
        const wasm = await T.startBackend('wasm');
        const js = T.findBackend('js');
        const config = { vocabSize: 11, blockSize: 8, ...overrides };
        const reference = createGPT(config, { seed: 3, dtype: 'float64', backend: js });
        const model = createGPT(config, { seed: 3, dtype, backend: wasm });
        const [B, Tn] = [3, 6];
        const { ids, targets } = batch(11, B, Tn, 5);
        const ref = referenceLoss(reference, ids, targets, B, Tn);
        ref.backward();
        const expected = grads(reference);
        const plan = createPlan(model.config, { B, maxT: 8, training: true, contextT: null }, dtype, wasm);
        const pass = createPass(model, plan);
        const s = pass.buffers(Tn);
        wasm.write(s.ids.storage, 0, ids);
        wasm.write(s.targets.storage, 0, targets);
        pass.forward(Tn, true, { pos0: 0, cache: null, dropoutKey: 0 });
        const loss = s.loss.item();
        const tolerance = dtype === 'float64' ? 1e-12 : 2e-5;
        expect(Math.abs(loss - ref.value.item())).toBeLessThan(tolerance * 10);
        pass.backward(Tn);
        const actual = grads(model);
        for (const name of Object.keys(expected)) {
          const e = expected[name]!;
          const a = actual[name]!;
          const scale = e.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
          let worst = 0;
          for (let i = 0; i < e.length; i++) worst = Math.max(worst, Math.abs(a[i]! - e[i]!));
          expect(worst, name).toBeLessThan(tolerance * Math.max(1, scale));
        }
        plan.dispose();
        disposeGPT(model);
        disposeGPT(reference);
      });
    }
  }
});
