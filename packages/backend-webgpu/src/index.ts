/// <reference types="@webgpu/types" />
// Public surface of @microgpt/backend-webgpu (browser-safe: nothing here imports Node's `webgpu` package).
export { type WebGPUBackendOptions, createWebGPUBackend, webgpuAdapterOf } from './backend';
export { type WebGPUAdapterDescription, type WebGPUAdapterInfo, adapterName, isSoftwareAdapter } from './device';
export { WebGPUDeviceLostError, WebGPUError } from './errors';
export type { MatmulForm } from './kernels/matmul';
export type { RowForm } from './wgsl';
export type { RuntimeLimits as WebGPULimits } from './runtime';
