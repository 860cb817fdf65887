// The blas backend (@microgpt/backend-blas) for the suites that measure it beside wasm: started once over the
// registry's wasm backend, or null with a note where no BLAS library loads (the rows are then left out).
import { type BlasBackend, BlasUnavailableError, createBlasBackend } from '@microgpt/backend-blas';
import { progress } from './harness';

let started: Promise<BlasBackend | null> | undefined;

/** The blas backend, or null (after one stderr note) when no BLAS library can be loaded. */
export function startBlas(): Promise<BlasBackend | null> {
  started ??= createBlasBackend().then(
    (blas) => {
      progress(`bench: blas: ${blas.info.path} (${blas.info.config ?? blas.info.kind}${blas.info.coreName ? `, ${blas.info.coreName} kernels` : ''})`);
      return blas;
    },
    (error: unknown) => {
      if (!(error instanceof BlasUnavailableError)) throw error;
      progress(`bench: skipping blas: ${error.reason}`);
      return null;
    },
  );
  return started;
}
