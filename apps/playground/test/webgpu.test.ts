// The built page on WebGPU in Debian's Chromium: launched with --enable-unsafe-webgpu, headless Chromium on a
// machine without a GPU gives its SwiftShader adapter (Vulkan on the CPU) to the page and to its dedicated worker.
// The page names the adapter; the names preset trains a few steps on WebAssembly and then on WebGPU with the same
// seed and settings, and every step's loss agrees within 1e-3; the WebGPU model then samples, inspects and
// generates. The losses are read from the worker's step events (an init script listens beside the page).
import { type Browser, type Page, chromium } from 'playwright-core';
import { type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP, BROWSER_ARGS, CHROMIUM, SKIP, requireFiles } from './chromium';

/** What makes Chromium give WebGPU an adapter (SwiftShader where there is no GPU), even with --disable-gpu. */
const WEBGPU_ARGS = [...BROWSER_ARGS, '--enable-unsafe-webgpu'];
const STEPS = 20;
/** Per-step agreement of the two backends' batch losses (the backend's own 20-step test holds the same bound). */
const LOSS_TOLERANCE = 1e-3;

declare global {
  interface Window {
    /** [step, loss] of every step event the worker sent since the last reset. */
    stepLosses: [number, number][];
  }
}

describe.skipIf(SKIP)('playground on WebGPU in Chromium', () => {
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    requireFiles();
    server = await preview({ root: APP, logLevel: 'warn', preview: { host: '127.0.0.1', port: 4173, strictPort: false } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: WEBGPU_ARGS });
    page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    // Every Worker the page makes also reports its step events here: the page's own code is unchanged.
    await page.addInitScript(() => {
      const Native = window.Worker;
      window.stepLosses = [];
      window.Worker = class extends Native {
        constructor(url: string | URL, options?: WorkerOptions) {
          super(url, options);
          this.addEventListener('message', (event: MessageEvent<{ type: string; losses?: [number, number][] }>) => {
            if (event.data.type === 'step') window.stepLosses.push(...event.data.losses!);
          });
        }
      };
    });
    await page.goto(server.resolvedUrls!.local[0]!);
  });

  afterAll(async () => {
    await (browser as Browser | undefined)?.close();
    await (server as PreviewServer | undefined)?.close();
  });

  /** Trains the names preset for STEPS steps on `backend` and returns its [step, loss] pairs. */
  async function train(backend: 'wasm' | 'webgpu'): Promise<[number, number][]> {
    await page.locator('#backend').selectOption(backend);
    await page.locator('#steps').fill(String(STEPS));
    await page.locator('#sample-every').fill('0');
    if (backend === 'wasm') await page.locator('#threads').fill('1');
    await page.evaluate(() => {
      window.stepLosses = [];
    });
    await expect.poll(() => page.locator('#start').isEnabled(), { timeout: 30_000 }).toBe(true);
    await page.locator('#start').click();
    await expect.poll(() => page.locator('#stat-status').textContent(), { timeout: 30_000 }).toBe('training');
    await expect.poll(() => page.locator('#stat-status').textContent(), { timeout: 240_000 }).toBe('ready');
    expect(await page.locator('#error').isHidden(), (await page.locator('#error').textContent()) ?? '').toBe(true);
    return page.evaluate(() => window.stepLosses);
  }

  it('names the adapter, trains on WebGPU with the losses of a wasm run, and samples from the model', async () => {
    const note = page.locator('#backend-note');
    await expect.poll(() => note.textContent(), { timeout: 30_000 }).not.toBe('Looking for a WebGPU adapter…');
    const said = (await note.textContent())!;
    expect(said, `Chromium ${WEBGPU_ARGS.join(' ')} gave the page no WebGPU adapter: ${said}`).toMatch(/^WebGPU adapter: .+\./);
    expect(await page.locator('#backend option[value="webgpu"]').isDisabled()).toBe(false);

    const wasm = await train('wasm');
    expect(await page.locator('#threads').isDisabled()).toBe(false);
    const webgpu = await train('webgpu');
    expect(await page.locator('#threads').isDisabled()).toBe(true);
    // The kernel table is left out on WebGPU (its kernels only queue work on the CPU): the run was not on wasm.
    expect(await page.locator('#profile').textContent()).toBe('Shown when a run on WebAssembly finishes.');
    const steps = Array.from({ length: STEPS }, (_, i) => i + 1);
    expect(wasm.map(([step]) => step)).toEqual(steps);
    expect(webgpu.map(([step]) => step)).toEqual(steps);
    const gaps = webgpu.map(([, loss], i) => Math.abs(loss - wasm[i]![1]));
    for (const [i, gap] of gaps.entries()) expect(gap, `step ${i + 1}: webgpu ${webgpu[i]![1]} vs wasm ${wasm[i]![1]}`).toBeLessThanOrEqual(LOSS_TOLERANCE);
    // The model the GPU trained samples at the end of the run, and draws the attention and next-token bars.
    expect(await page.locator('#samples li').count()).toBe(5);
    await page.locator('#inspect').click();
    await expect.poll(() => page.locator('#next-token li').count(), { timeout: 60_000 }).toBe(10);
    await page.locator('#gen-max').fill('20');
    await page.locator('#generate').click();
    await expect.poll(() => page.locator('#generated-note').textContent(), { timeout: 60_000 }).toMatch(/\d+ tokens/);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(problems).toEqual([]);
  });
});
