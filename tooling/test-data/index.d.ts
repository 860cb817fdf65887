/** makemore's names.txt: 32,033 lowercase names, one a line (228,145 bytes). */
export const NAMES_PATH: string;
/** Tiny Shakespeare (char-rnn's input.txt): 1,115,394 bytes, 65 distinct characters. */
export const SHAKESPEARE_PATH: string;
/** The text of names.txt. */
export function readNames(): string;
/** The text of Tiny Shakespeare. */
export function readShakespeare(): string;
/** The repository's python/ folder (the microgpt_torch package). */
export const PYTHON_PACKAGE_DIR: string;
/**
 * A Python that imports PyTorch (/usr/bin/python3, else python3 on PATH).
 * @throws Error naming what to install when neither imports torch.
 */
export function torchPython(): string;
