// Pre-splitting text with a split pattern, without losing any of it: the pattern's matches are chunks, and so is
// each run of text between two matches (and before the first, after the last). A pattern that covers every
// character (the built-in ones do) gives exactly tiktoken's chunks; one that does not (`[a-z]+`) still encodes
// every character, in order, so decode(encode(text)) is the text.
import { quote } from '../special';
import { TokenizerError } from '../tokenizer';

/**
 * Calls `visit(chunk, start)` for each chunk of `text[from…]` (its text and UTF-16 index), in order: each match of `regex` (compiled by
 * `compileSplitPattern`, flags 'gu') and each non-empty run of text between matches, before the first match and
 * after the last. The chunks join back to `text.slice(from)`.
 *
 * With `limit` (stream training, where more text may still come): stops at the first match that ends after
 * `limit`, visiting neither it nor the gap before it, and leaves the text after the last match unvisited.
 * @returns the end of the last visited chunk (`text.length` without `limit`), where the caller resumes.
 * @throws {TokenizerError} `${where}: …` if the pattern matches the empty string, which `compileSplitPattern`
 * refuses: a guard, so that a pattern that slipped through fails loudly instead of looping or losing text.
 */
export function splitChunks(
  regex: RegExp,
  text: string,
  from: number,
  where: string,
  visit: (chunk: string, start: number) => void,
  limit?: number,
): number {
  let done = from;
  regex.lastIndex = from;
  for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
    const chunk = match[0];
    const start = match.index;
    const end = start + chunk.length;
    if (end === start) {
      throw new TokenizerError(
        `${where}: the split pattern ${quote(regex.source)} matched the empty string at index ${start}; a split pattern must take at least one character per match`,
      );
    }
    if (limit !== undefined && end > limit) return done;
    if (start > done) visit(text.slice(done, start), done);
    visit(chunk, start);
    done = end;
  }
  if (limit !== undefined) return done;
  if (done < text.length) visit(text.slice(done), done);
  return text.length;
}
