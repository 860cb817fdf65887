// Deterministic multilingual test text for the interop tests: English with contractions and capitals, numbers,
// punctuation, whitespace runs, accents, Greek, Cyrillic, CJK, Arabic, Devanagari, Thai and emoji with ZWJ.
// Test-only (not exported from the package).

const PIECES: readonly (readonly string[])[] = [
  ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dogs', 'Hello', 'World', 'HTTP', 'JavaScript', 'tokenizer'],
  ["don't", "I'M", "we'll", "they've", "she'd", "It's", "YOU'RE", "can't", "WON'T", "o'clock", "'s", "rock'n'roll"],
  ['0', '7', '42', '1234', '3.14159', '1,234,567', '2024-05-13', '12:30', '98765432101234', '½', '²', '٣٤٥', '१२३'],
  ['.', ',', '!', '?', '...', '!?', '—', '–', '(', ')', '[x]', '{y}', '"quoted"', '«guillemets»', '/', 'a/b/c', '#tag', '@user', '$9.99', '100%', '->', '::', ';', '\'', '`code`', 'http://example.com/a?b=c'],
  ['café', 'naïve', 'façade', 'Ångström', 'jalapeño', 'Übermensch', 'ÉCOLE', 'résumé', 'e\u0301', 'Zoë', 'Łódź', 'İstanbul', 'straße'],
  ['Ελληνικά', 'Привет', 'мир', 'ΑΘΗΝΑ', 'Добрый', 'день'],
  ['你好', '世界', '日本語のテキスト', 'カタカナ', '한국어', '안녕하세요', '漢字', '中文，标点。'],
  ['مرحبا', 'بالعالم', 'العربية', 'שלום', 'नमस्ते', 'हिन्दी', 'สวัสดี', 'ภาษาไทย'],
  ['😀', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷', '🇯🇵', '❤️', '🤖', '👩‍💻', '✨✨✨', '☕'],
];

const SEPARATORS: readonly string[] = [' ', ' ', ' ', ' ', ' ', '', '  ', '   ', '\t', '\n', '\n\n', '  \n', '\r\n', ' \t ', '\u00a0', '\u3000', '    \n\n   '];

/** A small seeded generator (mulberry32): the same seed gives the same text on every platform. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** About `length` characters of mixed-script text, the same for the same `seed`. */
export function multilingualText(length = 20_000, seed = 1): string {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const parts: string[] = [];
  let size = 0;
  while (size < length) {
    const piece = pick(pick(PIECES));
    const separator = pick(SEPARATORS);
    parts.push(piece, separator);
    size += piece.length + separator.length;
  }
  // End on a letter: tiktoken versions split trailing whitespace at the very end differently (see SPLIT_PATTERNS).
  parts.push('end');
  return parts.join('');
}
