// Char tokenizer: microgpt.py's vocabulary, code-point handling, unknown characters and the special-token policy.
import { readNames, readShakespeare } from '@microgpt/test-data';
import { describe, expect, it } from 'vitest';
import { createCharTokenizer, trainChar } from './char';
import { splitSpecial } from './special';
import { TokenizerError } from './tokenizer';

describe('trainChar', () => {
  it("reproduces microgpt.py's vocabulary: sorted characters, then BOS", () => {
    // microgpt.py: uchars = sorted(set(''.join(docs))); BOS = len(uchars); vocab_size = len(uchars) + 1
    const docs = ['emma', 'olivia', 'ava'];
    const tok = trainChar(docs.join(''), { bos: true });
    expect(tok.chars).toEqual(['a', 'e', 'i', 'l', 'm', 'o', 'v']);
    expect(tok.bosId).toBe(7);
    expect(tok.vocabSize).toBe(8);
    expect(tok.specialTokens).toEqual({ '<|bos|>': 7 });
    // tokens = [BOS] + [uchars.index(ch) for ch in doc] + [BOS]
    expect([tok.bosId, ...tok.encode('emma'), tok.bosId]).toEqual([7, 1, 4, 4, 0, 7]);
  });

  it('matches microgpt.py on names.txt (27 ids, BOS = 26)', () => {
    const docs = readNames().split('\n').filter((line) => line.trim() !== '');
    const tok = trainChar(docs.join(''), { bos: true });
    expect(tok.chars.join('')).toBe('abcdefghijklmnopqrstuvwxyz');
    expect(tok.bosId).toBe(26);
    expect(tok.vocabSize).toBe(27);
    expect(tok.decode(tok.encode(docs[0]!))).toBe(docs[0]);
  });

  it('finds the 65 characters of Tiny Shakespeare and round-trips it', () => {
    const text = readShakespeare();
    const tok = trainChar(text);
    expect(tok.vocabSize).toBe(65);
    expect(tok.chars.slice(0, 3)).toEqual(['\n', ' ', '!']);
    const ids = tok.encode(text);
    expect(ids).toHaveLength(1115394);
    expect(tok.decode(ids)).toBe(text);
  });

  it('treats an astral character as one code point and sorts by code point, not UTF-16 unit', () => {
    // UTF-16 order would put 😀 (D83D DE00) before ｚ (FF5A); code point order puts it after, as Python does.
    const tok = trainChar('ｚ😀a😀');
    expect(tok.chars).toEqual(['a', 'ｚ', '😀']);
    expect(tok.encode('😀a')).toEqual([2, 0]);
    expect(tok.decode([2, 1])).toBe('😀ｚ');
  });

  it('keeps combining marks as characters of their own', () => {
    const tok = trainChar('e\u0301');
    expect(tok.chars).toEqual(['e', '\u0301']);
    expect(tok.decode(tok.encode('e\u0301e'))).toBe('e\u0301e');
  });

  it('skips special tokens in the corpus, so they never leak their characters into the vocabulary', () => {
    const tok = trainChar('ab<|bos|>ba', { bos: true });
    expect(tok.chars).toEqual(['a', 'b']);
    expect(tok.encode('a<|bos|>b', { allowedSpecial: 'all' })).toEqual([0, 2, 1]);
  });

  it('gives an empty vocabulary for an empty corpus', () => {
    const tok = trainChar('', { unk: true });
    expect(tok.vocabSize).toBe(1);
    expect(tok.encode('xy')).toEqual([0, 0]);
  });

  it('orders special tokens bos, eos, unk, then the rest; a role already listed keeps its place', () => {
    const tok = trainChar('ab', { bos: true, eos: true, unk: true, special: ['<pad>'] });
    expect(tok.specialTokens).toEqual({ '<|bos|>': 2, '<|eos|>': 3, '<unk>': 4, '<pad>': 5 });
    expect([tok.bosId, tok.eosId, tok.unkId]).toEqual([2, 3, 4]);
    const listed = trainChar('ab', { unk: '<u>', bos: '<s>', special: ['<pad>', '<u>'] });
    expect(listed.specialTokens).toEqual({ '<s>': 2, '<pad>': 3, '<u>': 4 });
    expect(listed.unkId).toBe(4);
  });

  it('lets one token serve as both bos and eos (like GPT-2 <|endoftext|>)', () => {
    const tok = trainChar('ab', { bos: '<|endoftext|>', eos: '<|endoftext|>' });
    expect(tok.vocabSize).toBe(3);
    expect([tok.bosId, tok.eosId]).toEqual([2, 2]);
  });

  it('rejects bad special-token options', () => {
    expect(() => trainChar('a', { special: ['<a>', '<a>'] })).toThrow(/special token '<a>' is listed twice/);
    expect(() => trainChar('a', { special: [''] })).toThrow(/special\[0\] must be a non-empty string, found ''/);
    expect(() => trainChar('a', { bos: '' })).toThrow(/bos must be true, false or a non-empty string/);
  });
});

describe('encode and decode', () => {
  const tok = trainChar('abc 😀');

  it('names an unknown character, its code point and its UTF-16 index', () => {
    expect(() => tok.encode('a😀жb')).toThrow(TokenizerError);
    expect(() => tok.encode('a😀жb')).toThrow(
      "encode: unknown character 'ж' (U+0436) at index 3; the vocabulary has 5 characters and no <unk> token",
    );
    expect(() => tok.encode('\n')).toThrow(/unknown character '\\n' \(U\+000A\) at index 0/);
    expect(() => tok.encode('🙂')).toThrow(/'🙂' \(U\+1F642\)/);
  });

  it('maps unknown characters to <unk> when asked, and decodes <unk> as its text', () => {
    const unk = trainChar('ab', { unk: true });
    expect(unk.encode('aжb🙂')).toEqual([0, 2, 1, 2]);
    expect(unk.decode(unk.encode('aжb'))).toBe('a<unk>b');
  });

  it('rejects unknown ids, naming the id and the vocabulary size', () => {
    for (const id of [-1, 5, 1.5, Number.NaN]) {
      expect(() => tok.decode([0, id])).toThrow(TokenizerError);
    }
    expect(() => tok.decode([0, 5])).toThrow('decode: unknown id 5 at position 1; the vocabulary has 5 ids, [0, 5)');
    expect(() => tok.tokenBytes(7)).toThrow('tokenBytes: unknown id 7; the vocabulary has 5 ids, [0, 5)');
  });

  it('decodes typed arrays and gives UTF-8 bytes per token', () => {
    expect(tok.decode(Uint16Array.from([4, 0, 1]))).toBe('😀 a');
    expect([...tok.tokenBytes(4)]).toEqual([0xf0, 0x9f, 0x98, 0x80]);
    expect(tok.decode([])).toBe('');
    expect(tok.encode('')).toEqual([]);
  });
});

describe('special tokens in the text', () => {
  const tok = trainChar('<|>bos', { bos: true, special: ['<|b|>'] });
  const bos = tok.bosId!;

  it('throws by default when a special token appears, naming it and where', () => {
    expect(() => tok.encode('ab<|bos|>')).toThrow(
      "encode: special token '<|bos|>' at index 2 is not allowed; pass { allowedSpecial: [\"<|bos|>\"] } to " +
        'encode it as its id, or { disallowedSpecial: [] } to encode it as ordinary text',
    );
  });

  it('encodes allowed special tokens to their ids, leftmost and longest first', () => {
    expect(tok.encode('b<|bos|>o', { allowedSpecial: ['<|bos|>'] })).toEqual([2, bos, 3]);
    expect(tok.encode('<|bos|><|b|>', { allowedSpecial: 'all' })).toEqual([bos, bos + 1]);
    expect(tok.decode([bos, 2])).toBe('<|bos|>b');
  });

  it('still rejects a special token that is allowed for others but not for itself', () => {
    expect(() => tok.encode('<|b|><|bos|>', { allowedSpecial: ['<|bos|>'] })).toThrow(/'<\|b\|>' at index 0/);
  });

  it('encodes the text of special tokens as ordinary characters with disallowedSpecial: []', () => {
    const ids = tok.encode('<|bos|>', { disallowedSpecial: [] });
    expect(ids).toHaveLength(7);
    expect(tok.decode(ids)).toBe('<|bos|>');
  });

  it('ignores unknown names in the options, as tiktoken does', () => {
    expect(tok.encode('bo', { allowedSpecial: ['<nope>'], disallowedSpecial: ['<nope>'] })).toEqual([2, 3]);
  });

  it('splits around allowed tokens and keeps the index of each piece', () => {
    const specials = new Map([
      ['<a>', 10],
      ['<a>b', 11],
    ]);
    expect(splitSpecial('x<a>b<a>', specials, { allowedSpecial: 'all' })).toEqual([
      { start: 0, text: 'x' },
      { start: 1, text: '<a>b', id: 11 },
      { start: 5, text: '<a>', id: 10 },
    ]);
  });
});

describe('createCharTokenizer', () => {
  it('keeps the given order of characters', () => {
    const tok = createCharTokenizer(['z', 'a', '😀'], { eos: true });
    expect(tok.encode('a😀z')).toEqual([1, 2, 0]);
    expect(tok.eosId).toBe(3);
  });

  it('rejects entries that are not one character, and repeats', () => {
    expect(() => createCharTokenizer(['a', 'bc'])).toThrow(
      "createCharTokenizer: chars[1] must be one character, found 'bc'",
    );
    expect(() => createCharTokenizer(['a', ''])).toThrow(/chars\[1\] must be one character, found ''/);
    expect(() => createCharTokenizer(['a', 7 as unknown as string])).toThrow(/found 7/);
    expect(() => createCharTokenizer(['a', 'b', 'a'])).toThrow("createCharTokenizer: chars[2] 'a' repeats chars[0]");
  });

  it('keeps a special token named __proto__ as an ordinary key', () => {
    const tok = createCharTokenizer(['a'], { special: ['__proto__'] });
    expect(Object.keys(tok.specialTokens)).toEqual(['__proto__']);
    expect(tok.encode('__proto__', { allowedSpecial: 'all' })).toEqual([1]);
  });
});

describe('lone surrogates', () => {
  // A lone surrogate is one code point of its own in a JS string, so the char tokenizer gives it an id and
  // encode/decode round-trips it; the byte path (tokenBytes, stream decoders) turns it into U+FFFD, as
  // TextEncoder does.
  it('round-trips through encode/decode, but its bytes are those of U+FFFD', () => {
    const text = 'a\uD800b\uDFFF';
    const tok = trainChar(text);
    expect(tok.chars).toEqual(['a', 'b', '\uD800', '\uDFFF']);
    expect(tok.decode(tok.encode(text))).toBe(text);
    expect([...tok.tokenBytes(2)]).toEqual([0xef, 0xbf, 0xbd]);
  });

  it('a high and a low surrogate decoded next to each other form the astral character they encode', () => {
    const tok = trainChar('\uD83D \uDE00');
    const ids = [tok.encode('\uD83D')[0]!, tok.encode('\uDE00')[0]!];
    expect(tok.decode(ids)).toBe('😀');
    expect(() => tok.encode(tok.decode(ids))).toThrow(/unknown character '😀'/);
  });
});

describe('toJSON', () => {
  it('writes our format with every field', () => {
    const tok = trainChar('ba', { bos: true, unk: '<?>' });
    expect(tok.toJSON()).toEqual({
      format: 'microgpt-tokenizer',
      version: 1,
      kind: 'char',
      vocab: ['a', 'b'],
      specialTokens: { '<|bos|>': 2, '<?>': 3 },
      bos: '<|bos|>',
      eos: null,
      unk: '<?>',
    });
  });
});
