// The examples/ folder as a user meets it: each example copied into an empty folder, its README's commands run
// against the packed packages (small settings), and the browser example opened in Chromium (playwright-core
// driving $MICROGPT_CHROMIUM, else Debian's /usr/bin/chromium, which `.ci/run` installs: see chromium.ts).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { BROWSER_ARGS, CHROMIUM, requireChromium } from './chromium';
import { initProject, npmInstall } from './npm-install';
import { runTutorial } from './run-tutorial';
import { serveFolder } from './static-server';
import { REPO_ROOT } from './workspace';

const tarballs = inject('tarballs');
const work: string[] = [];
afterAll(() => {
  for (const dir of work) rmSync(dir, { recursive: true, force: true });
});

/** A copy of examples/<name> in a new temp folder. */
function copyOf(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `microgpt-example-${name}-`));
  work.push(dir);
  cpSync(join(REPO_ROOT, 'examples', name), dir, { recursive: true });
  return dir;
}

/** The output of the README's last command (the run itself). */
function runReadme(name: string): string {
  const dir = copyOf(name);
  const { commands } = runTutorial(readFileSync(join(dir, 'README.md'), 'utf8'), dir, tarballs);
  return commands.at(-1)!.output;
}

describe('examples/word-shakespeare', () => {
  it('tokenizes by words, trains with a falling validation loss, samples and saves', () => {
    const out = runReadme('word-shakespeare');
    expect(out).toMatch(/1,115,394 characters → [\d,]+ word tokens, vocabulary 4000/);
    const val = [...out.matchAll(/validation loss ([\d.]+)/g)].map((m) => Number(m[1]));
    expect(val).toHaveLength(4);
    expect(val.at(-1)!).toBeLessThan(val[0]!);
    const [, first, last] = /loss ([\d.]+) → ([\d.]+)/.exec(out)!;
    expect(Number(last)).toBeLessThan(Number(first) - 1);
    expect(out).toMatch(/^ROMEO:/m);
    expect(out).toContain('saved to runs/words');
  });
});

describe('examples/stream-token-file', () => {
  it('trains BPE from the stream, writes the token file, and trains through a window', () => {
    const out = runReadme('stream-token-file');
    expect(out).toContain('input.txt: 1,115,394 bytes; BPE trained from the stream: 512 tokens');
    const tokens = Number(/input\.txt\.tok: ([\d,]+) tokens/.exec(out)?.[1]?.replace(/,/g, ''));
    expect(tokens).toBeGreaterThan(400_000);
    expect(tokens).toBeLessThan(1_115_394);
    const [, first, last] = /loss ([\d.]+) → ([\d.]+)/.exec(out)!;
    expect(Number(last)).toBeLessThan(Number(first) - 0.5);
  });
});

describe('examples/browser', () => {
  it('trains in a plain page in Chromium: the loss falls, five names come out, no console errors', async () => {
    requireChromium('examples/browser');
    const dir = copyOf('browser');
    initProject(dir);
    npmInstall(dir, ['@microgpt/model', '@microgpt/tokenizer', '@microgpt/tensor'], tarballs);
    const server = await serveFolder(dir);
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
    const problems: string[] = [];
    try {
      const page = await browser.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
      await page.goto(`${server.origin}/?steps=150`);
      await page.waitForSelector('body[data-result]', { timeout: 300_000 });
      const result = JSON.parse((await page.getAttribute('body', 'data-result'))!) as { backend: string; steps: number; firstLosses: number; lastLosses: number; samples: string[] };
      expect(problems).toEqual([]);
      expect(result.backend).toBe('wasm');
      expect(result.steps).toBe(150);
      expect(result.firstLosses).toBeGreaterThan(3);
      expect(result.lastLosses).toBeLessThan(result.firstLosses - 0.8);
      expect(result.samples).toHaveLength(5);
      expect(await page.locator('#log').textContent()).toMatch(/step 150\/150: loss [\d.]+/);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
