// Finding an adapter and opening a device with the adapter's real limits (the defaults cap storage bindings at
// 128 MiB), so that a storage is refused only where the hardware refuses it.
import { BackendError } from '@microgpt/tensor';

/** Where the adapter came from and what it allows, for messages and benchmark labels. */
export interface WebGPUAdapterDescription {
  /** `adapter.info.vendor`, e.g. `google`. */
  readonly vendor: string;
  /** `adapter.info.architecture`, e.g. `swiftshader`. */
  readonly architecture: string;
  /** `adapter.info.device`, the driver's device name or id (often empty). */
  readonly device: string;
  /** `adapter.info.description`, e.g. `SwiftShader driver 5.0.0`. */
  readonly description: string;
  /** Whether it is a CPU implementation (SwiftShader, or an adapter that says it is a fallback): correct, not fast. */
  readonly software: boolean;
  /** The limits the device was opened with. */
  readonly maxBufferSize: number;
  /** Largest storage buffer one shader binding may see, in bytes: the most one kernel reads of a tensor in one binding. */
  readonly maxStorageBufferBindingSize: number;
  /** Workgroup shared memory, in bytes, that each workgroup's tiles must fit in. */
  readonly maxComputeWorkgroupStorageSize: number;
}

/** The fields of `adapter.info` (GPUAdapterInfo) that name an adapter and say whether it runs on the CPU. */
export interface WebGPUAdapterInfo {
  /** The adapter's vendor as the driver reports it (`nvidia`, `google`), or empty when the browser withholds it. */
  readonly vendor: string;
  /** The vendor's GPU family (`ampere`, `swiftshader`), or empty. */
  readonly architecture: string;
  /** A vendor-specific device identifier, often empty. */
  readonly device: string;
  /** The driver's human-readable name for the adapter (`SwiftShader driver 5.0.0`), or empty. */
  readonly description: string;
  /** True when the adapter is a fallback (software) adapter; absent where the implementation does not say. */
  readonly isFallbackAdapter?: boolean;
}

/**
 * One line naming a WebGPU adapter, for pages, messages and benchmark rows: its description when the driver gives
 * one, then vendor, architecture and device in parentheses, empty parts left out (`SwiftShader driver 5.0.0 (google
 * swiftshader)`, `google swiftshader`); `unnamed adapter` when every part is empty. Takes `adapter.info` or a
 * `WebGPUAdapterDescription` (`webgpuAdapterOf(backend)`).
 */
export function adapterName(info: WebGPUAdapterInfo): string {
  const kind = [info.vendor, info.architecture, info.device].filter((part) => part !== '').join(' ') || 'unnamed adapter';
  return info.description === '' ? kind : `${info.description} (${kind})`;
}

/** Whether an adapter runs on the CPU (SwiftShader, or one that says it is a fallback adapter): correct, not fast. */
export function isSoftwareAdapter(info: WebGPUAdapterInfo): boolean {
  return info.architecture === 'swiftshader' || info.isFallbackAdapter === true;
}

/** The limits this backend asks for at the adapter's values. */
const LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupsPerDimension'] as const;

/**
 * Requests an adapter from `gpu` and a device with the adapter's limits.
 * @throws {BackendError} `webgpu: …` when `gpu` is missing or gives no adapter, or the device request fails.
 */
export async function openDevice(gpu: GPU | undefined, powerPreference: GPUPowerPreference | undefined): Promise<{ device: GPUDevice; adapter: WebGPUAdapterDescription }> {
  if (!gpu) {
    throw new BackendError("webgpu: no WebGPU here (navigator.gpu is undefined); in Node pass { gpu } from '@microgpt/backend-webgpu/node'");
  }
  const adapter = await gpu.requestAdapter(powerPreference ? { powerPreference } : {});
  if (!adapter) throw new BackendError('webgpu: requestAdapter() found no GPU adapter (no driver; in Node on Linux, see the README for SwiftShader)');
  const requiredLimits: Record<string, number> = {};
  for (const limit of LIMITS) requiredLimits[limit] = adapter.limits[limit];
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (error) {
    throw new BackendError(`webgpu: requestDevice failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  const info: WebGPUAdapterInfo = adapter.info;
  return {
    device,
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      software: isSoftwareAdapter(info),
      maxBufferSize: device.limits.maxBufferSize,
      maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: device.limits.maxComputeWorkgroupStorageSize,
    },
  };
}
