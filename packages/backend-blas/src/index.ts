// Public surface of @microgpt/backend-blas.
export { type BlasBackend, type BlasBackendOptions, type BlasCounts, type BlasInfo, createBlasBackend } from './backend';
export { type BlasKind, BlasUnavailableError, defaultCandidates } from './library';
export { BLAS_LIBRARY_ENV, blasInstallHint, KOFFI_INSTALL_HINT } from './install-hint';
export { MEASURED_ROUTING, type MatmulRouting } from './thresholds';
