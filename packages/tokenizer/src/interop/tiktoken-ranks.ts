// The tiktoken rank file format (`<base64 token bytes> <rank>` a line, as OpenAI publishes r50k_base,
// cl100k_base and o200k_base): strict parsing with errors naming the line, and writing.
import { TokenizerError } from '../tokenizer';
import { base64Decode, base64Encode } from './base64';

/** Shows a piece of a bad line in an error message, shortened so a corrupted file cannot flood the message. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/**
 * The token bytes of a tiktoken rank file, by rank. Blank lines are skipped (as tiktoken does) and `\r\n`
 * line ends are accepted; ranks may come in any order but must be exactly 0…n−1.
 * @throws {TokenizerError} naming the (1-based) line: a line without a rank, bad base64, an empty token, a rank
 * that is not a decimal integer, a duplicated rank or token, or a rank that leaves a gap.
 */
export function parseTiktokenRanks(text: string): Uint8Array[] {
  const lines = text.split('\n');
  let count = 0;
  for (const line of lines) if (line !== '' && line !== '\r') count++;
  // Ranks must be < count, so with no duplicates every slot is filled: no gap check afterwards, and a corrupted
  // rank such as 999999999 is refused before anything that large is allocated.
  const tokens = new Array<Uint8Array | undefined>(count);
  const rankLine = new Int32Array(count);
  const tokenLine = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const at = `parseTiktokenRanks: line ${i + 1}`;
    const space = line.indexOf(' ');
    if (space < 0) throw new TokenizerError(`${at}: expected "<base64> <rank>", found ${quote(line)} (missing rank)`);
    const b64 = line.slice(0, space);
    const rankText = line.slice(space + 1);
    const bytes = base64Decode(b64);
    if (bytes === null) throw new TokenizerError(`${at}: token ${quote(b64)} is not valid base64`);
    if (bytes.length === 0) throw new TokenizerError(`${at}: the token is empty (a token needs at least one byte)`);
    if (!/^\d{1,10}$/.test(rankText)) throw new TokenizerError(`${at}: rank ${quote(rankText)} is not a non-negative integer`);
    const rank = Number(rankText);
    if (rank >= count) {
      throw new TokenizerError(`${at}: rank ${rank} leaves a gap: the file has ${count} tokens, so ranks must be 0…${count - 1}`);
    }
    if (tokens[rank] !== undefined) throw new TokenizerError(`${at}: rank ${rank} is already used on line ${rankLine[rank]!}`);
    const seen = tokenLine.get(b64);
    if (seen !== undefined) throw new TokenizerError(`${at}: token ${quote(b64)} is already listed on line ${seen}`);
    tokens[rank] = bytes;
    rankLine[rank] = i + 1;
    tokenLine.set(b64, i + 1);
  }
  return tokens as Uint8Array[];
}

/** The tiktoken rank file of `tokens` (bytes by rank): what `parseTiktokenRanks` reads back. */
export function toTiktokenRanks(tokens: readonly Uint8Array[]): string {
  return tokens.map((bytes, rank) => `${base64Encode(bytes)} ${rank}\n`).join('');
}
