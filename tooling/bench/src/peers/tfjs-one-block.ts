// Peer: the one-block training step (one-block-model.ts) in TensorFlow.js 4.22 on its wasm backend,
// `impl: tfjs-wasm`, one thread (Node gets the non-threaded binary; see tfjs.ts).
//
// Weights are tf.variables; `tf.variableGrads` runs the forward and backward passes, and tfjs's own Adam
// (`tf.train.adam`) applies the gradients. The token embedding is onehot(ids)·wte rather than a gather: gather's
// gradient needs UnsortedSegmentSum, which the wasm backend lacks. The causal mask is an additive (T, T) bias.
// Kernels run synchronously, so reading the loss at the end of `step()` is all it takes for the step to be done.
//
// Gradients: tfjs-core's Node bundle registers none (the @tensorflow/tfjs umbrella package does), so this
// requires tfjs-core's own `dist/register_all_gradients.js`. That file and its imports are ES modules with
// extensionless specifiers that Node's ESM loader rejects; required through tsx's CommonJS hook (as `pnpm bench`
// runs) they load, and register into the registry that tfjs-core keeps on globalThis, shared by both copies.
import { createRequire } from 'node:module';
import type * as TfCore from '@tensorflow/tfjs-core';
import { describeError } from './cases';
import { loadTfjsWasm } from './tfjs';
import { type OneBlockTrainer, type OneBlockWeights, ONE_BLOCK, mapWeights, oneBlockStart } from './one-block-model';

/** Registers tfjs-core's gradient functions (see the note at the top); throws a clear error where it cannot. */
function registerTfjsGradients(): void {
  try {
    createRequire(import.meta.url)('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  } catch (error) {
    const why = describeError(error);
    throw new Error(`cannot load tfjs-core's gradients (run through tsx, as \`pnpm bench\` does): ${why}`, { cause: error });
  }
}

/** (T, T) additive mask: 0 where key ≤ query, -1e9 where the key is in the query's future. */
function causalBias(T: number): Float32Array {
  return Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0));
}

/**
 * Builds the one-block training step on tfjs-wasm from the shared initial weights and batch.
 *
 * @returns a trainer whose `step()` resolves to the loss once the step has run; `dispose()` frees the variables,
 *   the optimizer's moments and the batch.
 * @throws if the tfjs wasm backend or tfjs-core's gradient functions cannot be loaded.
 */
export async function tfjsOneBlock(): Promise<OneBlockTrainer> {
  const { tf, threads } = await loadTfjsWasm();
  registerTfjsGradients();
  const { V, T, B, C, rmsEps } = ONE_BLOCK;
  const { lr, beta1, beta2, eps } = ONE_BLOCK.adam;

  const start = oneBlockStart();
  const w: OneBlockWeights<TfCore.Variable> = mapWeights(start.weights, ({ shape, data }) =>
    tf.tidy(() => tf.variable(tf.tensor(data, [...shape], 'float32'))),
  );
  const idsOneHot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(start.ids, 'int32'), V), 'float32')); // (B·T, V)
  const targetsOneHot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(start.targets, 'int32'), V), 'float32'));
  const mask = tf.tensor2d(causalBias(T), [T, T]);
  const optimizer = tf.train.adam(lr, beta1, beta2, eps);

  const rmsnorm = (x: TfCore.Tensor): TfCore.Tensor =>
    tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), rmsEps)));
  const loss = (): TfCore.Scalar => {
    const x = tf.reshape(tf.add(tf.reshape(tf.matMul(idsOneHot, w.wte), [B, T, C]), w.wpe), [B * T, C]);
    const h = rmsnorm(x);
    const project = (weight: TfCore.Tensor): TfCore.Tensor3D => tf.reshape(tf.matMul(h, weight), [B, T, C]);
    const scores = tf.add(tf.mul(tf.matMul(project(w.wq), project(w.wk), false, true), C ** -0.5), mask); // (B, T, T)
    const attention = tf.reshape(tf.matMul(tf.softmax(scores), project(w.wv)), [B * T, C]);
    const x1 = tf.add(x, tf.matMul(attention, w.wo));
    const x2 = tf.add(x1, tf.matMul(tf.relu(tf.matMul(rmsnorm(x1), w.fc1)), w.fc2));
    const logits = tf.matMul(x2, w.head); // (B·T, V)
    return tf.mul(tf.sum(tf.mul(tf.logSoftmax(logits), targetsOneHot)), -1 / (B * T));
  };

  return {
    threads,
    async step() {
      const { value, grads } = tf.variableGrads(loss, Object.values(w));
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      tf.dispose(grads);
      const [lossValue] = await value.data();
      value.dispose();
      return lossValue ?? Number.NaN;
    },
    dispose() {
      tf.dispose([...Object.values(w), idsOneHot, targetsOneHot, mask]);
      optimizer.dispose();
    },
  };
}
