// Paths of the datasets the test suites read. They live in this package so that every suite runs the same in
// any clone (CI, a fork, a laptop): no test reads a file outside the repository.
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
