// `pnpm bench [SUITE…]`: runs the named suites (when none, all but those that run only when named) and prints one
// JSON line per measurement (`--table`: an aligned line each, as `microgpt bench` shows them). `pnpm bench --list`
// prints the suites.
import { parseArgs } from 'node:util';
import { printMeasurement, printMeasurementLine, progress } from './harness';
import { SUITES } from './suites/index';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { list: { type: 'boolean', default: false }, table: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help || values.list) {
    process.stdout.write(`usage: pnpm bench [--table] [SUITE…]\nsuites:\n${SUITES.map((s) => `  ${s.name.padEnd(12)} ${s.description}${s.onlyWhenNamed ? ' (only when named)' : ''}`).join('\n')}\n`);
    return 0;
  }
  const unknown = positionals.filter((name) => !SUITES.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown suite ${unknown.join(', ')}; suites: ${SUITES.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const chosen = positionals.length === 0 ? SUITES.filter((s) => !s.onlyWhenNamed) : SUITES.filter((s) => positionals.includes(s.name));
  for (const suite of chosen) {
    progress(`bench: ${suite.name}: ${suite.description}`);
    await suite.run(values.table ? printMeasurementLine : printMeasurement);
  }
  return 0;
}

process.exitCode = await main();
