// The arguments of every core kernel, assembled from the kernel families (re-exported by backend.ts, which holds the
// kernel table). Each family's argument types live in src/backends/js/<family>.ts beside its JS forward and backward,
// and its conformance cases in <family>.cases.ts next to it. Conventions for all of them are on `Backend`.
export type { AdamArgs } from './backends/js/adam';
export type { AttentionArgs, AttentionBackwardArgs } from './backends/js/attention';
export type { CrossEntropyArgs, CrossEntropyBackwardArgs } from './backends/js/cross-entropy';
export type { BinaryArgs, BinaryOp, BinaryScalarArgs } from './backends/js/elementwise';
export type { EmbeddingArgs, EmbeddingBackwardArgs } from './backends/js/embedding';
export type { CopyArgs, FillArgs } from './backends/js/layout';
export type { MatmulArgs } from './backends/js/matmul';
export type { LayernormArgs, LayernormBackwardArgs, RmsnormArgs, RmsnormBackwardArgs } from './backends/js/norm';
export type { QuantMatmulArgs } from './backends/js/quant-matmul';
export type { ReduceArgs, ReduceOp } from './backends/js/reduce';
export type { SoftmaxArgs, SoftmaxBackwardArgs } from './backends/js/softmax';
export type { UnaryArgs, UnaryBackwardArgs, UnaryOp } from './backends/js/unary';
