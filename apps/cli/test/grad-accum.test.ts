import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readShakespeare } from '@microgpt/test-data';
import { cliEnv, jsonLines, runCli, tempDir } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const data = join(dir, 'text.txt');
writeFileSync(data, readShakespeare().slice(0, 30_000));
const RUN = ['--preset', 'shakespeare-cpu', '--data', data, '--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--dropout', '0', '--dtype', 'float64', '--steps', '4', '--log-every', '1', '--samples', '0', '--json'];

describe('train --grad-accum', () => {
  it('--batch 2 --grad-accum 3 trains as --batch 6 (the same windows, losses equal in float64), reporting the batch in tokens', async () => {
    const big = await runCli(['train', ...RUN, '--batch', '6', '--out', join(dir, 'big')], { env });
    const accumulated = await runCli(['train', ...RUN, '--batch', '2', '--grad-accum', '3', '--out', join(dir, 'accum')], { env });
    expect(big.code).toBe(0);
    expect(accumulated.code).toBe(0);
    const steps = (stdout: string): Record<string, unknown>[] => jsonLines(stdout).filter((line) => typeof line.loss === 'number' && line.done === undefined);
    const a = steps(big.stdout);
    const b = steps(accumulated.stdout);
    expect(b).toHaveLength(4);
    b.forEach((line, i) => {
      expect(line.batch_tokens).toBe(6 * 16);
      expect(Math.abs((line.loss as number) - (a[i]!.loss as number))).toBeLessThan(1e-12);
    });
    expect(accumulated.stderr).toContain('batch 2 × 3 micro-batches = 6 sequences (up to 96 tokens)');
    const resumed = await runCli(['train', '--resume', join(dir, 'accum'), '--grad-accum', '2'], { env });
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain('--resume continues the saved run, so it cannot change --grad-accum');
  });
});
