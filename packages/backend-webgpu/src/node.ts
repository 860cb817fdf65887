/// <reference types="@webgpu/types" />
// Node entry of @microgpt/backend-webgpu: WebGPU from the `webgpu` package (Dawn), and the environment that lets
// Dawn find Chromium's SwiftShader Vulkan driver on a machine without a GPU. Browser code imports '.' instead.
import type { Backend } from '@microgpt/tensor';
import { type WebGPUBackendOptions, createWebGPUBackend } from './backend';

export { SWIFTSHADER_ICD, swiftShaderEnv } from './swiftshader';

/**
 * WebGPU's entry point (`navigator.gpu`'s equivalent) from the `webgpu` package, a peer dependency to install
 * beside this one.
 * @throws {Error} when the `webgpu` package is not installed.
 */
export function nodeGPU(): Promise<GPU> {
  // One Dawn instance per process: every backend opens its own device on it.
  instance ??= import('webgpu').then(({ create }) => create([]));
  return instance;
}

let instance: Promise<GPU> | null = null;

/** `createWebGPUBackend` with `gpu` from `nodeGPU()` unless given. */
export async function createNodeWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<Backend> {
  return createWebGPUBackend({ ...options, gpu: options.gpu ?? (await nodeGPU()) });
}
