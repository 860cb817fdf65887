// The playground's training speed in Chromium beside the same worker code in Node: shakespeare-cpu on Tiny
// Shakespeare (character tokens) for STEPS steps on 1 and 2 threads. The browser rows drive the built page the
// way a visitor does (paste the text, pick the preset, Start) and read the tokens/s it shows at the end; the Node
// rows run the playground's worker controller on the wasm backend and take the same figure from its last step
// event. Both are tokens over the run's step time (evaluations excluded), first steps included; each figure is the
// median of ROUNDS runs. A `chromium-webgpu` row trains the same run in the page on WebGPU, in a Chromium started
// with --enable-unsafe-webgpu: its `adapter` field names the adapter (`adapter.info`, asked in the page), and on a software
// adapter (SwiftShader, where there is no GPU) `correctnessOnly` says the figure is not a speed; it measures SOFTWARE_STEPS
// steps once (SwiftShader runs the GPU's work on the CPU: a step with its evaluation took about a minute in Chromium on
// the loaded 2-core development machine). Then the relaxed-SIMD matmul race of `matmul-fma` runs in Chromium too
// (browser-matmul.ts): `matmul-512` GFLOP/s rows for our two wasm modules at 1 and 2 threads and tfjs-wasm.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { adapterName, isSoftwareAdapter } from '@microgpt/backend-webgpu';
import type { RunSpec, WorkerEvent } from '@microgpt/playground/protocol';
import { createController } from '@microgpt/playground/worker';
import { createWasmBackend } from '@microgpt/tensor';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type PreviewServer, build, preview } from 'vite';
import { type Emit, type Measurement, median, progress } from '../harness';
import { chromiumMatmulRows } from './browser-matmul';
import { datasetText } from './data';
import type { Suite } from './suite';

const CHROMIUM = '/usr/bin/chromium';
const APP = fileURLToPath(new URL('../../../../apps/playground/', import.meta.url));
const STEPS = 100;
const THREADS = [1, 2] as const;
const ROUNDS = 3;
const SOFTWARE_STEPS = 2;
const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Gives WebGPU an adapter even with --disable-gpu: the GPU where Chromium supports one, else SwiftShader. */
const WEBGPU_ARGS = [...BROWSER_ARGS, '--enable-unsafe-webgpu'];

function runSpec(text: string, threads: number): RunSpec {
  return {
    preset: 'shakespeare-cpu',
    data: { text, documents: false, source: 'tinyshakespeare.txt' },
    tokenizer: { kind: 'char' },
    model: { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64 },
    lr: 1e-3,
    batchSize: 12,
    steps: STEPS,
    threads,
    sampleEvery: 0,
    seed: 1337,
  };
}

function report(emit: Emit, impl: string, threads: number, tokensPerSecond: number, steps = STEPS, adapter?: WebGPURowAdapter): void {
  emit({ suite: 'browser', name: `shakespeare-cpu-train-${steps}-steps`, impl, threads, metric: 'tokens_per_s', value: Math.round(tokensPerSecond), unit: 'tokens/s', ...adapter });
}

/** The playground's worker controller in Node: tokens/s of its last step event. */
async function nodeTokensPerSecond(text: string, threads: number): Promise<number> {
  const backend = await createWasmBackend({ threads: 2 });
  let last = 0;
  const controller = createController(backend, (event: WorkerEvent) => {
    if (event.type === 'step') last = event.tokensPerSecond;
    if (event.type === 'error') throw new Error(event.message);
  }, 2);
  await controller.handle({ type: 'start', run: runSpec(text, threads) });
  backend.dispose();
  return last;
}

/** The built playground in Chromium, with Tiny Shakespeare picked as a local file and the preset chosen. */
async function openPlayground(browser: Browser, url: string, text: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(url);
  await page.locator('input[name="data"][value="file"]').check();
  await page.locator('#data-file').setInputFiles({ name: 'tinyshakespeare.txt', mimeType: 'text/plain', buffer: Buffer.from(text) });
  await page.locator('#data-documents').uncheck();
  await page.locator('#preset').selectOption('shakespeare-cpu');
  return page;
}

/** One run of `steps` steps in the page on `backend` (threads for wasm only): the tokens/s it shows when done. */
async function browserTokensPerSecond(page: Page, threads: number, backend: 'wasm' | 'webgpu' = 'wasm', steps = STEPS): Promise<number> {
  await page.locator('#backend').selectOption(backend);
  await page.locator('#steps').fill(String(steps));
  await page.locator('#sample-every').fill('0');
  if (backend === 'wasm') await page.locator('#threads').fill(String(threads));
  await page.locator('#start').click({ timeout: 60_000 });
  await page.locator('#stat-status', { hasText: 'training' }).waitFor({ timeout: 60_000 });
  await page.locator('#stat-status', { hasText: 'ready' }).waitFor({ timeout: 600_000 });
  const error = await page.locator('#error').textContent();
  if (error) throw new Error(`bench: browser: the page says ${error}`);
  return Number(((await page.locator('#stat-speed').textContent()) ?? '').replace(/[^0-9.]/g, ''));
}

/** The adapter WebGPU gives the page (its `adapter.info`, read in the page and named here), or null when it gives none. */
async function pageAdapter(page: Page): Promise<{ name: string; software: boolean } | null> {
  const info = await page.evaluate(async () => {
    const adapter = await (navigator as { gpu?: GPU }).gpu?.requestAdapter();
    if (!adapter) return null;
    const { vendor, architecture, device, description, isFallbackAdapter } = adapter.info;
    return { vendor, architecture, device, description, isFallbackAdapter };
  });
  return info && { name: adapterName(info), software: isSoftwareAdapter(info) };
}

/**
 * The run on WebGPU in a Chromium of its own: tokens/s (median of ROUNDS runs on a GPU, one run on a software
 * adapter) and the adapter that ran it; null, with a line on stderr, when the page gets no adapter.
 */
async function webgpuRow(url: string, text: string): Promise<{ value: number; steps: number; adapter: WebGPURowAdapter } | null> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: WEBGPU_ARGS });
  try {
    const page = await openPlayground(browser, url, text);
    const adapter = await pageAdapter(page);
    if (!adapter) {
      progress(`bench: browser: Chromium ${WEBGPU_ARGS.join(' ')} gives the page no WebGPU adapter; no chromium-webgpu row`);
      return null;
    }
    await page.locator('#backend option[value="webgpu"]:not([disabled])').waitFor({ state: 'attached', timeout: 60_000 });
    const steps = adapter.software ? SOFTWARE_STEPS : STEPS;
    const values: number[] = [];
    for (let round = 1; round <= (adapter.software ? 1 : ROUNDS); round++) values.push(await browserTokensPerSecond(page, 1, 'webgpu', steps));
    return { value: median(values), steps, adapter: { adapter: adapter.name, correctnessOnly: adapter.software } };
  } finally {
    await browser.close();
  }
}

/** The fields of a WebGPU row that say which adapter ran it and whether it was a software one. */
type WebGPURowAdapter = Required<Pick<Measurement, 'adapter' | 'correctnessOnly'>>;

export const browserSuite: Suite = {
  name: 'browser',
  description: `the playground training shakespeare-cpu for ${STEPS} steps in Chromium (wasm in a Web Worker) beside the same worker code in Node, 1 and 2 threads, median of ${ROUNDS} interleaved rounds; then on WebGPU in the page, naming the adapter, and the 512³ matmul-fma race in Chromium (needs ${CHROMIUM}; minutes)`,
  async run(emit: Emit) {
    const text = datasetText('tinyshakespeare.txt');
    if (!text) return;
    const hasChromium = existsSync(CHROMIUM);
    if (!hasChromium) progress(`bench: browser: ${CHROMIUM} not found (apt-get install chromium); only the Node rows`);
    const results = new Map<string, number[]>();
    const record = (impl: string, threads: number, value: number): void => {
      const key = `${impl}/${threads}`;
      results.set(key, [...(results.get(key) ?? []), value]);
    };
    let server: PreviewServer | null = null;
    let browser: Browser | null = null;
    let webgpu: Awaited<ReturnType<typeof webgpuRow>>;
    try {
      let page: Page | null = null;
      if (hasChromium) {
        await build({ root: APP, logLevel: 'warn' });
        server = await preview({ root: APP, logLevel: 'warn', preview: { host: '127.0.0.1', port: 4173, strictPort: false } });
        browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
        page = await openPlayground(browser, server.resolvedUrls!.local[0]!, text);
      }
      // Rounds alternate Node and Chromium so a slow spell on the shared machine falls on both.
      for (let round = 1; round <= ROUNDS; round++) {
        for (const threads of THREADS) {
          record('node', threads, await nodeTokensPerSecond(text, threads));
          if (page) record('chromium', threads, await browserTokensPerSecond(page, threads));
        }
        progress(`bench: browser: round ${round} of ${ROUNDS}`);
      }
      webgpu = server ? await webgpuRow(server.resolvedUrls!.local[0]!, text) : null;
      if (browser) await chromiumMatmulRows(browser, emit);
    } finally {
      await browser?.close();
      await server?.close();
    }
    for (const [key, values] of results) {
      const [impl, threads] = key.split('/') as [string, string];
      report(emit, impl, Number(threads), median(values));
    }
    if (webgpu) report(emit, 'chromium-webgpu', 1, webgpu.value, webgpu.steps, webgpu.adapter);
  },
};
