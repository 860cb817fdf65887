import { microgptVitestConfig } from '@microgpt/vitest-config';
// By path, not by package name: the config loads before the `@microgpt/source` condition applies, and the
// backend's dist/ may not be built yet.
import { swiftShaderEnv } from '../../packages/backend-webgpu/src/swiftshader.js';

// The controller's WebGPU tests run Dawn (the `webgpu` package) in the test workers, child processes that inherit
// this environment: with Chromium's SwiftShader present they find it (the Vulkan loader reads these variables when
// the process starts, too late to set them in a test file).
Object.assign(process.env, swiftShaderEnv());

// Unit tests (src/) run the page's logic in Node; test/ drives the built page in Chromium.
export default microgptVitestConfig({ include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000 });
