// Paths of the datasets the test suites read. They live in this package so that every suite runs the same in
// any clone (CI, a fork, a laptop): no test reads a file outside the repository.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** makemore's names.txt: 32,033 lowercase names, one a line (228,145 bytes). */
export const NAMES_PATH = fileURLToPath(new URL('./names.txt', import.meta.url));

/** Tiny Shakespeare (char-rnn's input.txt): 1,115,394 bytes, 65 distinct characters. */
export const SHAKESPEARE_PATH = fileURLToPath(new URL('./tinyshakespeare.txt', import.meta.url));

/** The text of names.txt. */
export function readNames() {
  return readFileSync(NAMES_PATH, 'utf8');
}

/** The text of Tiny Shakespeare. */
export function readShakespeare() {
  return readFileSync(SHAKESPEARE_PATH, 'utf8');
}

/** The repository's python/ folder (the microgpt_torch package): the working directory for `python -m microgpt_torch.…`. */
export const PYTHON_PACKAGE_DIR = fileURLToPath(new URL('../../python/', import.meta.url));

/**
 * A Python that imports PyTorch: Debian's /usr/bin/python3 (python3-torch), else python3 on PATH. The tests that
 * compare with PyTorch call it and fail (never skip) without one, saying what to install.
 */
export function torchPython() {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(candidate, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  throw new Error("this test compares with PyTorch, and neither /usr/bin/python3 nor python3 imports torch: install Debian's python3-torch (sudo apt-get install python3-torch), or pip install torch; .ci/run installs it");
}
