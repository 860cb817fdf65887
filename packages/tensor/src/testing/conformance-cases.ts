// The conformance suite's cases, assembled from the kernel families: each family keeps its cases in
// src/backends/js/<family>.cases.ts, beside its argument types and JS kernels. Shapes mix size 1, odd sizes and sizes
// that are not multiples of 4 (SIMD tails), plus empty tensors where an op allows them.
import { adamCases } from '../backends/js/adam.cases';
import { attentionCases } from '../backends/js/attention.cases';
import { crossEntropyCases } from '../backends/js/cross-entropy.cases';
import { elementwiseCases } from '../backends/js/elementwise.cases';
import { embeddingCases } from '../backends/js/embedding.cases';
import { layoutCases } from '../backends/js/layout.cases';
import { matmulCases } from '../backends/js/matmul.cases';
import { normCases } from '../backends/js/norm.cases';
import { quantMatmulCases } from '../backends/js/quant-matmul.cases';
import { reduceCases } from '../backends/js/reduce.cases';
import { softmaxCases } from '../backends/js/softmax.cases';
import { unaryCases } from '../backends/js/unary.cases';
import type { ConformanceCase } from './conformance';
import { ruleCases } from './conformance-rules';

/** Each family's cases, in the order the suite runs them. */
const FAMILY_CASES: readonly (() => ConformanceCase[])[] = [
  matmulCases,
  elementwiseCases,
  unaryCases,
  reduceCases,
  softmaxCases,
  normCases,
  embeddingCases,
  crossEntropyCases,
  attentionCases,
  adamCases,
  layoutCases,
  quantMatmulCases,
];

/** Every conformance case, grouped by kernel family, then the in-place, accumulation and empty-tensor cases. */
export function conformanceCases(): ConformanceCase[] {
  return [...FAMILY_CASES.flatMap((cases) => cases()), ...ruleCases()];
}
