// Our JSON format: round trips for char and word, and a TokenizerError (never another exception) for every
// missing, corrupted or truncated field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trainBpe } from './bpe/train';
import { trainChar } from './char';
import { tokenizerFromJSON } from './json';
import { TokenizerError, type Tokenizer } from './tokenizer';
import { trainWord } from './word';

const SAMPLE = 'Hello, wörld! 😀 e\u0301 <|bos|>\n';
const tokenizers: Record<string, Tokenizer> = {
  char: trainChar(SAMPLE, { bos: true, unk: '<?>', special: ['<pad>'] }),
  charPlain: trainChar('abc'),
  word: trainWord(SAMPLE.repeat(2) + 'rare', { special: ['<|bos|>'], maxVocab: 12 }),
  wordStrict: trainWord('a b', { unk: false, pattern: String.raw`\S+` }),
  bpe: trainBpe(SAMPLE.repeat(3), { vocabSize: 280, specialTokens: ['<|bos|>'] }),
};

/** The thrown error, asserting it is a TokenizerError. */
function errorOf(run: () => unknown): TokenizerError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenizerError);
    return error as TokenizerError;
  }
  throw new Error('expected a TokenizerError, but nothing was thrown');
}

function jsonOf(name: string): Record<string, unknown> {
  return JSON.parse(JSON.stringify(tokenizers[name]!.toJSON())) as Record<string, unknown>;
}

describe('round trip', () => {
  it.each(Object.keys(tokenizers))('%s: toJSON → text → tokenizerFromJSON gives an equal tokenizer', (name) => {
    const tok = tokenizers[name]!;
    const text = JSON.stringify(tok.toJSON());
    const sources: unknown[] = [text, JSON.parse(text), tok.toJSON()];
    for (const loaded of sources.map(tokenizerFromJSON)) {
      expect(loaded.kind).toBe(tok.kind);
      expect(loaded.vocabSize).toBe(tok.vocabSize);
      expect(loaded.specialTokens).toEqual(tok.specialTokens);
      expect(loaded.toJSON()).toEqual(tok.toJSON());
      const input = name === 'charPlain' ? 'cab' : name === 'wordStrict' ? 'b a' : SAMPLE;
      expect(loaded.encode(input, { allowedSpecial: 'all' })).toEqual(tok.encode(input, { allowedSpecial: 'all' }));
      const ids = Array.from({ length: tok.vocabSize }, (_, i) => i);
      expect(loaded.decode(ids)).toBe(tok.decode(ids));
    }
  });

  it('keeps role tokens and their ids, and lone surrogates (written as \\ud800 escapes)', () => {
    const tok = trainChar('a\uD800', { eos: '<e>', special: ['<x>'] });
    const text = JSON.stringify(tok.toJSON());
    expect(text).toContain('\\ud800');
    const loaded = tokenizerFromJSON(text);
    expect(loaded.specialTokens).toEqual({ '<e>': 2, '<x>': 3 });
    expect(loaded.decode(loaded.encode('\uD800a'))).toBe('\uD800a');
  });

  it('keeps a saved order of special tokens that differs from the default role order', () => {
    // Keys listed out of id order, and a key that looks like an integer (which JS enumerates first).
    const specialTokens = { '<s>': 6, '<unk>': 4, '<pad>': 3, '7': 5 };
    const data = { ...jsonOf('charPlain'), specialTokens, bos: '<s>', unk: '<unk>' };
    const loaded = tokenizerFromJSON(data);
    expect(loaded.specialTokens).toEqual(specialTokens);
    expect(loaded.encode('aZ')).toEqual([0, 4]);
    expect(loaded.decode([3, 5, 6])).toBe('<pad>7<s>');
  });
});

describe('dispatch', () => {
  it('hands kind "bpe" to the BPE loader, whose errors name the field too', () => {
    const data = { ...jsonOf('bpe'), merges: [[1, 2], 'abc'] };
    expect(errorOf(() => tokenizerFromJSON(data)).message).toMatch(/^fromJSON: "merges\[1\]" must be a pair of ids/);
    const charAsBpe = { ...jsonOf('charPlain'), kind: 'bpe' };
    expect(errorOf(() => tokenizerFromJSON(charAsBpe)).message).toMatch(/^fromJSON: "pattern" must be/);
  });
});

describe('malformed data', () => {
  it('names the bad item, as in the docs example', () => {
    const data = jsonOf('charPlain');
    data.vocab = ['a', 'b', 'c', 42];
    expect(errorOf(() => tokenizerFromJSON(data)).message).toBe(
      'fromJSON: "vocab[3]" must be a string of one character, found 42',
    );
  });

  const cases: [name: string, change: (data: Record<string, unknown>) => void, message: string][] = [
    ['format', (d) => (d.format = 'hf'), `"format" must be "microgpt-tokenizer", found 'hf'`],
    ['version 2', (d) => (d.version = 2), '"version" must be 1, found 2 (written by a newer @microgpt/tokenizer)'],
    ['version "1"', (d) => (d.version = '1'), `"version" must be 1, found '1'`],
    ['kind', (d) => (d.kind = 'sentencepiece'), `"kind" must be "char", "word" or "bpe", found 'sentencepiece'`],
    [
      'vocab type',
      (d) => (d.vocab = 'abc'),
      `"vocab" must be an array (each item a string of one character), found 'abc'`,
    ],
    ['vocab item', (d) => (d.vocab = ['a', 'bc']), `"vocab[1]" must be a string of one character, found 'bc'`],
    ['vocab empty item', (d) => (d.vocab = ['']), `"vocab[0]" must be a string of one character, found ''`],
    [
      'vocab repeat',
      (d) => (d.vocab = ['a', 'b', 'a']),
      `"vocab[2]" must be a string of one character not listed before, found 'a' (also "vocab[0]")`,
    ],
    [
      'specialTokens type',
      (d) => (d.specialTokens = ['<a>']),
      '"specialTokens" must be an object of special token text → id, found an array of 1',
    ],
    ['specialTokens empty text', (d) => (d.specialTokens = { '': 3 }), `"specialTokens['']" must be under a non-`],
    [
      'specialTokens id type',
      (d) => (d.specialTokens = { '<a>': '3' }),
      `"specialTokens['<a>']" must be an id in [3, 4) (special tokens follow the vocabulary), found '3'`,
    ],
    ['specialTokens id in the vocab', (d) => (d.specialTokens = { '<a>': 2 }), `"specialTokens['<a>']" must be an id`],
    ['specialTokens gap', (d) => (d.specialTokens = { '<a>': 3, '<b>': 5 }), `"specialTokens['<b>']" must be an id in`],
    ['specialTokens fraction', (d) => (d.specialTokens = { '<a>': 3.5 }), `"specialTokens['<a>']" must be an id`],
    [
      'specialTokens repeated id',
      (d) => (d.specialTokens = { '<a>': 3, '<b>': 3 }),
      `"specialTokens['<b>']" must be an id not used before, found 3 (also "specialTokens['<a>']")`,
    ],
    ['bos unknown', (d) => (d.bos = '<s>'), `"bos" must be null or a key of "specialTokens", found '<s>'`],
    ['eos type', (d) => (d.eos = 3), '"eos" must be null or a key of "specialTokens", found 3'],
    ['unk object', (d) => (d.unk = {}), '"unk" must be null or a key of "specialTokens", found an object'],
  ];
  it.each(cases)('char: %s', (_, change, message) => {
    const data = jsonOf('charPlain');
    change(data);
    expect(errorOf(() => tokenizerFromJSON(data)).message).toContain(`fromJSON: ${message}`);
  });

  const wordCases: [name: string, change: (data: Record<string, unknown>) => void, message: string][] = [
    ['pattern type', (d) => (d.pattern = 1), '"pattern" must be a regex source string, found 1'],
    ['pattern syntax', (d) => (d.pattern = '[a'), `"pattern": split pattern '[a' is not a valid regex with flags 'gu'`],
    ['pattern u-flag', (d) => (d.pattern = String.raw`\-`), `"pattern": split pattern '\\\\-' is not a valid regex with flags 'gu'`],
    ['pattern empty match', (d) => (d.pattern = String.raw`\w*`), `"pattern": split pattern '\\\\w*' is refused: it can match the empty string`],
    ['pattern backtracking', (d) => (d.pattern = '(a|a)+$'), `"pattern": split pattern '(a|a)+$' is refused: '(a|a)+' at offset 0 repeats a group`],
    ['vocab item', (d) => (d.vocab = ['a', '']), `"vocab[1]" must be a non-empty string, found ''`],
    ['vocab repeat', (d) => (d.vocab = ['a', 'a']), `"vocab[1]" must be a non-empty string not listed before`],
    ['unk', (d) => (d.unk = '<u>'), `"unk" must be null or a key of "specialTokens", found '<u>'`],
    ['specialTokens', (d) => (d.specialTokens = { '<unk>': 0 }), `"specialTokens['<unk>']" must be an id in [`],
  ];
  it.each(wordCases)('word: %s', (_, change, message) => {
    const data = jsonOf('word');
    change(data);
    expect(errorOf(() => tokenizerFromJSON(data)).message).toContain(`fromJSON: ${message}`);
  });

  it.each(['char', 'word'])('%s: removing any field names it', (name) => {
    const full = jsonOf(name);
    for (const key of Object.keys(full)) {
      const data = { ...full };
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- removing each field in turn is the test
      delete data[key];
      expect(errorOf(() => tokenizerFromJSON(data)).message).toMatch(new RegExp(`"${key}" must be .*, found nothing`));
    }
  });

  it.each(['char', 'word'])('%s: replacing any field by a value of the wrong type gives a TokenizerError', (name) => {
    const full = jsonOf(name);
    const wrong = [undefined, 42, -1, 1.5, true, 'x', [42], { a: 1 }, [null]];
    for (const key of Object.keys(full)) {
      // Any string compiles as some pattern; other types are all wrong there.
      for (const value of key === 'pattern' ? wrong.filter((v) => typeof v !== 'string') : wrong) {
        errorOf(() => tokenizerFromJSON({ ...full, [key]: value }));
      }
    }
  });

  it.each(Object.keys(tokenizers))('%s: every truncation of the JSON text gives a TokenizerError', (name) => {
    const text = JSON.stringify(tokenizers[name]!.toJSON(), null, 1);
    for (let end = 0; end < text.length; end++) {
      errorOf(() => tokenizerFromJSON(text.slice(0, end)));
    }
    expect(errorOf(() => tokenizerFromJSON('{"format": ')).message).toMatch(/^fromJSON: the text is not valid JSON/);
  });

  it('rejects data that is not an object, and inherited fields', () => {
    for (const data of [null, undefined, 42, [], 'null', '[1]', '"char"']) {
      expect(errorOf(() => tokenizerFromJSON(data)).message).toMatch(/^fromJSON: expected a tokenizer object, found/);
    }
    const inherited = Object.create(jsonOf('charPlain')) as object;
    expect(errorOf(() => tokenizerFromJSON(inherited)).message).toContain('"format" must be');
    const proto = '{"__proto__": {"format": "microgpt-tokenizer"}, "version": 1}';
    expect(errorOf(() => tokenizerFromJSON(proto)).message).toContain('"format" must be');
  });

  it('sees holes in arrays instead of skipping them', () => {
    const data = jsonOf('charPlain');
    // eslint-disable-next-line no-sparse-arrays -- the hole is the point
    data.vocab = ['a', , 'c'];
    expect(errorOf(() => tokenizerFromJSON(data)).message).toBe(
      'fromJSON: "vocab[1]" must be a string of one character, found nothing',
    );
  });

  it('reports a throwing getter as a TokenizerError with the cause kept', () => {
    const data = jsonOf('charPlain');
    Object.defineProperty(data, 'vocab', {
      enumerable: true,
      get() {
        throw new RangeError('boom');
      },
    });
    const error = errorOf(() => tokenizerFromJSON(data));
    expect(error.message).toBe('fromJSON: could not read the tokenizer (boom)');
    expect(error.cause).toBeInstanceOf(RangeError);
  });

  it('never throws anything but a TokenizerError for arbitrary values (fast-check)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        try {
          tokenizerFromJSON(value);
        } catch (error) {
          return error instanceof TokenizerError;
        }
        return true;
      }),
    );
  });

  it('loads or rejects cleanly when one field gets an arbitrary JSON value (fast-check)', () => {
    const bases = Object.keys(tokenizers).map(jsonOf);
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.nat(), fc.jsonValue(), (b, k, value) => {
        const base = bases[b]!;
        const keys = Object.keys(base);
        const data = { ...base, [keys[k % keys.length]!]: value };
        try {
          const tok = tokenizerFromJSON(data);
          return tok.vocabSize >= 0;
        } catch (error) {
          return error instanceof TokenizerError;
        }
      }),
    );
  });
});
