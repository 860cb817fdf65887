// tokenizer.json and tokenizer_config.json of an HF folder from microgpt's tokenizer JSON, and back. Byte-level
// BPE is written as HF writes GPT-2's (the tokenizer package's interop); char and word vocabularies as a
// WordLevel model over a Split pre-tokenizer (one code point, or microgpt's word pattern) with a Fuse decoder,
// which gives exactly microgpt's ids and text.
import { type BpeTokenizer, TokenizerError, fromHuggingFaceJSON, huggingFaceTokenizerConfig, toHuggingFaceJSON, tokenizerFromJSON } from '@microgpt/tokenizer';
import { fileError, isPlainObject, ownField, showValue } from '../checkpoint/file-check';
import type { SpecialIds } from './export-config';

/** The tokenizer file of an HF folder: the tokenizer in Hugging Face's format. */
export const HF_TOKENIZER_FILE = 'tokenizer.json';
/** The file beside it that names the transformers tokenizer class. */
export const HF_TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

/** The Split regex of a char vocabulary: any one code point (tokenizers' regex engine matches code points). */
const ONE_CODE_POINT = String.raw`[\s\S]`;
/** Role tokens microgpt's CLI and tokenizers use, in the order looked for. */
const BOS_TEXTS = ['<|bos|>', '<|endoftext|>'];
const EOS_TEXTS = ['<|eos|>', '<|endoftext|>'];

/** What the HF tokenizer files hold, and the ids config.json names. */
export interface HfTokenizerFiles {
  readonly tokenizer: object;
  readonly tokenizerConfig: object;
  readonly ids: SpecialIds;
}

interface OurJSON {
  kind: 'char' | 'word' | 'bpe';
  vocab?: string[];
  pattern?: string;
  specialTokens: Record<string, number>;
  bos?: string | null;
  eos?: string | null;
  unk?: string | null;
}

/** The begin and end ids of a tokenizer: char tokenizers' roles, else the usual texts (eos defaults to bos). */
function roleIds(json: OurJSON): SpecialIds {
  const find = (texts: readonly string[]): number | null => texts.map((t) => json.specialTokens[t]).find((id) => id !== undefined) ?? null;
  if (json.kind === 'char') {
    const id = (text: string | null | undefined): number | null => (text == null ? null : json.specialTokens[text]!);
    const bos = id(json.bos);
    return { bos, eos: id(json.eos) ?? bos };
  }
  const bos = find(BOS_TEXTS);
  return { bos, eos: find(EOS_TEXTS) ?? bos };
}

function addedTokens(specials: Record<string, number>): object[] {
  return Object.entries(specials)
    .sort((a, b) => a[1] - b[1])
    .map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
}

/** A WordLevel tokenizer.json: `pieces` by id, then the special tokens. */
function wordLevel(pieces: readonly string[], pattern: string, json: OurJSON): object {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens(json.specialTokens),
    normalizer: null,
    pre_tokenizer: { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false },
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: { type: 'WordLevel', vocab: Object.fromEntries([...pieces.map((p, i): [string, number] => [p, i]), ...Object.entries(json.specialTokens)]), unk_token: json.unk ?? '<unk>' },
  };
}

/**
 * The HF tokenizer files for microgpt's tokenizer JSON (`tokenizer.toJSON()`).
 * @throws TokenizerError for an invalid tokenizer, or a BPE whose tokens cannot be written as merges.
 */
export function toHfTokenizerFiles(ourJson: object): HfTokenizerFiles {
  const tokenizer = tokenizerFromJSON(ourJson);
  const json = ourJson as OurJSON;
  const ids = roleIds(json);
  const text = (id: number | null): string | null => (id === null ? null : Object.keys(json.specialTokens).find((t) => json.specialTokens[t] === id)!);
  // A char tokenizer's own roles (microgpt's documents end with BOS, so config.json's eos may be bos without one).
  const eosText = json.kind === 'char' ? (json.eos ?? null) : text(ids.eos);
  const roles = { bos_token: text(ids.bos), eos_token: eosText, unk_token: json.unk ?? null };
  if (tokenizer.kind === 'bpe') return { tokenizer: toHuggingFaceJSON(tokenizer as BpeTokenizer), tokenizerConfig: { ...huggingFaceTokenizerConfig(), ...roles }, ids };
  const pattern = tokenizer.kind === 'char' ? ONE_CODE_POINT : json.pattern!;
  return { tokenizer: wordLevel(json.vocab!, pattern, json), tokenizerConfig: { tokenizer_class: 'PreTrainedTokenizerFast', clean_up_tokenization_spaces: false, ...roles }, ids };
}

function bad(field: string, expected: string, found: unknown): never {
  return fileError(HF_TOKENIZER_FILE, `expected ${expected}, found ${showValue(found)}`, { field });
}

/** microgpt's JSON for a WordLevel tokenizer.json (as {@link toHfTokenizerFiles} writes one). */
function fromWordLevel(data: Record<string, unknown>, model: Record<string, unknown>, config: Record<string, unknown>): object {
  const vocab = ownField(model, 'vocab');
  if (!isPlainObject(vocab)) bad('model.vocab', 'an object of token → id', vocab);
  const specialTokens: Record<string, number> = {};
  const added = ownField(data, 'added_tokens') ?? [];
  if (!Array.isArray(added)) bad('added_tokens', 'an array', added);
  (added as unknown[]).forEach((entry, i) => {
    if (!isPlainObject(entry) || typeof entry.content !== 'string' || typeof entry.id !== 'number') bad(`added_tokens[${i}]`, 'an object with content and id', entry);
    specialTokens[entry.content] = entry.id;
  });
  const pieces: string[] = [];
  for (const [piece, id] of Object.entries(vocab)) {
    if (Object.hasOwn(specialTokens, piece)) continue;
    if (!(typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 && id < Object.keys(vocab).length) || pieces[id] !== undefined) bad(`model.vocab[${JSON.stringify(piece)}]`, 'distinct ids 0…n−1 before the special tokens', id);
    pieces[id] = piece;
  }
  const pre = ownField(data, 'pre_tokenizer');
  const pattern = isPlainObject(pre) && pre.type === 'Split' && isPlainObject(pre.pattern) ? pre.pattern.Regex : undefined;
  if (typeof pattern !== 'string') bad('pre_tokenizer', 'a Split pre-tokenizer with a Regex pattern (as microgpt writes WordLevel vocabularies)', pre);
  const role = (key: string): string | null => {
    const value = ownField(config, key);
    return typeof value === 'string' && Object.hasOwn(specialTokens, value) ? value : null;
  };
  const unk = typeof model.unk_token === 'string' && Object.hasOwn(specialTokens, model.unk_token) ? model.unk_token : null;
  const common = { format: 'microgpt-tokenizer', version: 1, vocab: pieces, specialTokens, unk };
  return pattern === ONE_CODE_POINT ? { ...common, kind: 'char', bos: role('bos_token'), eos: role('eos_token') } : { ...common, kind: 'word', pattern };
}

/**
 * microgpt's tokenizer JSON for an HF folder's tokenizer.json (parsed) and tokenizer_config.json (parsed, or
 * undefined): byte-level BPE (GPT-2's and others `fromHuggingFaceJSON` reads) or the WordLevel files
 * {@link toHfTokenizerFiles} writes.
 * @throws CheckpointError naming tokenizer.json and the field for a file microgpt cannot read.
 */
export function fromHfTokenizerFiles(data: unknown, config: unknown): object {
  try {
    if (!isPlainObject(data)) bad('(root)', 'a JSON object', data);
    const model = ownField(data, 'model');
    if (!isPlainObject(model)) bad('model', 'an object', model);
    if (model.type === 'WordLevel') {
      const json = fromWordLevel(data, model, isPlainObject(config) ? config : {});
      tokenizerFromJSON(json);
      return json;
    }
    return fromHuggingFaceJSON(data).toJSON();
  } catch (error) {
    if (error instanceof TokenizerError) fileError(HF_TOKENIZER_FILE, error.message);
    throw error;
  }
}
