// Sums the Vitest JSON reports that `pnpm test` left in each workspace package and prints the one line CI reads:
// `N passed, N failed, N skipped`. Exits 1 when a package with a test script left no report, when a test failed,
// or when a test was skipped: every suite must run here (test data lives in the repo, .ci/run installs the
// browser), so a skip is a test that did not run. `--allow-skips` accepts skips (for machines without a browser).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const allowSkips = process.argv.includes('--allow-skips');
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
const skippedTests = [];
for (const group of ['packages', 'apps', 'tooling']) {
  if (!existsSync(group)) continue;
  for (const name of readdirSync(group)) {
    const dir = join(group, name);
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest) || !JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test) continue;
    const report = join(dir, '.vitest-results.json');
    if (!existsSync(report)) {
      missing.push(dir);
      continue;
    }
    const results = JSON.parse(readFileSync(report, 'utf8'));
    passed += results.numPassedTests;
    failed += results.numFailedTests;
    skipped += results.numPendingTests + results.numTodoTests;
    // A test file that fails to load runs no test; count it as a failure so it cannot hide.
    failed += results.testResults.filter((file) => file.status === 'failed' && file.assertionResults.length === 0).length;
    for (const file of results.testResults) {
      for (const test of file.assertionResults) if (test.status === 'pending' || test.status === 'skipped' || test.status === 'todo') skippedTests.push(`${dir}: ${test.fullName}`);
    }
  }
}
if (missing.length > 0) console.log(`no test report from: ${missing.join(', ')}`);
if (skippedTests.length > 0) console.log(`skipped (${allowSkips ? 'allowed by --allow-skips' : 'not allowed: every suite must run here'}):\n  ${skippedTests.slice(0, 20).join('\n  ')}${skippedTests.length > 20 ? `\n  … and ${skippedTests.length - 20} more` : ''}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = missing.length > 0 || failed > 0 || (skipped > 0 && !allowSkips) ? 1 : 0;
