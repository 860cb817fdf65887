// SIGKILL at 50 random moments of a run that saves a checkpoint every step: after every kill the newest
// checkpoint loads with its training state, and every checkpoint left in the folder is byte for byte the one an
// uninterrupted run saved at that step (weights, config, tokenizer, optimizer and trainer state of one step).
// The chain of killed runs is resumed each time, and finishes bit-identical to the uninterrupted run.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '@microgpt/model/node';
import { PythonRandom } from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { cliEnv, namesFile, runCli, startCli, tempDir } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const data = namesFile(dir);
const STEPS = 600;
const KILLS = 50;
const RUN = ['train', '--data', data, '--steps', String(STEPS), '--ckpt-every', '1', '--samples', '0', '--json', '--log-every', '1'];
const FILES = ['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json', 'trainer_state.json'];

/** The steps of the checkpoint folders in `out`, ascending. */
function checkpointSteps(out: string): number[] {
  return readdirSync(out)
    .filter((name) => /^checkpoint-\d+$/.test(name))
    .map((name) => Number(name.slice('checkpoint-'.length)))
    .sort((a, b) => a - b);
}

/** Starts a run (or resumes it), waits for its first step line, lets it run a random moment, kills it. */
async function killSomewhere(args: string[], delayMs: number): Promise<{ killed: boolean; code: number | null }> {
  const child = startCli(args, { env });
  child.stderr.resume();
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => { resolve(code); }));
  let output = '';
  const stepping = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"step":')) resolve();
    });
  });
  const first = await Promise.race([stepping.then(() => 'stepping' as const), closed.then(() => 'closed' as const)]);
  if (first === 'closed') return { killed: false, code: await closed };
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const killed = child.kill('SIGKILL');
  const code = await closed;
  return { killed: killed && code === null, code };
}

describe('SIGKILL during --ckpt-every 1', () => {
  it(`leaves a loadable, consistent checkpoint every time (${KILLS} kills), and the resumed chain ends as the uninterrupted run`, async () => {
    const reference = join(dir, 'reference');
    expect((await runCli([...RUN, '--keep-checkpoints', '0', '--out', reference], { env })).code).toBe(0);
    expect(checkpointSteps(reference)).toHaveLength(STEPS);
    const same = (out: string, step: number): void => {
      for (const file of FILES) expect(readFileSync(join(out, `checkpoint-${step}`, file)), `checkpoint-${step}/${file}`).toEqual(readFileSync(join(reference, `checkpoint-${step}`, file)));
    };

    const out = join(dir, 'killed');
    const rng = new PythonRandom(15);
    let kills = 0;
    let midSave = 0;
    let newest = 0;
    for (let round = 0; kills < KILLS; round++) {
      expect(round).toBeLessThan(KILLS * 3); // the chain must not finish the run before the kills are done
      const args = newest > 0 ? ['train', '--resume', out, '--json', '--log-every', '1', '--samples', '0'] : [...RUN, '--out', out];
      const { killed, code } = await killSomewhere(args, rng.random() * 30);
      if (!killed) {
        expect(code).toBe(0);
        break;
      }
      kills++;
      if (readdirSync(out).some((name) => name.includes('.tmp-'))) midSave++;
      const steps = checkpointSteps(out);
      if (newest > 0) expect(steps.at(-1)).toBeGreaterThanOrEqual(newest); // nothing saved is ever lost
      for (const step of steps) same(out, step);
      if (steps.length === 0) continue; // killed before its first checkpoint: nothing to check yet
      newest = steps.at(-1)!;
      const checkpoint = await loadCheckpoint(out, { backend: 'js', requireTrainingState: true });
      expect((checkpoint.trainerState as { step: number }).step).toBe(newest);
      expect(checkpoint.optimizer!.step).toBe(newest);
    }
    expect(kills).toBe(KILLS);
    // Saving is most of a step here, so many kills land inside a save (they leave its temp folder behind).
    expect(midSave).toBeGreaterThanOrEqual(5);
    const finish = await runCli(['train', '--resume', out, '--json', '--samples', '0'], { env });
    expect(finish.code).toBe(0);
    expect(finish.stderr).toContain('which is no longer running'); // the last kill's lock, taken over
    expect(checkpointSteps(out).at(-1)).toBe(STEPS);
    same(out, STEPS);
    expect(readdirSync(out).filter((name) => name.includes('.tmp-'))).toEqual([]); // temp folders of killed saves were removed
  }, 600_000);
});
