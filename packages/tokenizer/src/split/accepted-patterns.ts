// Test data (not exported by the package): split patterns that compileSplitPattern must accept, as V8 sources,
// and that must stay fast on adversarial text. The built-in ones, the published tokenizer.json / tiktoken ones
// (rewritten for V8 as fromHuggingFaceJSON does), and the custom ones the test suites use.
import { SPLIT_PATTERNS } from '../bpe/patterns';
import { toV8Pattern } from '../interop/regex-syntax';
import { DEFAULT_WORD_PATTERN } from '../word';

const O200K_HF = String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

/** The published patterns, as their files write them (Oniguruma / fancy-regex syntax). */
export const PUBLISHED_PATTERNS: Readonly<Record<string, string>> = {
  // GPT-2's tokenizer.json says ByteLevel use_regex: true (our gpt2); some GPT-2-style files spell it as a Split.
  'GPT-2 Split': String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
  // Llama 3's tokenizer.json, and Xenova/gpt-4's (cl100k).
  'cl100k / Llama 3 tokenizer.json': String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
  'cl100k tiktoken ≥ 0.8': String.raw`'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`,
  'o200k tokenizer.json / tiktoken': O200K_HF,
  'Qwen2 tokenizer.json': String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
};

/** Every pattern that must be accepted, by name, as V8 sources. */
export const ACCEPTED_PATTERNS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(SPLIT_PATTERNS).map(([name, source]) => [`built-in ${name}`, source])),
  'built-in word': DEFAULT_WORD_PATTERN,
  ...Object.fromEntries(Object.entries(PUBLISHED_PATTERNS).map(([name, source]) => [name, toV8Pattern(source, 'test')])),
  // Custom patterns of the test suites.
  'hand-written Split': toV8Pattern(String.raw`(?i:'s|'t)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}|\s+(?!\S)|\s+|.`, 'test'),
  'letters (gaps)': '[a-z]+',
  'letters with a space (gaps)': String.raw` ?\p{L}+`,
  'non-space runs': String.raw`\S+`,
  'one digit or quote (gaps)': String.raw`\p{N}|'`,
};
