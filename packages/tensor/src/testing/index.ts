// @microgpt/tensor/testing: what a backend package needs to prove itself against the JS reference.
export { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, type Tolerance, type Values, assertClose } from './compare';
export {
  type CaseContext,
  type ConformanceCase,
  type ConformanceOptions,
  type TestApi,
  checkCase,
  runConformance,
} from './conformance';
export { conformanceCases } from './conformance-cases';
export { numericGradient, weightedSum } from './finite-difference';
export { type StorageOnlyBackend, type StorageOnlyOptions, createStorageOnlyBackend } from './storage-only-backend';
export { checkStorage } from './conformance-storage';
export { ruleCases } from './conformance-rules';
