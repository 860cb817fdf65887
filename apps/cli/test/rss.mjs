// Preloaded into a CLI child by the fuzz suite: at exit, writes the process's peak resident memory (KiB) to the
// file named by MICROGPT_TEST_RSS_FILE, so the suite can check that no command line made it allocate without bound.
import { writeFileSync } from 'node:fs';

const file = process.env.MICROGPT_TEST_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
