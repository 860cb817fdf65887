// The kernels a pass calls, looked up once per (backend, dtype) so the hot loop makes direct calls with no
// registry lookups, checks or views on the way (the op layer's ~4 µs a call would dominate a 16-wide model).
import { type Backend, type FloatDType, type KernelName, type Kernels, kernel } from '@microgpt/tensor';

/** Every kernel, resolved for one backend and dtype (falling back to the JS reference where the backend lacks one). */
export type KernelSet = Kernels;

const NAMES: readonly KernelName[] = [
  'matmul', 'binary', 'binaryScalar', 'unary', 'unaryBackward', 'reduce', 'softmax', 'softmaxBackward', 'rmsnorm',
  'rmsnormBackward', 'layernorm', 'layernormBackward', 'embedding', 'embeddingBackward', 'crossEntropy',
  'crossEntropyBackward', 'attention', 'attentionBackward', 'adam', 'fill', 'copy',
];

/** The kernel set of `backend` for `dtype`. */
export function kernelSet(backend: Backend, dtype: FloatDType): KernelSet {
  const set: Partial<Record<KernelName, unknown>> = {};
  for (const name of NAMES) set[name] = kernel(backend, name, dtype);
  return set as KernelSet;
}
