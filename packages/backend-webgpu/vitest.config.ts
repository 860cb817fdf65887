import { microgptVitestConfig } from '@microgpt/vitest-config';
import { swiftShaderEnv } from './src/swiftshader.js';

// Test workers are child processes that inherit this environment: with Chromium's SwiftShader present they find
// it (the Vulkan loader reads these variables when the process starts, too late to set them in a test file).
Object.assign(process.env, swiftShaderEnv());

export default microgptVitestConfig();
