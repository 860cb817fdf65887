import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, parameterTensors } from '@microgpt/model/node';
import { readShakespeare } from '@microgpt/test-data';
import { cliEnv, jsonLines, runCli, tempDir } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const shakespeare = readShakespeare();
const base = join(dir, 'base.txt');
// Every character of Tiny Shakespeare appears, so the base run's char tokenizer encodes any part of it.
writeFileSync(base, `${shakespeare.slice(0, 30_000)}\n${[...new Set(shakespeare)].sort().join('')}\n`);
// New text for fine-tuning, in the characters of the base text.
const tune = join(dir, 'tune.txt');
writeFileSync(tune, shakespeare.slice(500_000, 520_000));
const SHAPE = ['--n-layer', '2', '--n-head', '2', '--n-embd', '16', '--block-size', '16'];
const COMMON = ['--preset', 'shakespeare-cpu', '--batch', '2', '--samples', '0', '--json'];
const source = join(dir, 'runs', 'base');

async function weights(folder: string): Promise<Record<string, number[]>> {
  const { model } = await loadCheckpoint(folder);
  return Object.fromEntries(Object.entries(parameterTensors(model)).map(([name, t]) => [name, Array.from(t.toArray())]));
}

describe('train --init-from', () => {
  it('fine-tunes a checkpoint on new data with a new rate and schedule; frozen parameters stay bit-identical, also on --resume', async () => {
    expect((await runCli(['train', '--data', base, ...SHAPE, ...COMMON, '--steps', '3', '--out', source], { env })).code).toBe(0);
    const out = join(dir, 'runs', 'tuned');
    const tuned = await runCli(['train', '--init-from', source, '--data', tune, ...COMMON, '--steps', '4', '--lr', '0.002', '--schedule', 'constant', '--freeze', 'embeddings,layers:0', '--log-every', '1', '--out', out], { env });
    expect(tuned.code).toBe(0);
    expect(tuned.stderr).toContain(`fine-tuning from ${source}; frozen: wte, wpe, h.0.`);
    const steps = jsonLines(tuned.stdout).filter((line) => line.lr !== undefined);
    expect(steps.map((line) => line.lr)).toEqual([0.002, 0.002, 0.002, 0.002]);
    const before = await weights(source);
    const after = await weights(out);
    const frozen = Object.keys(before).filter((name) => name === 'wte' || name === 'wpe' || name.startsWith('h.0.'));
    expect(frozen.length).toBeGreaterThan(4);
    for (const name of Object.keys(before)) {
      if (frozen.includes(name)) expect(after[name], name).toEqual(before[name]);
      else if (name.endsWith('.weight') && !name.includes('ln_')) expect(after[name], name).not.toEqual(before[name]);
    }
    const resumed = await runCli(['train', '--resume', out, '--steps', '6', '--samples', '0', '--json'], { env });
    expect(resumed.code).toBe(0);
    const later = await weights(out);
    for (const name of frozen) expect(later[name], name).toEqual(before[name]);
  });

  it('fine-tunes a Hugging Face GPT-2 folder: the exported base run, starting from its weights', async () => {
    const hf = join(dir, 'hf-base');
    expect((await runCli(['export', '--ckpt', source, '--format', 'huggingface', '--out', hf], { env })).code).toBe(0);
    const out = join(dir, 'runs', 'tuned-from-hf');
    const tuned = await runCli(['train', '--init-from', hf, '--data', tune, ...COMMON, '--steps', '2', '--freeze', 'embeddings', '--out', out], { env });
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(tuned.stderr).toContain(`fine-tuning from ${hf}`);
    const before = await weights(source);
    const after = await weights(out);
    expect(after.wte).toEqual(before.wte);
    expect(after['h.0.attn.q.weight']).not.toEqual(before['h.0.attn.q.weight']);
  });

  it('refuses what cannot fine-tune, with one clear line', async () => {
    const hf = join(dir, 'hf');
    mkdirSync(hf, { recursive: true });
    writeFileSync(join(hf, 'config.json'), JSON.stringify({ model_type: 'llama', num_hidden_layers: 12 }));
    writeFileSync(join(dir, 'other.txt'), 'ΑΒΓΔ ελληνικά\n'.repeat(200));
    const cases: [string[], number, string][] = [
      [['--init-from', source, '--data', tune, '--n-layer', '4'], 2, `error: --init-from starts from ${source}'s model, so it cannot change --n-layer`],
      [['--init-from', source, '--resume', source], 2, 'error: --init-from starts a new run and --resume continues one'],
      [['--data', tune, '--freeze', 'embeddings'], 2, 'error: --freeze applies to fine-tuning'],
      [['--init-from', source, '--data', tune, '--freeze', 'layers:2'], 2, "error: --freeze layers:2: the model's layers are 0 to 1"],
      [['--init-from', source, '--data', tune, '--freeze', 'attention'], 2, 'error: --freeze "attention": not a group or a parameter of this model'],
      [['--init-from', source, '--data', tune, '--tokenizer', 'bpe'], 2, "error: --init-from keeps the source model's vocabulary, so --tokenizer bpe"],
      [['--init-from', hf, '--data', tune], 2, `error: --init-from ${hf}: a model folder of type "llama"; microgpt fine-tunes its own checkpoints and Hugging Face GPT-2 folders`],
      [['--init-from', source, '--data', join(dir, 'other.txt')], 1, `error: --data ${join(dir, 'other.txt')}: encode: unknown character 'Α'`],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(['train', ...args, '--preset', 'shakespeare-cpu', '--steps', '1', '--out', join(dir, 'runs', 'refused')], { env });
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr, args.join(' ')).toContain(message);
      expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
    }
  });
});
