// A disk that fills up during training: on a small tmpfs when this machine lets the test mount one (root on
// Linux), else with every write failing with ENOSPC from a chosen moment (full-disk.mjs). The save that hits the
// full disk fails with a message naming the last complete checkpoint, which is kept, loadable and consistent;
// once space is freed, --resume continues from it.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint } from '@microgpt/model/node';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, cliEnv, namesFile, runCli, tempDir } from './cli';

const dir = tempDir();
const data = namesFile(dir);
const disk = join(dir, 'disk');
mkdirSync(disk);
const mounted = process.platform === 'linux' && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', disk]).status === 0;
afterAll(() => {
  if (mounted) spawnSync('umount', [disk]);
});
const trigger = join(dir, 'disk-is-full');
const env = cliEnv(join(dir, 'cache'), mounted ? {} : { MICROGPT_TEST_DISK_FULL: trigger });
const preload = mounted ? [] : ['--import', fileURLToPath(new URL('./full-disk.mjs', import.meta.url))];

/** Fills what is left of the disk (or, without a tmpfs, makes every later write fail). */
function fillDisk(): void {
  if (!mounted) {
    writeFileSync(trigger, '');
    return;
  }
  const fd = openSync(join(disk, 'filler'), 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

function freeDisk(): void {
  rmSync(mounted ? join(disk, 'filler') : trigger, { force: true });
}

const steps = (out: string): number[] => readdirSync(out).filter((n) => /^checkpoint-\d+$/.test(n)).map((n) => Number(n.slice(11))).sort((a, b) => a - b);

describe(`a full disk during training (${mounted ? 'a 4 MB tmpfs' : 'injected ENOSPC'})`, () => {
  it('keeps the last complete checkpoint, says so, and resumes once there is space', async () => {
    const out = join(disk, 'run');
    const child = spawn(process.execPath, [...preload, CLI, 'train', '--data', data, '--steps', '300', '--ckpt-every', '1', '--samples', '0', '--out', out], { env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.resume();
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (!existsSync(join(out, 'checkpoint-5'))) await new Promise((resolve) => setTimeout(resolve, 5));
    fillDisk();
    const code = await closed;
    expect(code).toBe(1);
    const saved = steps(out);
    const last = saved.at(-1)!;
    expect(last).toBeGreaterThanOrEqual(5);
    // The full disk shows in the metrics log's append or in the checkpoint's files, whichever is written first.
    expect(stderr).toMatch(new RegExp(`error: (cannot save checkpoint ${join(out, `checkpoint-${last + 1}`)}|cannot append to ${join(out, 'metrics.jsonl')}): ENOSPC: no space left on device`));
    expect(stderr).toContain(`the last complete checkpoint, ${join(out, `checkpoint-${last}`)} (step ${last}), is kept`);
    expect(stderr).toContain(`hint: free some disk space (or train into a folder on another disk with --out), then continue with: microgpt train --resume ${out}`);
    expect(stderr).not.toMatch(/\n\s+at |internal error/);
    expect(readdirSync(out).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const checkpoint = await loadCheckpoint(out, { backend: 'js', requireTrainingState: true });
    expect((checkpoint.trainerState as { step: number }).step).toBe(last);
    expect(checkpoint.optimizer!.step).toBe(last);

    freeDisk();
    const resumed = await runCli(['train', '--resume', out, '--samples', '0', '--json'], { env });
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`resuming at step ${last} of 300`);
    expect(steps(out).at(-1)).toBe(300);
  });
});
