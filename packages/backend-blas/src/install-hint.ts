// What to tell a user whose machine has no BLAS this package can load: the package to install on each system and
// the variable that names a library in an unusual place. One text, used by the error and the CLI.

/** The environment variable naming the BLAS library to load (a path or a name the system loader finds). */
export const BLAS_LIBRARY_ENV = 'MICROGPT_BLAS_LIBRARY';

/**
 * How to get a BLAS on each system, as one line:
 * `install OpenBLAS (Debian/Ubuntu: sudo apt-get install libopenblas0-pthread; …), or set MICROGPT_BLAS_LIBRARY …`.
 */
export function blasInstallHint(): string {
  return [
    'install OpenBLAS (Debian/Ubuntu: sudo apt-get install libopenblas0-pthread;',
    'Fedora: sudo dnf install openblas-threads;',
    'macOS: Accelerate comes with the system, or brew install openblas;',
    'Windows: the x64 zip from https://github.com/OpenMathLib/OpenBLAS/releases with its bin folder, holding libopenblas.dll, on PATH),',
    `or set ${BLAS_LIBRARY_ENV} to the path of a CBLAS library`,
  ].join(' ');
}

/** What to install when koffi does not load (a standalone microgpt build carries no native add-on). */
export const KOFFI_INSTALL_HINT = 'install koffi where Node.js finds it (npm i koffi; installing @microgpt/backend-blas or @microgpt/cli from npm brings it, the standalone microgpt build does not)';
