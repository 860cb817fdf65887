// Finding the library: the platform's candidates, a library named by option or by MICROGPT_BLAS_LIBRARY, and the
// not-found path (a name no system has), which must reject with what to install on each system, never crash.
import { BackendError, listBackends, registerBackend, resetBackends, startBackend } from '@microgpt/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BLAS_LIBRARY_ENV, BlasUnavailableError, blasInstallHint, createBlasBackend, defaultCandidates, KOFFI_INSTALL_HINT } from './index';

const MISSING = 'libmicrogpt-no-such-blas.so.0';

afterEach(() => {
  resetBackends();
});

/** The error `promise` rejects with. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('finding the BLAS library', () => {
  it('tries OpenBLAS (and Accelerate on macOS) on each platform', () => {
    expect(defaultCandidates('linux')).toEqual(['libopenblasp.so.0', 'libopenblas.so.0', 'libopenblaso.so.0', 'libopenblas.so', 'libblas.so.3']);
    expect(defaultCandidates('darwin')[0]).toBe('/System/Library/Frameworks/Accelerate.framework/Accelerate');
    expect(defaultCandidates('win32')).toEqual(['libopenblas.dll', 'openblas.dll']);
  });

  it('loads OpenBLAS here and reports the kernel it chose (openblas_get_corename)', async () => {
    const blas = await createBlasBackend();
    expect(blas.info.kind).toBe('openblas');
    expect(blas.info.coreName).toMatch(/^\w+$/);
    expect(blas.info.config).toMatch(/^OpenBLAS \d+\.\d+/);
  });

  it('a library that cannot be found rejects with each name tried and what to install on each system', async () => {
    const error = await rejection(createBlasBackend({ library: [MISSING, `${MISSING}.1`] }));
    expect(error).toBeInstanceOf(BlasUnavailableError);
    expect(error).toBeInstanceOf(BackendError);
    const { message, reason, install, hint } = error as BlasUnavailableError;
    expect(install).toBe(blasInstallHint());
    expect(reason).toMatch(new RegExp(`^blas: no BLAS library could be loaded \\(tried ${MISSING}: .+; ${MISSING}\\.1: .+\\)$`));
    expect(hint).toBe(`${blasInstallHint()}; without it, the wasm backend (the default) runs every kernel`);
    expect(message).toBe(`${reason}; ${hint}`);
    for (const text of ['Debian/Ubuntu: sudo apt-get install libopenblas0-pthread', 'Fedora: sudo dnf install openblas-threads', 'macOS: Accelerate', 'Windows:', BLAS_LIBRARY_ENV, 'the wasm backend']) {
      expect(hint).toContain(text);
    }
  });

  it('says to install koffi, not a BLAS, when the FFI package is what is missing', () => {
    const error = new BlasUnavailableError('blas: the koffi package did not load', { install: KOFFI_INSTALL_HINT });
    expect(error.install).toBe(KOFFI_INSTALL_HINT);
    expect(error.message).toBe(`blas: the koffi package did not load; ${KOFFI_INSTALL_HINT}; without it, the wasm backend (the default) runs every kernel`);
    expect(error.message).not.toContain('OpenBLAS');
  });

  it('a library without cblas_sgemm is refused by name', async () => {
    const error = await rejection(createBlasBackend({ library: 'libm.so.6' }));
    expect(error).toBeInstanceOf(BlasUnavailableError);
    expect((error as BlasUnavailableError).reason).toMatch(/^blas: no BLAS library could be loaded \(tried libm\.so\.6: .*cblas_sgemm/);
  });

  it(`${BLAS_LIBRARY_ENV} names the library when no option does`, async () => {
    vi.stubEnv(BLAS_LIBRARY_ENV, MISSING);
    try {
      const error = await rejection(createBlasBackend());
      expect((error as BlasUnavailableError).reason).toContain(`tried ${MISSING}:`);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('registered and started through the registry, a missing library is a BackendError caused by BlasUnavailableError', async () => {
    registerBackend('blas', () => createBlasBackend({ library: MISSING }), 20);
    const error = await rejection(startBackend('blas'));
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/^backend 'blas' failed to start: BlasUnavailableError: blas: no BLAS library could be loaded/);
    expect((error as Error).cause).toBeInstanceOf(BlasUnavailableError);
    expect(listBackends().find((b) => b.name === 'blas')?.started).toBe(false);
  });
});
