// Which kernels exist: the core ones (their JS reference and CORE_KERNEL_INFO) and those that other packages add with
// registerKernel. Dispatch looks a kernel up here for its fallback and for the tensors it writes.
import { CORE_KERNEL_INFO, type KernelArgs, type KernelInfo, type KernelName, type Kernels } from './backend';
import { JS_KERNELS } from './backends/js/kernels';
import { BackendError } from './errors';

/** A kernel's JS reference (it runs on js storage) and the names of the tensor arguments it writes. */
export interface KernelDefinition {
  readonly reference: (args: object) => void;
  readonly outputs: readonly string[];
}

const definitions = new Map<string, KernelDefinition>(
  Object.entries(JS_KERNELS).map(([name, reference]) => [
    name,
    { reference: reference as (args: object) => void, outputs: CORE_KERNEL_INFO[name as keyof typeof CORE_KERNEL_INFO].outputs },
  ]),
);

/**
 * Defines kernel `name` beyond the core set: `reference` is its JS implementation, which runs on the js backend and,
 * over copies, on every backend that lacks the kernel; `info.outputs` names the tensor arguments it writes. Declare
 * the kernel's type first by augmenting `Kernels` (see there); a backend then implements it like a core kernel.
 * The reference reaches a tensor's elements through `jsArray(t)`, indexed from `t.offset` with `t.strides`.
 * @throws {BackendError} when a kernel of that name exists, or `info.outputs` names none.
 */
export function registerKernel<K extends KernelName>(name: K, reference: Kernels[K], info: KernelInfo<KernelArgs<K>>): void {
  if (definitions.has(name)) throw new BackendError(`registerKernel: a kernel named '${name}' is already defined`);
  if (typeof reference !== 'function') throw new BackendError(`registerKernel: the reference of '${name}' must be a function, found ${typeof reference}`);
  if (info.outputs.length === 0) {
    throw new BackendError(`registerKernel: '${name}' must name the tensor arguments it writes in info.outputs, found none`);
  }
  definitions.set(name, { reference: reference as (args: object) => void, outputs: [...info.outputs] });
}

/**
 * The definition of kernel `name`.
 * @throws {BackendError} naming the defined kernels when there is none of that name.
 */
export function kernelDefinition(name: string): KernelDefinition {
  const definition = definitions.get(name);
  if (!definition) {
    throw new BackendError(`kernel: no kernel named '${name}'; defined: ${[...definitions.keys()].join(', ')} (registerKernel adds one)`);
  }
  return definition;
}

/** The names of every defined kernel: the core ones, then registered ones in registration order. */
export function kernelNames(): KernelName[] {
  return [...definitions.keys()] as KernelName[];
}

/**
 * The metadata of kernel `name` (the tensors it writes), for tools that handle kernels generically (a profiler, a
 * backend that schedules work). @throws {BackendError} naming the defined kernels for an unknown name.
 */
export function kernelInfo<K extends KernelName>(name: K): KernelInfo<KernelArgs<K>> {
  return { outputs: kernelDefinition(name).outputs as KernelInfo<KernelArgs<K>>['outputs'] };
}
