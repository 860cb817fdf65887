// The kernels a pass calls, looked up once per (backend, dtype) so the hot loop makes direct calls with no
// registry lookups, checks or views on the way (the op layer's ~4 µs a call would dominate a 16-wide model).
import { type Backend, CORE_KERNEL_INFO, type FloatDType, type Kernels, kernel, profileEpoch } from '@microgpt/tensor';

/** The kernels a pass calls: every core kernel but quantMatmul, which only quantized linear layers (@microgpt/quant) run. */
export type PassKernelName = Exclude<keyof typeof CORE_KERNEL_INFO, 'quantMatmul'>;

/** Every kernel a pass calls, resolved for one backend and dtype (falling back to the JS reference where the backend lacks one). */
export type KernelSet = Pick<Kernels, PassKernelName>;

/** The names of KernelSet, from the core's kernel table. */
export const PASS_KERNELS = (Object.keys(CORE_KERNEL_INFO) as (keyof typeof CORE_KERNEL_INFO)[]).filter(
  (name): name is PassKernelName => name !== 'quantMatmul',
);

/** The kernel set of `backend` for `dtype`. */
export function kernelSet(backend: Backend, dtype: FloatDType): KernelSet {
  const set: Partial<Record<PassKernelName, unknown>> = {};
  for (const name of PASS_KERNELS) set[name] = kernel(backend, name, dtype);
  return set as KernelSet;
}

/**
 * The kernel set of `backend` for `dtype` as a getter that looks the kernels up again when a profile has started or
 * stopped since (one number compared per call): a pass made before a profile records inside it, and one made
 * inside a profile runs the plain kernels once it stops, with no wrapper left in its calls.
 */
export function liveKernelSet(backend: Backend, dtype: FloatDType): () => KernelSet {
  let epoch = profileEpoch();
  let set = kernelSet(backend, dtype);
  return () => {
    if (epoch !== profileEpoch()) {
      epoch = profileEpoch();
      set = kernelSet(backend, dtype);
    }
    return set;
  };
}
