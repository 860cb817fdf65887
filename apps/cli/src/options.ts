// Parsers for flag values: each turns the text into a number or fails with commander's InvalidArgumentError,
// which commander reports as `error: option '--steps <n>' argument 'x' is invalid. <why>` with exit code 2.
import { InvalidArgumentError } from 'commander';

/** An integer ≥ `min` (`--steps`, `--seed`). */
export function integerAtLeast(min: number): (text: string) => number {
  return (text) => {
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isSafeInteger(value) || value < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    return value;
  };
}

/** A finite number in [min, max] (`--lr`, `--temperature`); `open` excludes the bounds. */
export function numberIn(min: number, max: number, open = { min: false, max: false }): (text: string) => number {
  const range = `${open.min ? '(' : '['}${min}, ${max}${open.max ? ')' : ']'}`;
  return (text) => {
    const value = Number(text.trim());
    const ok = text.trim() !== '' && Number.isFinite(value) && (open.min ? value > min : value >= min) && (open.max ? value < max : value <= max);
    if (!ok) throw new InvalidArgumentError(`expected a number in ${range}`);
    return value;
  };
}

/** Collects a repeatable flag's values (`--special A --special B`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
