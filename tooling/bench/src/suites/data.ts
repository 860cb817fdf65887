// Where the benchmarks find real text: $MICROGPT_DATA, then ../shared/datasets beside the repo, then the CLI's
// cache (~/.cache/microgpt or $MICROGPT_CACHE). A suite that needs a file it cannot find skips those rows with
// a note rather than downloading.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { progress } from '../harness';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Candidate paths for a dataset file, in order. */
function candidates(file: string): string[] {
  const dirs = [process.env.MICROGPT_DATA, join(REPO_ROOT, '..', 'shared', 'datasets'), process.env.MICROGPT_CACHE ?? join(homedir(), '.cache', 'microgpt')];
  return dirs.filter((d): d is string => typeof d === 'string' && d.length > 0).map((d) => join(d, file));
}

/** The path of `file` (names.txt, tinyshakespeare.txt), or null with a note on stderr. */
export function datasetPath(file: string): string | null {
  const found = candidates(file).find((p) => existsSync(p));
  if (!found) progress(`bench: ${file} not found (looked in ${candidates(file).join(', ')}); skipping the rows that need it`);
  return found ?? null;
}

/** The text of `file`, or null (see datasetPath). */
export function datasetText(file: string): string | null {
  const path = datasetPath(file);
  return path ? readFileSync(path, 'utf8') : null;
}

/** Peak resident memory of this process so far, in MB (the rows' `rss_mb`: suites share one process). */
export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}
