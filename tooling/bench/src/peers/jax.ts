// Peer: jax-js 0.1.25 on its `wasm` device (kernels generated as WebAssembly at run time), `impl: jax-js-wasm`.
//
// jax-js is lazy: `np.matmul` only records the work; `blockUntilReady()` dispatches it and resolves when it has
// run, so each timed call awaits it (harness `timeMedianAsync`). Its wasm device runs on a worker pool only when
// both SharedArrayBuffer and a global `Worker` exist; Node 20 has no global `Worker`, so it runs on the calling
// thread: threads 1.
//
// jax-js functions take ownership of their array arguments (reference counting), so the timed call passes
// `a.ref` / `b.ref` and disposes the output. Transposed forms go through `np.matrixTranspose`, a view that the
// matmul kernel reads through (jnp.matmul(a.T, b)), not a transposed copy made before timing.
import type * as JaxJs from '@jax-js/jax';
import { type Emit, timeMedianAsync } from '../harness';
import { type MatmulCase, caseInputs, caseShape, measurePeer } from './cases';

export const JAX_IMPL = 'jax-js-wasm';

type Jax = typeof JaxJs;

/** Loads jax-js with `wasm` as the default device. */
export async function loadJaxWasm(): Promise<Jax> {
  if (typeof (globalThis as { Worker?: unknown }).Worker !== 'undefined') {
    // jax-js would start a worker pool of navigator.hardwareConcurrency threads; it has no setting to pin it to one.
    throw new Error('a global Worker exists, so jax-js would run multi-threaded');
  }
  const jax = await import('@jax-js/jax');
  const devices = await jax.init('wasm');
  if (!devices.includes('wasm')) throw new Error(`no wasm device (available: ${devices.join(', ') || 'none'})`);
  jax.defaultDevice('wasm');
  return jax;
}

/** Measures every case on jax-js-wasm and emits its rows; on a load failure prints a note and emits nothing. */
export async function measureJax(cases: readonly MatmulCase[], emit: Emit): Promise<void> {
  await measurePeer(JAX_IMPL, async () => {
    const jax = await loadJaxWasm();
    const { numpy: np } = jax;
    return {
      threads: 1,
      label: `${JAX_IMPL} (1 thread)`,
      async upload(c) {
        const { a: aData, b: bData } = caseInputs(c);
        const shape = caseShape(c);
        const a = np.array(aData, { shape, dtype: np.float32, device: 'wasm' });
        const b = np.array(bData, { shape, dtype: np.float32, device: 'wasm' });
        const dispose = (): void => {
          a.dispose();
          b.dispose();
        };
        const { transA, transB } = c.form;
        try {
          await jax.blockUntilReady([a, b]); // upload before timing
        } catch (error) {
          dispose();
          throw error;
        }
        const call = async (): Promise<void> => {
          const out = np.matmul(transA ? np.matrixTranspose(a.ref) : a.ref, transB ? np.matrixTranspose(b.ref) : b.ref);
          await out.blockUntilReady();
          out.dispose();
        };
        return { time: (options) => timeMedianAsync(call, options), dispose };
      },
    };
  }, cases, emit);
}
