import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NAMES_PATH } from '@microgpt/test-data';
import { cliEnv, jsonLines, namesFile, readText, runCli, startCli, tempDir } from './cli';

const dir = tempDir();
const cache = join(dir, 'cache');
const env = cliEnv(cache);
const data = namesFile(dir);
/** A small run that takes a second or two: 2 layers, 32 wide, batch 16. */
const SMALL = ['--preset', 'names', '--data', data, '--n-embd', '32', '--n-layer', '2', '--batch', '16', '--samples', '0', '--log-every', '1', '--json'];

describe('microgpt train', () => {
  it('the demo path: names preset, offline names fallback, progress, samples, run folder, next commands', async () => {
    const out = join(dir, 'runs', 'names');
    const result = await runCli(['train', '--preset', 'names', '--data', 'names', '--steps', '300', '--out', out], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('cannot download names.txt');
    expect(result.stderr).toContain('smaller list');
    expect(result.stdout).toMatch(/step +300\/300 \| loss \d\.\d{4} \| lr /);
    expect(result.stdout).toMatch(/step 300: val loss \d\.\d{4}/);
    const samples = result.stdout.split('20 samples:\n')[1]!.split('next:')[0]!.trimEnd().split('\n');
    expect(samples).toHaveLength(20);
    for (const name of samples) expect(name).toMatch(/^ {2}[a-z]*$/);
    expect(result.stdout).toContain(`microgpt sample --ckpt ${out}`);
    expect(readdirSync(out).sort()).toEqual(['checkpoint-300', 'loss.svg', 'metrics.jsonl']);
    expect(readdirSync(join(out, 'checkpoint-300')).sort()).toEqual(['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json', 'trainer_state.json']);
    const svg = readText(join(out, 'loss.svg'));
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<polyline/g)).toHaveLength(2); // train and val
  });

  it('trains on names.txt from the cache when it is there', async () => {
    const ownCache = join(dir, 'cache-with-names');
    mkdirSync(join(ownCache, 'datasets'), { recursive: true });
    copyFileSync(NAMES_PATH, join(ownCache, 'datasets', 'names.txt'));
    const result = await runCli(['train', '--data', 'names', '--steps', '20', '--samples', '0', '--out', join(dir, 'runs', 'cached'), '--json'], { env: cliEnv(ownCache) });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('smaller list');
    expect(result.stderr).toMatch(/data names: 28,830 train \/ 3,203 val documents/);
  });

  it('--json: only JSON lines on stdout, with the documented shapes', async () => {
    const result = await runCli(['train', ...SMALL, '--steps', '40', '--eval-every', '20', '--samples', '3', '--out', join(dir, 'runs', 'json')], { env });
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    const steps = lines.filter((l) => 'loss' in l && !('done' in l));
    expect(steps).toHaveLength(40);
    for (const l of steps) {
      expect(Object.keys(l).sort()).toEqual(['batch_tokens', 'loss', 'lr', 'step', 'tokens_per_s']);
      expect(Number.isFinite(l.loss)).toBe(true);
    }
    expect(lines.filter((l) => 'val_loss' in l && !('done' in l)).map((l) => l.step)).toEqual([20, 40]);
    const done = lines.at(-1)!;
    expect(done).toMatchObject({ done: true, out: join(dir, 'runs', 'json'), step: 40, params: expect.any(Number) as number });
    expect(done.samples).toHaveLength(3);
    expect(result.stderr).toContain('preset names');
  });

  it('is deterministic: the same flags give the same losses bit for bit', async () => {
    const a = await runCli(['train', ...SMALL, '--steps', '30', '--out', join(dir, 'runs', 'det-a')], { env });
    const b = await runCli(['train', ...SMALL, '--steps', '30', '--out', join(dir, 'runs', 'det-b')], { env });
    const losses = (text: string): unknown[] => jsonLines(text).filter((l) => !('done' in l)).map((l) => l.loss ?? l.val_loss);
    expect(losses(a.stdout)).toEqual(losses(b.stdout));
  });

  it('Ctrl-C saves a checkpoint and says how to resume; --resume continues exactly as the uninterrupted run', async () => {
    const full = await runCli(['train', ...SMALL, '--steps', '300', '--eval-every', '40', '--out', join(dir, 'runs', 'full')], { env });
    expect(full.code).toBe(0);
    const out = join(dir, 'runs', 'interrupted');
    const child = startCli(['train', ...SMALL, '--steps', '300', '--eval-every', '40', '--out', out], { env });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!sent && /"step":5,/.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toContain(`resume with: microgpt train --resume ${out}`);
    const stopped = jsonLines(stdout).at(-1)!;
    expect(stopped).toMatchObject({ done: false, interrupted: true, out });
    expect(stopped.step as number).toBeLessThan(300);
    expect(readdirSync(out).filter((name) => name.includes('.tmp-'))).toEqual([]);
    // The log holds every step up to the checkpoint; a crash after it could leave later lines and a torn one.
    const log = jsonLines(readText(join(out, 'metrics.jsonl')));
    expect(log.filter((l) => 'loss' in l).map((l) => l.step)).toEqual(Array.from({ length: stopped.step as number }, (_, i) => i + 1));
    appendFileSync(join(out, 'metrics.jsonl'), `{"step":${(stopped.step as number) + 1},"loss":9,"lr":0}\n{"step":`);

    const resumed = await runCli(['train', '--resume', out, '--json', '--log-every', '1', '--samples', '0'], { env });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`resuming at step ${stopped.step as number} of 300`);
    const records = (text: string): string[] => jsonLines(text).filter((l) => !('done' in l)).map((l) => JSON.stringify({ step: l.step, loss: l.loss, val_loss: l.val_loss }));
    expect([...records(stdout), ...records(resumed.stdout)]).toEqual(records(full.stdout));
    expect(jsonLines(resumed.stdout).at(-1)!.loss).toBe(jsonLines(full.stdout).at(-1)!.loss);
    // metrics.jsonl: every step and evaluation once, the same as the uninterrupted run's, byte for byte.
    const metrics = readText(join(out, 'metrics.jsonl'));
    expect(metrics).toBe(readText(join(dir, 'runs', 'full', 'metrics.jsonl')));
    expect(jsonLines(metrics)).toHaveLength(300 + Math.floor(300 / 40) + 1);
    expect(readText(join(out, 'checkpoint-300', 'trainer_state.json'))).toBe(readText(join(dir, 'runs', 'full', 'checkpoint-300', 'trainer_state.json')));
  });

  it('a long run keeps trainer_state.json small; metrics.jsonl has the whole curve; --resume --out copies the log', async () => {
    const out = join(dir, 'runs', 'long');
    const tiny = ['--preset', 'names', '--data', data, '--n-embd', '8', '--n-head', '2', '--batch', '1', '--block-size', '8', '--samples', '0', '--quiet'];
    const result = await runCli(['train', ...tiny, '--steps', '2500', '--eval-every', '500', '--out', out], { env });
    expect(result.code).toBe(0);
    const state = JSON.parse(readText(join(out, 'checkpoint-2500', 'trainer_state.json'))) as { history: { train: [number, number][]; val: [number, number][] } };
    expect(state.history.train.length).toBeLessThanOrEqual(1000);
    expect(state.history.train[0]![0]).toBe(1);
    expect(state.history.train.at(-1)![0]).toBe(2500);
    expect(state.history.val.map(([step]) => step)).toEqual([500, 1000, 1500, 2000, 2500]);
    expect(statSync(join(out, 'checkpoint-2500', 'trainer_state.json')).size).toBeLessThan(64 * 1024);
    const log = jsonLines(readText(join(out, 'metrics.jsonl')));
    expect(log.filter((l) => 'loss' in l).map((l) => l.step)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    const kept = new Map(state.history.train);
    for (const line of log) if (kept.has(line.step as number) && 'loss' in line) expect(line.loss).toBe(kept.get(line.step as number));
    const longer = join(dir, 'runs', 'longer');
    const resumed = await runCli(['train', '--resume', out, '--out', longer, '--steps', '2600', '--quiet', '--samples', '0'], { env });
    expect(resumed.code).toBe(0);
    const extended = jsonLines(readText(join(longer, 'metrics.jsonl')));
    expect(extended.slice(0, log.length)).toEqual(log);
    expect(extended.filter((l) => 'loss' in l)).toHaveLength(2600);
  });

  it('a second Ctrl-C exits at once and leaves no partial files', async () => {
    const out = join(dir, 'runs', 'twice');
    const child = startCli(['train', ...SMALL, '--steps', '100000', '--ckpt-every', '1', '--out', out], { env });
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!sent && /"step":20,/.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
        child.kill('SIGINT');
      }
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(readdirSync(out).filter((name) => name.includes('.tmp-'))).toEqual([]);
    // Whatever was saved last is a whole checkpoint, and the lock went with the process.
    const info = await runCli(['info', '--ckpt', out, '--json'], { env });
    expect(info.code).toBe(0);
    expect(readdirSync(out).filter((name) => name.startsWith('checkpoint-')).length).toBeGreaterThan(0);
    expect(existsSync(join(out, 'train.lock'))).toBe(false);
  });

  it('--resume refuses flags that would change the run', async () => {
    const result = await runCli(['train', '--resume', join(dir, 'runs', 'full'), '--lr', '0.1', '--n-embd', '64'], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot change --lr, --n-embd');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
