// Public surface of @microgpt/tokenizer.
export { type EncodeOptions, type Tokenizer, TokenizerError, type TokenizerKind } from './tokenizer';
export { type StreamDecoder, createStreamDecoder, utf8Decode, utf8Encode } from './utf8';
export { type TiktokenOptions, TIKTOKEN_SPECIAL_TOKENS, cl100kTokenizer, gpt2Tokenizer, loadTiktokenRanks, o200kTokenizer } from './interop/tiktoken';
export { parseTiktokenRanks, toTiktokenRanks } from './interop/tiktoken-ranks';
export {
  type HuggingFaceAddedToken,
  type HuggingFaceTokenizerConfig,
  type HuggingFaceTokenizerJSON,
  type JsonObject,
  fromHuggingFaceJSON,
  huggingFaceTokenizerConfig,
  toHuggingFaceJSON,
} from './interop/huggingface';
export { type BpeSpec, type BpeTokenizer, MAX_UNUSED_IDS, createBpeTokenizer } from './bpe/tokenizer';
export { BPE_MAX_VOCAB_SIZE, type BpeTrainOptions, trainBpe, trainBpeStream } from './bpe/train';
export { type BpeJSON, bpeFromJSON, bpeToJSON } from './bpe/json';
export { SPLIT_PATTERNS, type SplitPatternName, resolvePattern } from './bpe/patterns';
export { checkSplitPattern } from './split/check-pattern';
export { type CharSpecialOptions, type CharTokenizer, type CharTokenizerJSON, createCharTokenizer, trainChar } from './char';
export {
  DEFAULT_WORD_PATTERN,
  type WordSpecialOptions,
  type WordTokenizer,
  type WordTokenizerJSON,
  type WordTrainOptions,
  createWordTokenizer,
  trainWord,
} from './word';
export { TOKENIZER_FORMAT, TOKENIZER_VERSION, tokenizerFromJSON } from './json';
