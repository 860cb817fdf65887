// Text as documents: one per non-empty line, stripped, each wrapped in BOS (microgpt.py's
// `[BOS] + tokens + [BOS]`, with neighbours sharing the separator), ready for documentLoader.
import { microgptDocs } from '../compat/microgpt';

/**
 * The ids of `text`'s documents (its non-empty stripped lines) laid out as BOS d1 BOS d2 … dn BOS.
 * @param encode turns one document into ids (a tokenizer's encode).
 */
export function documentIds(text: string, encode: (doc: string) => ArrayLike<number>, bos: number): number[] {
  const ids = [bos];
  for (const doc of microgptDocs(text)) {
    for (const id of Array.from(encode(doc))) ids.push(id);
    ids.push(bos);
  }
  return ids;
}
