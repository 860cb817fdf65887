// MLP activations by name: the built-ins run as one backend kernel each way (unary / unaryBackward); users add
// their own with registerActivation, written with tensor ops so they run on any backend.
import { type Tensor, type UnaryOp, kernel } from '@microgpt/tensor';
import { ModelError } from './errors';

/**
 * An activation's pair of functions. Both receive contiguous tensors of the same shape (N, F).
 * `forward` overwrites `out` with f(x); `backward` ADDS dout · f'(x) into `dx` (gradients accumulate).
 */
export interface Activation {
  /** Overwrites `out` with f(x), elementwise. */
  forward(x: Tensor, out: Tensor): void;
  /** Adds dout · f'(x) into `dx`. */
  backward(x: Tensor, dout: Tensor, dx: Tensor): void;
  /**
   * The built-ins' unary op, which both functions run as one kernel each way; a pass calls it through its own kernel
   * set (so a training step can be recorded as a command list). Absent for registered activations.
   */
  readonly unaryOp?: UnaryOp;
}

function kernelActivation(op: UnaryOp): Activation {
  return {
    unaryOp: op,
    forward: (x, out) => {
      kernel(x.backend, 'unary', x.dtype)({ op, x, out, param: 0 });
    },
    backward: (x, dout, dx) => {
      kernel(x.backend, 'unaryBackward', x.dtype)({ op, x, dout, dx, param: 0 });
    },
  };
}

const BUILT_IN: ReadonlyMap<string, Activation> = new Map([
  ['relu', kernelActivation('relu')],
  ['gelu', kernelActivation('gelu_erf')],
  ['gelu_tanh', kernelActivation('gelu_tanh')],
  ['silu', kernelActivation('silu')],
  ['squared_relu', kernelActivation('squared_relu')],
]);

const registered = new Map<string, Activation>();

/**
 * Adds an activation that configs can name. A built-in name cannot be replaced; registering the same name
 * twice replaces the earlier function (so a hot-reloaded module can register again).
 * @throws {ModelError} for an empty name, a built-in name, or a pair without both functions.
 */
export function registerActivation(name: string, activation: Activation): void {
  if (typeof name !== 'string' || name.length === 0) throw new ModelError('registerActivation: the name must be a non-empty string');
  if (BUILT_IN.has(name)) throw new ModelError(`registerActivation: '${name}' is built in and cannot be replaced`);
  if (typeof activation.forward !== 'function' || typeof activation.backward !== 'function') {
    throw new ModelError(`registerActivation: '${name}' needs both forward(x, out) and backward(x, dout, dx) functions`);
  }
  registered.set(name, activation);
}

/** Whether `name` is a built-in or registered activation. */
export function hasActivation(name: string): boolean {
  return BUILT_IN.has(name) || registered.has(name);
}

/** Every activation name, built-ins first. */
export function listActivations(): string[] {
  return [...BUILT_IN.keys(), ...registered.keys()];
}

/**
 * The activation called `name`.
 * @throws {ModelError} listing the known names when there is none.
 */
export function getActivation(name: string): Activation {
  const found = BUILT_IN.get(name) ?? registered.get(name);
  if (!found) throw new ModelError(`activation '${name}' is not known; known: ${listActivations().join(', ')}`);
  return found;
}
