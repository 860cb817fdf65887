// Peer: the one-block training step (one-block-model.ts) in jax-js 0.1.25 on its wasm device, `impl: jax-js-wasm`,
// threads 1 (Node has no global Worker; see jax.ts).
//
// Written as one would in JAX: the whole step (forward, valueAndGrad, Adam) is a single `jit` function, compiled
// on the first call, whose outputs (new weights and moments) feed the next call. jax-js is lazy, so `step()`
// awaits `blockUntilReady` on every output before it returns.
//
// Attention is spelled out with matmul and softmax: jax-js's `nn.dotProductAttention` goes through `einsum`,
// whose parser uses iterator helpers (`matchAll(...).map`), which Node 20 lacks.
import type { Array as JaxArray } from '@jax-js/jax';
import { loadJaxWasm } from './jax';
import { type HostTensor, type OneBlockTrainer, type OneBlockWeights, ONE_BLOCK, mapWeights, oneBlockStart } from './one-block-model';

type Weights = OneBlockWeights<JaxArray>;

/**
 * Builds the one-block training step on jax-js-wasm from the shared initial weights and batch.
 *
 * @returns a trainer whose `step()` resolves to the loss once the step has run; `dispose()` frees weights,
 *   moments, batch and the compiled step.
 * @throws if jax-js cannot start its wasm device, or if a global `Worker` exists (it would run multi-threaded).
 */
export async function jaxOneBlock(): Promise<OneBlockTrainer> {
  const jax = await loadJaxWasm();
  const { numpy: np, nn } = jax;
  const { V, T, B, C, rmsEps } = ONE_BLOCK;
  const { lr, beta1, beta2, eps } = ONE_BLOCK.adam;

  const rmsnorm = (x: JaxArray): JaxArray => x.ref.div(np.sqrt(np.square(x).mean(-1, { keepdims: true }).add(rmsEps)));

  // Mean cross-entropy of the block's logits; consumes every argument (jax-js ownership rules).
  const loss = (w: Weights, ids: JaxArray, targets: JaxArray): JaxArray => {
    const x = np.take(w.wte, ids, 0).add(w.wpe); // (B, T, C)
    const h = rmsnorm(x.ref);
    const q = np.matmul(h.ref, w.wq);
    const k = np.matmul(h.ref, w.wk);
    const v = np.matmul(h, w.wv);
    const scores = np.matmul(q, np.matrixTranspose(k)).mul(C ** -0.5); // (B, T, T)
    const past = np.tril(np.ones([T, T], { dtype: np.bool }));
    const attention = np.matmul(nn.softmax(np.where(past, scores, -Infinity)), v); // (B, T, C)
    const x1 = x.add(np.matmul(attention, w.wo));
    const x2 = x1.ref.add(np.matmul(nn.relu(np.matmul(rmsnorm(x1), w.fc1)), w.fc2));
    const logits = np.matmul(x2, w.head); // (B, T, V)
    return nn.logSoftmax(logits).mul(nn.oneHot(targets, V)).sum().mul(-1 / (B * T));
  };

  // Adam, one weight at a time; each consumes its arguments.
  const firstMoment = (m: JaxArray, g: JaxArray): JaxArray => m.mul(beta1).add(g.mul(1 - beta1));
  const secondMoment = (v: JaxArray, g: JaxArray): JaxArray => v.mul(beta2).add(np.square(g).mul(1 - beta2));

  // One training step. c1, c2 are Adam's bias corrections 1/(1-β1^t), 1/(1-β2^t), passed as arrays so that
  // jit traces them instead of compiling a new step for every t.
  type StepArgs = [w: Weights, m: Weights, v: Weights, ids: JaxArray, targets: JaxArray, c1: JaxArray, c2: JaxArray];
  const trainStep = jax.jit((...[w, m, v, ids, targets, c1, c2]: StepArgs) => {
    const [value, g] = jax.valueAndGrad(loss)(jax.tree.ref(w), ids, targets);
    const m2 = jax.tree.map(firstMoment, m, jax.tree.ref(g));
    const v2 = jax.tree.map(secondMoment, v, g);
    const update = (wi: JaxArray, mi: JaxArray, vi: JaxArray): JaxArray =>
      wi.sub(mi.mul(c1.ref).mul(lr).div(np.sqrt(vi.mul(c2.ref)).add(eps)));
    const w2 = jax.tree.map(update, w, jax.tree.ref(m2), jax.tree.ref(v2));
    c1.dispose();
    c2.dispose();
    return { w: w2, m: m2, v: v2, loss: value };
  });

  const upload = ({ shape, data }: HostTensor): JaxArray => np.array(data, { shape: [...shape], dtype: np.float32 });
  const zeros = ({ shape }: HostTensor): JaxArray => np.zeros([...shape], { dtype: np.float32 });
  const start = oneBlockStart();
  let state = { w: mapWeights(start.weights, upload), m: mapWeights(start.weights, zeros), v: mapWeights(start.weights, zeros) };
  const ids = np.array(start.ids, { shape: [B, T], dtype: np.int32 });
  const targets = np.array(start.targets, { shape: [B, T], dtype: np.int32 });
  await jax.blockUntilReady([state, ids, targets]);
  let t = 0;

  return {
    threads: 1,
    async step() {
      t += 1;
      const c1 = np.full([], 1 / (1 - beta1 ** t), { dtype: np.float32 });
      const c2 = np.full([], 1 / (1 - beta2 ** t), { dtype: np.float32 });
      const { loss: value, ...next } = trainStep(state.w, state.m, state.v, ids.ref, targets.ref, c1, c2);
      state = next;
      await jax.blockUntilReady([state, value]);
      return value.item(); // reads and frees `value`
    },
    dispose() {
      jax.tree.dispose([state, ids, targets]);
      trainStep.dispose();
    },
  };
}
