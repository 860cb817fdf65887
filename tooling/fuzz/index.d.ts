import type { Arbitrary, Parameters } from 'fast-check';

/** The seed every fuzz suite uses unless MICROGPT_FUZZ_SEED says otherwise, so CI runs the same cases. */
export const DEFAULT_FUZZ_SEED: number;

/**
 * fast-check settings for a property that runs `runs` cases in CI: the count times MICROGPT_FUZZ_SCALE (`pnpm
 * fuzz` sets it) and the seed MICROGPT_FUZZ_SEED.
 * @throws Error when either variable is set to something other than a positive number.
 */
export function fuzzSettings(runs: number): Required<Pick<Parameters<unknown>, 'seed' | 'numRuns'>>;

/** `base` damaged by 1 to `maxEdits` random edits (bit flips, overwritten runs, insertions, deletions, truncation). */
export function mutatedBytes(base: Uint8Array, maxEdits?: number): Arbitrary<Uint8Array>;

/** JSON values that readers get wrong: wrong types, signs, sizes, non-integers, huge and deep values. */
export const HOSTILE_JSON_VALUES: readonly unknown[];

/** Nested arrays `depth` deep, as JSON text (for readers that recurse). */
export function deepJsonText(depth: number): string;

/**
 * The JSON document `base` with 1 to `maxEdits` edits, as JSON text: values replaced by hostile ones, keys removed
 * or added, or a value replaced by arrays nested 100,000 deep.
 */
export function mutatedJsonText(base: unknown, maxEdits?: number): Arbitrary<string>;

/** What {@link cleanOutcome} returns. */
export type CleanOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error };

/**
 * Runs `work`; returns its value, or the error when it is an instance of one of `allowed`. Any other error is
 * rethrown (the bug a fuzz suite looks for).
 */
export function cleanOutcome<T>(work: () => T, allowed: readonly (abstract new (...args: never[]) => Error)[]): CleanOutcome<T>;
