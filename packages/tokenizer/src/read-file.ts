// Reading a saved tokenizer: accepts parsed data or JSON text, and turns every failure into a TokenizerError.
import { describeValue } from './special';
import { TokenizerError } from './tokenizer';

/**
 * Runs `load` on `data` (parsed first when it is a string). Any error that is not already a TokenizerError
 * (a throwing getter, a proxy, a bug) becomes one, with the original as `cause`: a bad file never escapes as
 * another kind of exception.
 * @param where the reader, which starts the messages of the errors made here
 * @throws {TokenizerError} for text that is not JSON or data `load` rejects.
 */
export function readTokenizerFile<T>(data: unknown, load: (parsed: unknown) => T, where = 'fromJSON'): T {
  let parsed = data;
  if (typeof data === 'string') {
    try {
      parsed = JSON.parse(data) as unknown;
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'parse error';
      throw new TokenizerError(`${where}: the text is not valid JSON (${reason})`);
    }
  }
  try {
    return load(parsed);
  } catch (error) {
    if (error instanceof TokenizerError) throw error;
    const reason = error instanceof Error ? error.message : describeValue(error);
    throw new TokenizerError(`${where}: could not read the tokenizer (${reason})`, { cause: error });
  }
}
