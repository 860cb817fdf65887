// The kernels this backend implements itself: `fill` and `binary`. Every other kernel runs on the JS reference over
// copies of the ranges its tensors touch (the core's fallback), so the backend is complete from the start; replace
// the fallback kernel by kernel, each checked by the conformance suite. Kernel arguments and the rules they follow
// (outputs contiguous unless noted, backward kernels add into gradients, in place allowed for elementwise kernels)
// are documented on the argument types in @microgpt/tensor.
import { BINARY_OP_DEFINITIONS, type BinaryArgs, type FillArgs, type Kernels, type Tensor } from '@microgpt/tensor';
import type { TemplateMemory } from './storage';

/** Index in its storage of element `i` (row-major) of `t`, following its offset and strides (0 where broadcast). */
function storageIndex(t: Tensor, i: number): number {
  let index = t.offset;
  let rest = i;
  for (let d = t.rank - 1; d >= 0; d--) {
    const size = t.shape[d]!;
    index += (rest % size) * t.strides[d]!;
    rest = Math.floor(rest / size);
  }
  return index;
}

/** The kernel table over `memory`. */
export function templateKernels(memory: TemplateMemory): Partial<Kernels> {
  return {
    /** Sets every element of `out` (any strides) to `value`. */
    fill({ out, value }: FillArgs) {
      const values = memory.floatsOf(out);
      for (let i = 0; i < out.size; i++) values[storageIndex(out, i)] = value;
    },
    /**
     * out = a op b; a and b may have any strides (stride 0 when broadcast), out is contiguous; in float64, rounded.
     * The operator comes from its definition in the core, so an operator the core adds needs nothing here.
     */
    binary({ op, a, b, out }: BinaryArgs) {
      const [as, bs, os] = [memory.floatsOf(a), memory.floatsOf(b), memory.floatsOf(out)];
      const { apply } = BINARY_OP_DEFINITIONS[op];
      for (let i = 0; i < out.size; i++) os[out.offset + i] = apply(as[storageIndex(a, i)]!, bs[storageIndex(b, i)]!);
    },
  };
}
