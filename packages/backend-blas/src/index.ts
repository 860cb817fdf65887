// Public surface of @microgpt/backend-blas.
export { type BlasBackend, type BlasBackendOptions, type BlasCounts, type BlasInfo, createBlasBackend } from './backend';
export { type BlasKind, BlasUnavailableError, defaultCandidates } from './library';
export { BLAS_LIBRARY_ENV, blasInstallHint } from './install-hint';
export { MEASURED_ROUTING, type MatmulRouting } from './thresholds';
