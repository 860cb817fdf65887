// Digit grouping for counts in messages. `toLocaleString('en-US')` gives the same text, but the first call in a
// process initializes ICU's number formatting (about 15 ms of CPU), which every command paid on its way to training
// because memory estimates and checks describe their sizes eagerly.

/**
 * `n` with its digits grouped by commas, as `n.toLocaleString('en-US')` writes it (`1234567` → `1,234,567`).
 * Safe integers are grouped here; anything else (fractions, NaN, ±Infinity, integers past 2^53, whose shortest
 * `String` form ends in zeros where `toLocaleString` prints every digit) goes to `toLocaleString`, so the text is
 * always the same as its.
 */
export function thousands(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += `,${digits.slice(i, i + 3)}`;
  return n < 0 || Object.is(n, -0) ? `-${grouped}` : grouped;
}
