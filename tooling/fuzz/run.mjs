// `pnpm fuzz [--scale N] [--seed S]`: every package's fuzz suites (`*.fuzz.test.ts`) with N times their CI count of
// cases (default 25), through turbo so each package runs its own Vitest.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { scale: { type: 'string', default: '25' }, seed: { type: 'string' } } });
const env = { ...process.env, MICROGPT_FUZZ_SCALE: values.scale };
if (values.seed !== undefined) env.MICROGPT_FUZZ_SEED = values.seed;
process.stderr.write(`fuzz: scale ${env.MICROGPT_FUZZ_SCALE}, seed ${env.MICROGPT_FUZZ_SEED ?? 'default (20261203)'}\n`);
const result = spawnSync('pnpm', ['exec', 'turbo', 'run', 'fuzz', '--continue', '--output-logs=new-only'], { stdio: 'inherit', env, shell: process.platform === 'win32' });
process.exitCode = result.status ?? 1;
