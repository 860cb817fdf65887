// The JS reference kernels as one table: the js backend runs them, and the per-kernel fallback of every other
// backend runs them over copies (dispatch.ts).
import type { CoreKernels } from '../../backend';
import { adam } from './adam';
import { attention, attentionBackward } from './attention';
import { crossEntropy, crossEntropyBackward } from './cross-entropy';
import { binary, binaryScalar } from './elementwise';
import { embedding, embeddingBackward } from './embedding';
import { copy, fill } from './layout';
import { matmul } from './matmul';
import { layernorm, layernormBackward, rmsnorm, rmsnormBackward } from './norm';
import { quantMatmul } from './quant-matmul';
import { reduce } from './reduce';
import { softmax, softmaxBackward } from './softmax';
import { unary, unaryBackward } from './unary';

/** Every core kernel's JS reference. */
export const JS_KERNELS: CoreKernels = {
  matmul,
  binary,
  binaryScalar,
  unary,
  unaryBackward,
  reduce,
  softmax,
  softmaxBackward,
  rmsnorm,
  rmsnormBackward,
  layernorm,
  layernormBackward,
  embedding,
  embeddingBackward,
  crossEntropy,
  crossEntropyBackward,
  attention,
  attentionBackward,
  adam,
  fill,
  copy,
  quantMatmul,
};
