// Sums the Vitest JSON reports that `pnpm test` left in each workspace package and prints the one line CI reads:
// `N passed, N failed` (plus skipped). Exits 1 when a package with a test script left no report.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
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
  }
}
if (missing.length > 0) console.log(`no test report from: ${missing.join(', ')}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = missing.length > 0 || failed > 0 ? 1 : 0;
