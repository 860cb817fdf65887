import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts' },
  format: ['esm'],
  // The public types name WebGPU's (GPU, GPUPowerPreference): every declaration file references @webgpu/types (a
  // dependency), which the bundled declarations would otherwise lose, so a consumer's tsc needs no `types` entry.
  dts: { banner: '/// <reference types="@webgpu/types" />' },
  clean: true,
  sourcemap: true,
  target: 'es2022',
  external: ['webgpu'],
});
