// @microgpt/backend-webgpu in a bundled page: the backend opens on the page's adapter (SwiftShader in a headless
// Chromium with --enable-unsafe-webgpu) and a float32 matmul on it agrees with a float64 product computed here;
// without an adapter, the BackendError saying so is the page's error.
import { createWebGPUBackend, webgpuAdapterOf } from '@microgpt/backend-webgpu';
import { matmul, randn } from '@microgpt/tensor';
import { matmulErrorRatio, report } from './report';

void report(async () => {
  const backend = await createWebGPUBackend();
  const [m, k, n] = [33, 70, 45];
  const a = randn([m, k], { seed: 1 });
  const b = randn([k, n], { seed: 2 });
  const product = matmul(a.to(backend), b.to(backend));
  const errorRatio = matmulErrorRatio(await product.toArrayAsync(), a.toArray(), b.toArray(), m, k, n);
  return { backend: backend.name, adapter: webgpuAdapterOf(backend), shape: product.shape, k, errorRatio };
});
