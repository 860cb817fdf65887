// The WebGPU backend: storage in GPU buffers (float32, int32, uint8), float32 kernels as WGSL compute shaders, reads
// only asynchronously. Kernels it does not implement run on the JS reference through the core's fallback.
import { type Backend, type DType, type KernelName, type Kernels, type MemoryStats, bytesPerElement, withAsyncFallback } from '@microgpt/tensor';
import { type WebGPUAdapterDescription, openDevice } from './device';
import { adamKernels } from './kernels/adam';
import { attentionKernels } from './kernels/attention';
import { crossEntropyKernels } from './kernels/cross-entropy';
import { elementwiseKernels } from './kernels/elementwise';
import { embeddingKernels } from './kernels/embedding';
import { layoutKernels } from './kernels/layout';
import { type MatmulForm, matmulKernels } from './kernels/matmul';
import { normKernels } from './kernels/norm';
import { quantMatmulKernels } from './kernels/quant-matmul';
import { rowKernels } from './kernels/rows';
import { unaryKernels } from './kernels/unary';
import { type GpuRuntime, type RuntimeLimits, createRuntime } from './runtime';
import type { RowForm } from './wgsl';

/** Options of `createWebGPUBackend`. */
export interface WebGPUBackendOptions {
  /** The WebGPU entry point (default `navigator.gpu`); in Node, `nodeGPU()` from `@microgpt/backend-webgpu/node`. */
  gpu?: GPU;
  /** The backend's name, as registered and in messages (default `webgpu`). */
  name?: string;
  /** Passed to `requestAdapter`. */
  powerPreference?: GPUPowerPreference;
  /**
   * How matmul runs: `tiled` through workgroup memory (for GPUs) or `direct`, without barriers (for software
   * adapters such as SwiftShader, where barriers cost more than loads). Default: `direct` on a software adapter,
   * else `tiled`.
   */
  matmul?: MatmulForm;
  /**
   * How the row kernels (norms, softmax, reductions, attention, cross-entropy) spread a row: `lanes`, a workgroup
   * per row combining through workgroup memory (for GPUs), or `serial`, one invocation per row without barriers
   * (for software adapters). Default: `serial` on a software adapter, else `lanes`.
   */
  rows?: RowForm;
  /**
   * Limits lower than the device's to split work by (each is the smaller of this and the device's): for testing the
   * paths that bind windows of large buffers and split dispatches on an adapter whose own limits are large.
   */
  limits?: Partial<RuntimeLimits>;
}

/** Dtypes the backend stores: WGSL has no float64. */
const STORED: readonly DType[] = ['float32', 'int32', 'uint8'];

/** Kernels that also run natively for int32 outputs (they move bits); every other native kernel is float32 only. */
const INT_KERNELS = new Set<KernelName>(['fill', 'copy']);

const adapters = new WeakMap<Backend, WebGPUAdapterDescription>();

/** Every kernel this backend runs itself, by family. */
function nativeKernels(rt: GpuRuntime, matmul: MatmulForm): Partial<Kernels> {
  return {
    ...layoutKernels(rt),
    ...elementwiseKernels(rt),
    ...unaryKernels(rt),
    ...matmulKernels(rt, matmul),
    ...rowKernels(rt),
    ...normKernels(rt),
    ...adamKernels(rt),
    ...crossEntropyKernels(rt),
    ...embeddingKernels(rt),
    ...attentionKernels(rt),
    ...quantMatmulKernels(rt),
  };
}

/**
 * Opens a WebGPU device and makes a backend on it. Register it explicitly:
 * `registerBackend('webgpu', () => createWebGPUBackend())`, then `await setBackend('webgpu')`.
 * @throws {BackendError} when there is no WebGPU, no adapter, or the device request fails.
 */
export async function createWebGPUBackend(options: WebGPUBackendOptions = {}): Promise<Backend> {
  const name = options.name ?? 'webgpu';
  const gpu = options.gpu ?? (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  const { device, adapter } = await openDevice(gpu, options.powerPreference);
  const lowered = options.limits ?? {};
  const limit = (key: keyof RuntimeLimits): number => Math.min(device.limits[key], lowered[key] ?? Infinity);
  const rt = createRuntime(name, device, {
    maxBufferSize: limit('maxBufferSize'),
    maxStorageBufferBindingSize: limit('maxStorageBufferBindingSize'),
    maxComputeWorkgroupsPerDimension: limit('maxComputeWorkgroupsPerDimension'),
  }, options.rows ?? (adapter.software ? 'serial' : 'lanes'));
  let liveStorages = 0;
  let liveBytes = 0;
  let totalAllocations = 0;
  const backend: Backend = {
    name,
    dtypes: STORED,
    kernels: nativeKernels(rt, options.matmul ?? (adapter.software ? 'direct' : 'tiled')),
    supports: (kernel, dtype) => dtype === 'float32' || (dtype === 'int32' && INT_KERNELS.has(kernel)),
    alloc(dtype, size) {
      const storage = { backend, dtype, size };
      rt.allocate(storage, dtype, size);
      liveStorages++;
      totalAllocations++;
      liveBytes += size * bytesPerElement(dtype);
      return storage;
    },
    free(storage) {
      rt.release(storage);
      liveStorages--;
      liveBytes -= storage.size * bytesPerElement(storage.dtype);
    },
    readAsync: (storage, offset, length) => rt.read(storage, offset, length),
    write(storage, offset, data) {
      rt.write(storage, offset, data);
    },
    memory: (): MemoryStats => ({ liveStorages, liveBytes, totalAllocations }),
    dispose() {
      rt.destroy();
    },
  };
  const ordered = withAsyncFallback(backend);
  adapters.set(ordered, adapter);
  return ordered;
}

/** The adapter a backend from `createWebGPUBackend` runs on (undefined for any other backend). */
export function webgpuAdapterOf(backend: Backend): WebGPUAdapterDescription | undefined {
  return adapters.get(backend);
}
