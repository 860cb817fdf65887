// A run folder has one owner and is never replaced by accident: a second trainer is refused while the first
// runs, racing trainers for a folder whose owner died leave exactly one winner, a folder that holds a run is
// refused without --resume or --overwrite, and a resume never mixes with later checkpoints of the same folder.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, cliEnv, jsonLines, namesFile, runCli, startCli, tempDir } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const data = namesFile(dir);
const TRAIN = ['train', '--data', data, '--samples', '0'];

/** The bytes of a run's newest checkpoint's weights. */
function newestWeights(out: string): Buffer {
  const newest = readdirSync(out).filter((n) => n.startsWith('checkpoint-')).sort((a, b) => Number(a.split('-')[1]) - Number(b.split('-')[1])).at(-1)!;
  return readFileSync(join(out, newest, 'model.safetensors'));
}

function noTrace(result: CliResult): void {
  expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
}

describe('one trainer per run folder', () => {
  it('refuses a second trainer while the first runs, naming its pid, and the first finishes untouched', async () => {
    const out = join(dir, 'busy');
    const first = startCli([...TRAIN, '--steps', '100000', '--json', '--log-every', '1', '--out', out], { env });
    let stdout = '';
    await new Promise<void>((resolve) => {
      first.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('"step":')) resolve();
      });
    });
    const second = await runCli([...TRAIN, '--steps', '5', '--out', out], { env });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`error: ${out} is in use: process ${first.pid} on ${hostname()} since `);
    expect(second.stderr).toContain('hint: wait for that run to finish, or train into another folder with --out DIR');
    noTrace(second);
    const resumed = await runCli(['train', '--resume', out, '--samples', '0'], { env });
    expect(resumed.code).toBe(1);
    expect(resumed.stderr).toContain(`is in use: process ${first.pid}`);
    first.kill('SIGINT');
    expect(await new Promise((resolve) => first.on('close', resolve))).toBe(130);
    expect(existsSync(join(out, 'train.lock'))).toBe(false);
  });

  it('lets exactly one of three trainers racing for a folder whose owner died take it, with a note', async () => {
    const out = join(dir, 'stale');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const lock = { pid: dead, host: hostname(), started: '2026-01-01T00:00:00.000Z', command: 'microgpt train', processStart: null, nonce: 'dead' };
    mkdirSync(out);
    writeFileSync(join(out, 'train.lock'), JSON.stringify(lock));
    const results = await Promise.all([0, 1, 2].map(() => runCli([...TRAIN, '--steps', '200', '--out', out], { env })));
    const winners = results.filter((r) => r.code === 0);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.stderr).toContain(`note: took over ${join(out, 'train.lock')} from process ${dead}, which is no longer running`);
    for (const loser of results.filter((r) => r.code !== 0)) {
      // Refused by the winner's lock, or (having started after the winner finished) by the run it saved.
      expect(loser.stderr).toMatch(/is in use: process \d+|holds a run saved at step 200/);
      noTrace(loser);
    }
  });
});

describe('a run folder is never replaced by accident', () => {
  it('refuses a new run in a folder that holds one (suggesting a free folder), and --overwrite replaces it', async () => {
    const out = join(dir, 'kept');
    expect((await runCli([...TRAIN, '--steps', '20', '--seed', '1', '--out', out], { env })).code).toBe(0);
    const saved = newestWeights(out);
    const again = await runCli([...TRAIN, '--steps', '10', '--seed', '2', '--out', out], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`error: ${out} holds a run saved at step 20 (checkpoint-20); a new run there would replace it\nhint: continue it with --resume ${out}, train into another folder with --out ${out}-2, or replace it with --overwrite\n`);
    expect(newestWeights(out)).toEqual(saved);
    const replaced = await runCli([...TRAIN, '--steps', '10', '--seed', '2', '--out', out, '--overwrite', '--json'], { env });
    expect(replaced.code).toBe(0);
    expect(replaced.stderr).toContain(`note: --overwrite: removed the run that was saved in ${out}`);
    expect(readdirSync(out).sort()).toEqual(['checkpoint-10', 'loss.svg', 'metrics.jsonl']);
  });

  it('refuses a run folder saved before run folders existed (checkpoint files at the top), and resumes it', async () => {
    const out = join(dir, 'legacy');
    expect((await runCli([...TRAIN, '--steps', '10', '--out', join(dir, 'legacy-src')], { env })).code).toBe(0);
    cpSync(join(dir, 'legacy-src', 'checkpoint-10'), out, { recursive: true });
    const again = await runCli([...TRAIN, '--steps', '10', '--out', out], { env });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`error: ${out} holds a checkpoint; a new run there would replace it`);
    const resumed = await runCli(['train', '--resume', out, '--steps', '15', '--samples', '0'], { env });
    expect(resumed.code).toBe(0);
    expect(readdirSync(out)).toContain('checkpoint-15');
  });

  it('refuses --out that is a file', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const result = await runCli([...TRAIN, '--out', file], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: --out ${file} is a file, not a folder\nhint: give --out a folder (it is created when missing)\n`);
  });

  it('leaves no empty folder behind when a run cannot start', async () => {
    const out = join(dir, 'never');
    const result = await runCli(['train', '--data', join(dir, 'missing.txt'), '--out', out], { env });
    expect(result.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe('resuming from a checkpoint folder', () => {
  it('continues in its run folder, and refuses to mix with later checkpoints unless --overwrite', async () => {
    const out = join(dir, 'timeline');
    expect((await runCli([...TRAIN, '--steps', '30', '--ckpt-every', '10', '--keep-checkpoints', '0', '--out', out], { env })).code).toBe(0);
    expect(readdirSync(out).filter((n) => n.startsWith('checkpoint-')).sort()).toEqual(['checkpoint-10', 'checkpoint-20', 'checkpoint-30']);
    const refused = await runCli(['train', '--resume', join(out, 'checkpoint-10'), '--samples', '0'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`error: ${out} has checkpoints after step 10, where this run resumes (checkpoint-20, checkpoint-30)`);
    const redone = await runCli(['train', '--resume', join(out, 'checkpoint-10'), '--samples', '0', '--overwrite', '--keep-checkpoints', '0', '--json'], { env });
    expect(redone.code).toBe(0);
    expect(redone.stderr).toContain(`note: --overwrite: removed checkpoint-20, checkpoint-30 from ${out}`);
    expect(jsonLines(redone.stdout).at(-1)).toMatchObject({ done: true, step: 30, out });
  });
});
