// One attention head and an MLP over a few tokens, built twice: in the scalar engine (lists of Values, as
// microgpt.py does) and with the tensor ops of this package. From the same float64 weights, the loss and every
// parameter gradient must agree to 1e-12: the tensor engine computes exactly what the scalar one spells out.
import { type Backend, type Tensor, type TypedArray, arange, createWasmBackend, findBackend, randn, tensor } from '@microgpt/tensor';
import { assertClose } from '@microgpt/tensor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attention } from '../ops/attention';
import { crossEntropy } from '../ops/cross-entropy';
import { add } from '../ops/elementwise';
import { embedding } from '../ops/embedding';
import { reshape } from '../ops/layout';
import { matmul } from '../ops/matmul';
import { rmsnorm } from '../ops/norm';
import { relu } from '../ops/unary';
import { type Var, param, releaseGraph } from '../var';
import { Value } from './value';

const T = 4; // tokens
const V = 7; // vocabulary
const C = 8; // width, and the size of the one head
const tokens = [3, 1, 6, 3];
const targets = [1, 6, 0, 2];

/** Parameter shapes, stored as nn.Linear does: (out, in). */
const SHAPES = {
  wte: [V, C],
  wpe: [T, C],
  wq: [C, C],
  wk: [C, C],
  wv: [C, C],
  wo: [C, C],
  fc1: [4 * C, C],
  fc2: [C, 4 * C],
  lmHead: [V, C],
} as const;
type Name = keyof typeof SHAPES;
const NAMES = Object.keys(SHAPES) as Name[];

/** The same weights on any backend: randn is seeded, so every backend draws the same float64 values. */
function weights(backend: Backend): Record<Name, Tensor> {
  return Object.fromEntries(NAMES.map((name, i) => [name, randn(SHAPES[name], { seed: 100 + i, std: 0.5, dtype: 'float64', backend })])) as Record<
    Name,
    Tensor
  >;
}

// ---- The scalar side, written out as microgpt.py writes it. ----

const total = (xs: readonly Value[]): Value => xs.slice(1).reduce((s, x) => s.add(x), xs[0]!);
const dot = (a: readonly Value[], b: readonly Value[]): Value => total(a.map((ai, i) => ai.mul(b[i]!)));
/** y = W x with W stored (out, in): one dot product per row. */
const linear = (x: readonly Value[], w: readonly (readonly Value[])[]): Value[] => w.map((row) => dot(row, x));
const rmsnormScalar = (x: readonly Value[]): Value[] => {
  const scale = dot(x, x).mul(1 / x.length).add(1e-5).pow(-0.5);
  return x.map((xi) => xi.mul(scale));
};
const softmaxScalar = (logits: readonly Value[]): Value[] => {
  const max = Math.max(...logits.map((l) => l.data)); // a constant: shifting by it changes no gradient
  const exps = logits.map((l) => l.sub(max).exp());
  const sum = total(exps);
  return exps.map((e) => e.div(sum));
};

/** Weights as lists of rows of Values, and the loss of the network over `tokens`. */
function scalarModel(w: Record<Name, Tensor>): { params: Record<Name, Value[][]>; loss: Value; hidden: number[] } {
  const params = Object.fromEntries(
    NAMES.map((name) => {
      const [rows, cols] = SHAPES[name];
      const data = w[name].toArray();
      return [name, Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => new Value(data[r * cols + c]!)))];
    }),
  ) as Record<Name, Value[][]>;
  const p = params;
  const keys: Value[][] = [];
  const values: Value[][] = [];
  const losses: Value[] = [];
  const hidden: number[] = []; // the MLP's pre-activations, to check that some ReLUs are on and some off
  for (let t = 0; t < T; t++) {
    let x = p.wte[tokens[t]!]!.map((e, i) => e.add(p.wpe[t]![i]!));
    // Attention: the query of token t against the keys of tokens 0 … t (causal), as microgpt's KV cache does.
    let h = rmsnormScalar(x);
    const q = linear(h, p.wq);
    keys.push(linear(h, p.wk));
    values.push(linear(h, p.wv));
    const att = softmaxScalar(keys.map((k) => dot(q, k).mul(1 / Math.sqrt(C))));
    const mixed = Array.from({ length: C }, (_, j) => total(att.map((a, s) => a.mul(values[s]![j]!))));
    x = linear(mixed, p.wo).map((o, i) => o.add(x[i]!));
    // MLP, with its own residual.
    h = rmsnormScalar(x);
    const u = linear(h, p.fc1);
    hidden.push(...u.map((ui) => ui.data));
    const m = linear(u.map((ui) => ui.relu()), p.fc2);
    x = m.map((mi, i) => mi.add(x[i]!));
    const probs = softmaxScalar(linear(x, p.lmHead));
    losses.push(probs[targets[t]!]!.log().neg());
  }
  return { params, loss: total(losses).mul(1 / T), hidden };
}

// ---- The tensor side: the same network as a few fused ops over (T, C) tensors. ----

function tensorModel(w: Record<Name, Tensor>, backend: Backend): { params: Record<Name, Var>; loss: Var } {
  const p = Object.fromEntries(NAMES.map((name) => [name, param(w[name])])) as Record<Name, Var>;
  const ids = tensor(tokens, { dtype: 'int32', backend });
  const positions = arange(0, T, 1, { dtype: 'int32', backend });
  const linearT = (x: Var, weight: Var): Var => matmul(x, weight, { transB: true });
  const heads = (x: Var): Var => reshape(x, [1, 1, T, C]); // (B, H, T, D) with B = H = 1
  let x = add(embedding(p.wte, ids), embedding(p.wpe, positions));
  let h = rmsnorm(x, null);
  const att = attention(heads(linearT(h, p.wq)), heads(linearT(h, p.wk)), heads(linearT(h, p.wv)));
  x = add(x, linearT(reshape(att, [T, C]), p.wo));
  h = rmsnorm(x, null);
  x = add(x, linearT(relu(linearT(h, p.fc1)), p.fc2));
  const loss = crossEntropy(linearT(x, p.lmHead), tensor(targets, { dtype: 'int32', backend }));
  return { params: p, loss };
}

/** Largest |a - e| and largest |a - e| / |e| over the elements (relative only where e is not 0 or subnormal-tiny). */
function differences(actual: ArrayLike<number>, expected: ArrayLike<number>): { abs: number; rel: number } {
  let abs = 0;
  let rel = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    abs = Math.max(abs, d);
    if (Math.abs(expected[i]!) > 1e-300) rel = Math.max(rel, d / Math.abs(expected[i]!));
  }
  return { abs, rel };
}

const TOLERANCE = { atol: 1e-12, rtol: 1e-12 };

let wasm: Backend & { dispose(): void };
beforeAll(async () => {
  wasm = await createWasmBackend({ threads: 1 });
});
afterAll(() => {
  wasm.dispose();
});

describe('scalar engine vs tensor engine: one attention head and an MLP, float64', () => {
  const scalar = scalarModel(weights(findBackend('js')));
  scalar.loss.backward();

  it('the scalar model is not degenerate: a finite loss, ReLUs both on and off, most gradients nonzero', () => {
    expect(scalar.loss.data).toBeGreaterThan(0);
    expect(Number.isFinite(scalar.loss.data)).toBe(true);
    expect(scalar.hidden.filter((u) => u > 0).length).toBeGreaterThan(scalar.hidden.length / 4);
    expect(scalar.hidden.filter((u) => u < 0).length).toBeGreaterThan(scalar.hidden.length / 4);
    const grads = NAMES.flatMap((name) => scalar.params[name].flat().map((v) => v.grad));
    expect(grads.every(Number.isFinite)).toBe(true);
    expect(grads.filter((g) => g !== 0).length).toBeGreaterThan(grads.length / 2);
  });

  describe.each([
    ['js', () => findBackend('js')],
    ['wasm', () => wasm],
  ])('on %s', (backendName, backendOf) => {
    it('gives the same loss and every parameter gradient to 1e-12, absolute and relative', () => {
      const backend = backendOf();
      const model = tensorModel(weights(backend), backend);
      model.loss.backward();
      const worst = { abs: 0, rel: 0 };
      const compare = (actual: TypedArray | readonly number[], expected: readonly number[], label: string): void => {
        assertClose(actual, expected, TOLERANCE, `${backendName}: ${label}`);
        const d = differences(actual, expected);
        worst.abs = Math.max(worst.abs, d.abs);
        worst.rel = Math.max(worst.rel, d.rel);
      };
      compare([model.loss.value.item()], [scalar.loss.data], 'loss');
      for (const name of NAMES) {
        const grad = model.params[name].grad;
        expect(grad, `∂loss/∂${name} on ${backendName}`).not.toBeNull();
        compare(grad!.toArray(), scalar.params[name].flat().map((v) => v.grad), `∂loss/∂${name}`);
      }
      releaseGraph(model.loss);
      // Both bounds at once, on every element: measured about 2e-15 absolute and 1e-13 relative on js and wasm.
      expect(worst.abs, 'max absolute difference').toBeLessThan(1e-12);
      expect(worst.rel, 'max relative difference').toBeLessThan(1e-12);
    });
  });
});
