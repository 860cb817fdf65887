// `microgpt info` on a token file (from `data prepare`): its header, read without loading the ids.
import { existsSync } from 'node:fs';
import { openTokenFile } from '@microgpt/model/node';
import type { Output } from '../output';
import { hex, preparedPaths } from '../prepared-data';

/**
 * Prints the header of the token file `path` (count, dtype, vocabulary size, tokenizer hash) and its
 * prepared neighbours (the held-out file and the tokenizer).
 * @throws DataError naming the field of a damaged header.
 */
export function describeTokenFile(path: string, out: Output): void {
  const reader = openTokenFile(path, { windowTokens: 1 });
  const { header } = reader;
  reader.close();
  const paths = preparedPaths(path);
  const neighbours = [paths.val, paths.tokenizer].filter((p) => p !== path && existsSync(p));
  out.result(
    [
      `token file ${path}`,
      `  tokens          ${header.count.toLocaleString('en-US')}`,
      `  dtype           ${header.dtype}`,
      `  vocabulary      ${header.vocabSize.toLocaleString('en-US')}`,
      `  tokenizer hash  ${hex(header.tokenizerHash)} (SHA-256 of the tokenizer's JSON)`,
      ...(neighbours.length > 0 ? [`beside it: ${neighbours.join(', ')}`] : []),
    ].join('\n'),
  );
  out.record({ path, tokens: header.count, dtype: header.dtype, vocab_size: header.vocabSize, tokenizer_hash: hex(header.tokenizerHash), beside: neighbours });
}
