// The browser of the docs tests: Debian's Chromium (or $MICROGPT_CHROMIUM) driven by playwright-core, opening a
// page that reports its outcome in <body data-result> (JSON) or <body data-error> (see pages/report.ts).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** The browser: $MICROGPT_CHROMIUM, else Debian's (`.ci/run` installs it). */
export const CHROMIUM = process.env.MICROGPT_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium without the network's noise; `--disable-gpu` leaves WebGPU off unless `--enable-unsafe-webgpu` is added. */
export const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'];

/**
 * Fails, saying what to install, when there is no Chromium: these tests never skip (CI installs it).
 * @throws Error naming the path looked at and how to get a browser there.
 */
export function requireChromium(what: string): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${what} needs a Chromium at ${CHROMIUM} (apt-get install chromium, or set MICROGPT_CHROMIUM)`);
}

/** What a page reported, and what else happened while it ran. */
export interface PageOutcome {
  /** The parsed <body data-result>, or undefined when the page reported an error instead. */
  readonly result: unknown;
  /** <body data-error> (`Name: message`), or undefined when the page reported a result. */
  readonly error: string | undefined;
  /** Uncaught errors and console errors, in order. */
  readonly problems: readonly string[];
  /** Every URL the page and its workers requested. */
  readonly requested: readonly string[];
}

/**
 * Opens `url` in a new headless Chromium with `extraArgs` and waits (up to `timeoutMs`) for the page to report.
 * @throws Error when the page neither reports nor throws within the time, with the problems seen so far.
 */
export async function openPage(url: string, extraArgs: readonly string[] = [], timeoutMs = 300_000): Promise<PageOutcome> {
  requireChromium(url);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...BROWSER_ARGS, ...extraArgs] });
  const problems: string[] = [];
  const requested: string[] = [];
  try {
    const page = await browser.newPage();
    let uncaught: (() => void) | null = null;
    const thrown = new Promise<void>((resolve) => (uncaught = resolve));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => {
      problems.push(`page: ${error.message}`);
      uncaught?.();
    });
    page.on('request', (request) => requested.push(request.url()));
    await page.goto(url);
    const reported = page.waitForFunction(() => document.body.dataset.result !== undefined || document.body.dataset.error !== undefined, null, { timeout: timeoutMs, polling: 100 });
    try {
      await Promise.race([reported, thrown]);
    } catch (error) {
      throw new Error(`${url} reported nothing within ${timeoutMs / 1000} s; problems: ${JSON.stringify(problems)}`, { cause: error });
    }
    const [result, error] = await page.evaluate(() => [document.body.dataset.result, document.body.dataset.error]);
    return { result: result === undefined ? undefined : JSON.parse(result), error, problems, requested };
  } finally {
    await browser.close();
  }
}
