// `train --compat microgpt.py` against a fixture made by running Karpathy's microgpt.py (in the model package).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliEnv, jsonLines, runCli, tempDir, writeText } from './cli';

interface Fixture {
  data: { docs: string[] };
  settings: { seed: number; nLayer: number; nEmbd: number; nHead: number; blockSize: number; steps: number; temperature: number; samples: number };
  params: number;
  losses: number[];
  samples: string[];
  printed: string[];
}

const fixture = JSON.parse(readFileSync(fileURLToPath(new URL('../../../packages/model/src/compat/fixtures/inline-s31337-l2-e12-h4-b10.json', import.meta.url)), 'utf8')) as Fixture;
const dir = tempDir();
const input = join(dir, 'input.txt');
writeText(input, `${fixture.data.docs.join('\n')}\n`);
const s = fixture.settings;
const args = ['train', '--compat', 'microgpt.py', '--data', input, '--seed', `${s.seed}`, '--n-layer', `${s.nLayer}`, '--n-embd', `${s.nEmbd}`, '--n-head', `${s.nHead}`, '--block-size', `${s.blockSize}`, '--steps', `${s.steps}`, '--temperature', `${s.temperature}`, '--samples', `${s.samples}`];
const env = cliEnv(join(dir, 'cache'));

describe('microgpt train --compat microgpt.py', () => {
  it('prints the lines microgpt.py prints, with each loss in full', async () => {
    const result = await runCli(args, { env });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(fixture.printed.length);
    lines.forEach((line, i) => {
      const expected = fixture.printed[i]!;
      if (!expected.startsWith('step ')) {
        expect(line).toBe(expected);
        return;
      }
      const [prefix, loss] = line.split('| loss ');
      expect(`${prefix}| loss `).toBe(`${expected.split('| loss ')[0]!}| loss `);
      expect(Math.abs(Number(loss) - fixture.losses[i - 3]!)).toBeLessThan(1e-6);
      expect(Number(loss).toFixed(4)).toBe(expected.split('| loss ')[1]);
    });
    expect(result.stderr).toMatch(/training took \d+\.\d{3} s \(wasm, float64\)/);
  });

  it('--json: a line a step, a line a sample, then done', async () => {
    const result = await runCli([...args, '--json', '--backend', 'js'], { env });
    expect(result.code).toBe(0);
    const records = jsonLines(result.stdout);
    const steps = records.filter((r) => 'step' in r);
    expect(steps.map((r) => r.step)).toEqual(fixture.losses.map((_, i) => i + 1));
    steps.forEach((r, i) => {
      expect(Math.abs((r.loss as number) - fixture.losses[i]!)).toBeLessThan(1e-6);
    });
    expect(records.filter((r) => 'sample' in r)).toEqual(fixture.samples.map((sample) => ({ sample })));
    expect(records.at(-1)).toMatchObject({ done: true, params: fixture.params, train_seconds: expect.any(Number) as number });
  });

  it('refuses flags microgpt.py does not have', async () => {
    const result = await runCli([...args, '--batch', '4', '--lr', '0.1'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --batch, --lr do not apply to --compat microgpt.py');
  });
});
