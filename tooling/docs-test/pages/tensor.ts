// @microgpt/tensor in a bundled page: the default backend starts (wasm, its kernels module fetched as a chunk of
// its own) and a float32 matmul agrees with a float64 product computed here.
import { type WasmBackend, matmul, randn, ready } from '@microgpt/tensor';
import { matmulErrorRatio, report } from './report';

void report(async () => {
  const backend = await ready();
  const [m, k, n] = [33, 70, 45];
  const a = randn([m, k], { seed: 1 });
  const b = randn([k, n], { seed: 2 });
  const product = matmul(a, b);
  return { backend: backend.name, simd: (backend as WasmBackend).simd, shape: product.shape, k, errorRatio: matmulErrorRatio(product.toArray(), a.toArray(), b.toArray(), m, k, n) };
});
