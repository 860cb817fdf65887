// microgpt.py reproduction against fixtures made by running microgpt.py itself (fixtures/*.json: its settings,
// every step's loss at full precision, the parameter count and the samples). Fixtures on names.txt read it from
// @microgpt/test-data; the inline ones carry their documents.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as T from '@microgpt/tensor';
import { readNames } from '@microgpt/test-data';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MicrogptSettings, distinctChars, microgptDocs, microgptLines, runMicrogpt } from './microgpt';

interface Fixture {
  name: string;
  data: 'names.txt' | { docs: string[] };
  settings: MicrogptSettings;
  params: number;
  vocabSize: number;
  losses: number[];
  samples: string[];
  printed: string[];
}

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(FIXTURES + f, 'utf8')) as Fixture);

function textOf(fixture: Fixture): string {
  return typeof fixture.data === 'object' ? fixture.data.docs.join('\n') : readNames();
}

describe('microgpt.py reproduction', () => {
  it('has fixtures on names.txt and inline ones', () => {
    expect(fixtures.filter((f) => f.data === 'names.txt').length).toBeGreaterThanOrEqual(5);
    expect(fixtures.filter((f) => typeof f.data === 'object').length).toBeGreaterThanOrEqual(2);
  });
  for (const fixture of fixtures) {
    for (const backendName of ['js', 'wasm'] as const) {
      it(`${fixture.name} (${backendName})`, async () => {
        const backend = backendName === 'wasm' ? await T.startBackend('wasm') : T.findBackend('js');
        const text = textOf(fixture);
        const lines: string[] = [];
        const run = await runMicrogpt(text, fixture.settings, microgptLines((line) => lines.push(line)), backend);
        expect(run.params).toBe(fixture.params);
        expect(run.vocabSize).toBe(fixture.vocabSize);
        expect(run.losses).toHaveLength(fixture.losses.length);
        const worst = run.losses.reduce((m, loss, i) => Math.max(m, Math.abs(loss - fixture.losses[i]!)), 0);
        expect(worst, 'largest loss difference from microgpt.py').toBeLessThan(1e-6);
        expect(run.samples).toEqual(fixture.samples);
        expect(lines).toEqual(fixture.printed);
      });
    }
  }
});

describe('microgptDocs', () => {
  it('splits and strips lines as Python does', () => {
    expect(microgptDocs('emma\r\nolivia\rava\n\n  \n\u001fmia\u0085\n\ufeffzoe\n')).toEqual(['emma', 'olivia', 'ava', 'mia', '\ufeffzoe']);
  });
});

describe('distinctChars', () => {
  const bySet = (text: string): string[] => [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);

  it('is sorted(set(text)): code points, astral ones after the BMP, lone surrogates as characters', () => {
    expect(distinctChars('banana\u{1f600}\u{10000}a\ud800x\udfff\uffff')).toEqual(['a', 'b', 'n', 'x', '\ud800', '\udfff', '\uffff', '\u{10000}', '\u{1f600}']);
    expect(distinctChars('')).toEqual([]);
    expect(distinctChars(readNames())).toEqual(bySet(readNames()));
  });

  it('matches the Set of the string on any UTF-16 text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
      expect(distinctChars(text)).toEqual(bySet(text));
    }), { seed: 23, numRuns: 300 });
  });
});
