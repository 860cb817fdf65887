// Public surface of @microgpt/autograd.
export { type OpResultOptions, Var, constant, gradOf, isRecording, noGrad, opResult, output, param, releaseGraph, topologicalOrder } from './var';
export { acquire, drainPool, release } from './pool';
export { type MatmulOptions, matmul } from './ops/matmul';
export { accumulateGrad, add, div, mul, sub } from './ops/elementwise';
export { type GradCheckOptions, type GradCheckResult, gradCheck } from './grad-check';
export { type ReduceOptions, mean, sum } from './ops/reduce';
