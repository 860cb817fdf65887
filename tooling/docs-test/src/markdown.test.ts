// The tutorial runner's parsing, without packing anything: fenced blocks, line shapes, and which shown lines a
// run's output lacks.
import { describe, expect, it } from 'vitest';
import { codeBlocks } from './markdown';
import { lineShape, missingShownLines } from './run-tutorial';

describe('codeBlocks', () => {
  it('returns every fenced block in order with its info string, text and opening line', () => {
    const md = 'intro\n```sh\nnpm i x\n```\ntext\n```js\n// a.mjs\nconsole.log(1);\n```\n```text\n1\n```\n```\nplain\n```\n';
    expect(codeBlocks(md)).toEqual([
      { lang: 'sh', code: 'npm i x', line: 2 },
      { lang: 'js', code: '// a.mjs\nconsole.log(1);', line: 6 },
      { lang: 'text', code: '1', line: 10 },
      { lang: '', code: 'plain', line: 13 },
    ]);
  });

  it('names the line of a block that is never closed', () => {
    expect(() => codeBlocks('a\n\n```js\nx\n')).toThrow('markdown: the code block opened on line 3 is never closed');
  });
});

describe('lineShape and missingShownLines', () => {
  it('replaces numbers (thousands separators, decimals, exponents) and keeps the words', () => {
    expect(lineShape('step 100/300: loss 2.374, lr 8.63e-3  ')).toBe('step #/#: loss #, lr #');
    expect(lineShape('32,033 names, 228,145 characters')).toBe('# names, # characters');
  });

  it('reports shown lines whose shape is not in the output, except the free ones', () => {
    const run = { commands: [], shownByFile: new Map([['a.mjs', ['loss 3.1 → 2.0', 'vocabulary: 27 tokens', 'sample: emma']]]) };
    const output = 'loss 3.3 → 2.2\nvocabulary: 28 tokens\nsample: olivia\n';
    expect(missingShownLines(run, 'a.mjs', output, /^sample/)).toEqual([]);
    expect(missingShownLines(run, 'a.mjs', 'loss 3.3 → 2.2\nvocab: 28\n', /^sample/)).toEqual(['vocabulary: 27 tokens']);
  });
});
