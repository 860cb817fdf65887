/** makemore's names.txt: 32,033 lowercase names, one a line (228,145 bytes). */
export const NAMES_PATH: string;
/** Tiny Shakespeare (char-rnn's input.txt): 1,115,394 bytes, 65 distinct characters. */
export const SHAKESPEARE_PATH: string;
/** The text of names.txt. */
export function readNames(): string;
/** The text of Tiny Shakespeare. */
export function readShakespeare(): string;
