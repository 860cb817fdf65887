// Errors the WebGPU device reports (validation, out-of-memory, device loss) as typed errors of the tensor package,
// so that callers catch them like any other backend's.
import { BackendError, BackendMemoryError } from '@microgpt/tensor';

/** A WebGPU validation or internal error, or a lost device: `webgpu.<op>: …` with the device's own message. */
export class WebGPUError extends BackendError {
  /** `'WebGPUError'`, or a subclass's own name (typed `string` so that subclasses can override it). */
  override readonly name: string = 'WebGPUError';
}

/** The device is gone (driver reset, `destroy()`, the page's GPU process crashed); the backend is unusable. */
export class WebGPUDeviceLostError extends WebGPUError {
  /** Always `'WebGPUDeviceLostError'`, so a caller can tell a lost device (make a new backend) from a failed op. */
  override readonly name = 'WebGPUDeviceLostError';
}

/** The error a scope popped for `op` becomes: out-of-memory as a BackendMemoryError, the rest as WebGPUError. */
export function fromGPUError(name: string, op: string, error: GPUError): Error {
  if (error.constructor.name === 'GPUOutOfMemoryError') {
    return new BackendMemoryError(`${name}.${op}: the GPU is out of memory (${error.message})`);
  }
  return new WebGPUError(`${name}.${op}: the device reported an error: ${error.message}`);
}
