// The built page in Debian's Chromium (playwright-core), served by `vite preview` with the isolation headers,
// offline: it loads without console errors on several threads, trains the names preset (the loss on the page
// falls, samples appear), pauses, draws attention, exports a TensorBoard event file that an independent decoder
// reads, samples from a checkpoint the CLI trains in this run and from a Hugging Face GPT-2 folder picked whole
// (a bad one shows the import's named error). A screenshot of the trained page goes to
// test-results/. The browser is $MICROGPT_CHROMIUM, else Debian's
// /usr/bin/chromium (`.ci/run` installs it). Without one the tests fail and say what to install; they skip only
// when MICROGPT_SKIP_BROWSER=1 asks for it, and then count as skipped (which `.ci/run` does not accept).
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { type Browser, type Download, type Page, chromium } from 'playwright-core';
import { type PreviewServer, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeEvents, decodeSessionStart } from '../../../packages/model/src/tensorboard/decode-events';
import { APP, BROWSER_ARGS, CHROMIUM, CLI, SKIP, kernelBuildsFetched, requireFiles } from './chromium';

/** A GPT-2-layout folder written by PyTorch code following HF's GPT-2 (the model package's import fixture). */
const HF_FIXTURE = join(APP, '..', '..', 'packages', 'model', 'src', 'hf', 'fixtures', 'gpt2-tiny');
const RESULTS = join(APP, 'test-results');
const NAMES = 'emma\nolivia\nava\nisabella\nsophia\nmia\ncharlotte\namelia\nharper\nevelyn\nabigail\nemily\nella\nelizabeth\ncamila\nluna\n'.repeat(20);

if (SKIP) console.warn('playground e2e: skipped because MICROGPT_SKIP_BROWSER=1');

describe.skipIf(SKIP)('playground in Chromium', () => {
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;
  let work: string;
  const problems: string[] = [];
  const requested: string[] = [];

  /** Top and height of every card, rounded to pixels: what moves when the layout jumps. */
  const layout = (): Promise<number[][]> => page.locator('section.card').evaluateAll((cards) => cards.map((card) => [Math.round(card.getBoundingClientRect().top + scrollY), Math.round(card.getBoundingClientRect().height)]));
  const number = async (id: string): Promise<number> => Number((await page.locator(`#${id}`).textContent())!.split('/')[0]!.replace(/,/g, ''));
  const fill = async (id: string, value: string): Promise<void> => {
    await page.locator(`#${id}`).fill(value);
  };

  beforeAll(async () => {
    requireFiles();
    work = await mkdtemp(join(tmpdir(), 'playground-e2e-'));
    server = await preview({ root: APP, logLevel: 'warn', preview: { host: '127.0.0.1', port: 4173, strictPort: false } });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    // Offline: anything but the preview server is refused, so a request to the network would fail the page.
    const origin = new URL(server.resolvedUrls!.local[0]!).origin;
    await context.route('**/*', (route) => {
      requested.push(route.request().url());
      return route.request().url().startsWith(origin) || route.request().url().startsWith('blob:') ? route.continue() : route.abort();
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    await page.goto(server.resolvedUrls!.local[0]!);
  });

  afterAll(async () => {
    // Set only when beforeAll got that far (it fails first when a browser or a build is missing).
    await (browser as Browser | undefined)?.close();
    await (server as PreviewServer | undefined)?.close();
    if ((work as string | undefined) !== undefined) await rm(work, { recursive: true, force: true });
  });

  it('loads without console errors, cross-origin isolated, with the names preview tokenized', async () => {
    await expect.poll(() => page.locator('#threads-note').textContent(), { timeout: 30_000 }).toMatch(/up to \d+ threads/);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // Of the four kernels builds the worker fetched one: relaxed SIMD (Chromium has it) for a shared memory.
    expect(kernelBuildsFetched(requested)).toEqual(['wasm-shared-relaxed-simd']);
    await expect.poll(() => page.locator('#tokens .token').count(), { timeout: 30_000 }).toBeGreaterThan(100);
    expect(await page.locator('#tokens-summary').textContent()).toMatch(/vocabulary of 27\b/);
    // The token list is one tab stop; arrow keys move along it and the detail line names the focused token.
    expect(await page.locator('#tokens .token[tabindex="0"]').count()).toBe(1);
    await page.locator('#tokens .token').first().focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('a');
    expect(await page.locator('#token-detail').textContent()).toMatch(/^a — id \d+ · bytes 61$/);
    // A refreshed preview (here: the tokenizer settings change) keeps the keyboard user's place.
    await page.evaluate(() => {
      (document.activeElement as HTMLElement & { stale?: boolean }).stale = true;
      document.getElementById('tokenizer-vocab')!.dispatchEvent(new Event('change'));
    });
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLElement & { stale?: boolean }).stale !== true && document.activeElement?.classList.contains('token')), { timeout: 30_000 }).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('a');
    expect(await page.locator('#estimate').textContent()).toMatch(/parameters/);
    // Launched without --enable-unsafe-webgpu, Chromium gives no WebGPU adapter: the page says so and offers wasm alone.
    await expect.poll(() => page.locator('#backend-note').textContent(), { timeout: 30_000 }).toBe('WebGPU is not available here: the browser found no WebGPU adapter (no supported GPU, or WebGPU is turned off). Training runs on WebAssembly.');
    expect(await page.locator('#backend option[value="webgpu"]').isDisabled()).toBe(true);
    expect(await page.locator('#backend').inputValue()).toBe('wasm');
    expect(problems).toEqual([]);
  });

  it('trains the names preset for a few hundred steps: the loss shown falls and samples appear', async () => {
    await fill('steps', '400');
    await fill('sample-every', '100');
    await fill('threads', '2');
    const before = await layout();
    await page.locator('#start').click();
    await expect.poll(() => number('stat-step'), { timeout: 30_000 }).toBeGreaterThan(0);
    const during = await layout();
    await expect.poll(() => page.locator('#stat-status').textContent(), { timeout: 120_000 }).toBe('ready');
    // No layout jumps: the cards above the checkpoint card keep their place and size while training and after.
    expect(during.slice(0, 5)).toEqual(before.slice(0, 5));
    expect((await layout()).slice(0, 5)).toEqual(before.slice(0, 5));
    expect(await number('stat-step')).toBe(400);
    const finalLoss = await number('stat-loss');
    const valLoss = await number('stat-val');
    // A fresh model's loss is about ln 27 (uniform over the 27 ids); one batch's loss is noisy, and the first step
    // seen by the poll may come late under load, so the fall is measured from ln 27, not from that step.
    expect(finalLoss).toBeLessThan(Math.log(27) - 0.5);
    expect(valLoss).toBeLessThan(Math.log(27) - 0.5);
    const samples = await page.locator('#samples li').allTextContents();
    expect(samples).toHaveLength(5);
    expect(samples.join('')).toMatch(/^[a-z()\s]+$/);
    // The kernel table of the last step, folded away until opened (so it moves nothing).
    expect(await page.locator('#profile-step').textContent()).toBe('(step 400)');
    await page.locator('.profile-box summary').click();
    expect(await page.locator('#profile').textContent()).toMatch(/^kernel +calls +total ms +share +µs\/call +GFLOP\/s\n(.*\n)*matmul +\d+ /);
    await page.locator('.profile-box summary').click();
    expect(problems).toEqual([]);
  });

  it('draws the attention heatmap and the next-token bars for a prompt', async () => {
    await fill('inspect-prompt', 'em');
    await page.locator('#inspect').click();
    await expect.poll(() => page.locator('#next-token li').count(), { timeout: 30_000 }).toBe(10);
    const painted = await page.locator('#heatmap').evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) count++;
      return count;
    });
    expect(painted).toBeGreaterThan(1000);
    expect(await page.locator('#att-head option').count()).toBe(4);
    const before = await page.locator('#next-token li').first().textContent();
    await page.locator('#probe-temperature').fill('0');
    await expect.poll(() => page.locator('#next-token .bar-value').first().textContent()).toBe('100.0%');
    expect(before).not.toBe(null);
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'trained.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('exports the trained model as a zip that the CLI samples from, or as five separate files', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-zip').click()]);
    expect(download.suggestedFilename()).toBe('microgpt-checkpoint.zip');
    const zip = join(work, 'export.zip');
    await download.saveAs(zip);
    const folder = join(work, 'exported');
    await mkdir(folder);
    const entries = unzipSync(new Uint8Array(await readFile(zip)));
    for (const [path, bytes] of Object.entries(entries)) await writeFile(join(folder, path.split('/').pop()!), bytes);
    expect(Object.keys(entries).sort()).toEqual(['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json', 'trainer_state.json'].map((f) => `microgpt-checkpoint/${f}`));
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'sample', '--ckpt', folder, '--n', '3', '--json', '--quiet']);
    const samples = stdout.trim().split('\n').map((line) => JSON.parse(line) as { sample: string; stop: string });
    expect(samples).toHaveLength(3);
    for (const sample of samples) expect(sample.sample).toMatch(/^[a-z]*$/);

    const separate: string[] = [];
    const collect = (download: Download): void => {
      separate.push(download.suggestedFilename());
    };
    page.on('download', collect);
    await page.locator('#export-files').click();
    await expect.poll(() => separate.length, { timeout: 30_000 }).toBe(5);
    page.off('download', collect);
    expect(separate.sort()).toEqual(['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json', 'trainer_state.json']);
  });

  it('downloads the run as a TensorBoard event file that an independent decoder reads completely', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-tensorboard').click()]);
    expect(download.suggestedFilename()).toMatch(/^events\.out\.tfevents\.\d+\.microgpt-playground$/);
    const path = join(work, download.suggestedFilename());
    await download.saveAs(path);
    // protobufjs with TensorFlow's messages, every record's length and data CRC checked (the CLI test's decoder).
    const events = decodeEvents(new Uint8Array(await readFile(path)));
    expect(events[0]!.file_version).toBe('brain.Event:2');
    const values = events.flatMap((e) => (e.summary?.value ?? []).map((v) => ({ ...v, step: e.step })));
    const steps = (tag: string): number[] => values.filter((v) => v.tag === tag).map((v) => v.step);
    const every = Array.from({ length: 400 }, (_, i) => i + 1);
    for (const tag of ['train/loss', 'train/lr', 'train/grad_norm', 'train/tokens_per_s']) expect(steps(tag)).toEqual(every);
    const lastLoss = values.filter((v) => v.tag === 'train/loss').at(-1)!.simple_value!;
    expect(lastLoss.toFixed(4)).toBe((await page.locator('#stat-loss').textContent())!.replace(/,/g, ''));
    expect(steps('val/loss')).toEqual(Array.from({ length: 10 }, (_, i) => 40 * (i + 1)));
    const histograms = values.filter((v) => v.histo);
    expect([...new Set(histograms.map((v) => v.step))]).toEqual(Array.from({ length: 10 }, (_, i) => 40 * (i + 1)));
    expect(histograms.some((v) => v.tag === 'weights/wte') && histograms.some((v) => v.tag === 'gradients/wte')).toBe(true);
    for (const v of histograms) expect(v.histo!.bucket.reduce((a, b) => a + b, 0)).toBe(v.histo!.num);
    const samples = values.filter((v) => v.tag === 'samples');
    expect(samples.map((v) => v.step)).toEqual([100, 200, 300, 400]);
    const lastSamples = await page.locator('#samples li').allTextContents();
    expect(new TextDecoder().decode(samples.at(-1)!.tensor!.string_val[0])).toBe(`\`\`\`\n${lastSamples.map((t) => (t === '(empty)' ? '' : t)).join('\n')}\n\`\`\``);
    const hp = values.find((v) => v.tag === '_hparams_/session_start_info')!;
    expect(decodeSessionStart(hp.metadata!.plugin_data!.content).session_start_info.hparams).toMatchObject({
      preset: { string_value: 'names' },
      backend: { string_value: 'wasm' },
      'train.steps': { number_value: 400 },
    });
    expect(problems).toEqual([]);
  });

  it('pausing stops the step counter; resuming moves it again', async () => {
    await fill('steps', '100000');
    await fill('sample-every', '0');
    await page.locator('#start').click();
    // The last run's "400 / 400" is on the page until the new run's first event: wait for the new run.
    await expect.poll(() => page.locator('#stat-status').textContent(), { timeout: 30_000 }).toBe('training');
    await expect.poll(() => number('stat-step'), { timeout: 30_000 }).toBeGreaterThan(50);
    await expect.poll(() => page.locator('#pause').isEnabled()).toBe(true);
    // From the keyboard, as a visitor without a mouse would.
    await page.locator('#pause').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#stat-status').textContent(), { timeout: 30_000 }).toBe('paused');
    const paused = await number('stat-step');
    await page.waitForTimeout(1500);
    expect(await number('stat-step')).toBe(paused);
    await page.locator('#resume').click();
    await expect.poll(() => number('stat-step'), { timeout: 30_000 }).toBeGreaterThan(paused);
    await page.locator('#stop').click();
    await expect.poll(() => page.locator('#stat-status').textContent(), { timeout: 30_000 }).toBe('ready');
    expect(problems).toEqual([]);
  });

  it('imports a checkpoint the CLI trained in this run and generates text from it', async () => {
    const data = join(work, 'names.txt');
    await writeFile(data, NAMES);
    const run = join(work, 'cli-run');
    await promisify(execFile)(process.execPath, [CLI, 'train', '--preset', 'names', '--data', data, '--steps', '200', '--samples', '0', '--out', run, '--quiet']);
    const out = join(run, 'checkpoint-200'); // the run folder's newest checkpoint
    const files = (await readdir(out)).filter((name) => /\.(json|safetensors)$/.test(name));
    expect(files).toContain('model.safetensors');
    // A damaged checkpoint: the error names the file and the problem, and the page keeps its model.
    await page.locator('#import').setInputFiles([{ name: 'config.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "microgpt"') }]);
    await expect.poll(() => page.locator('#error').textContent(), { timeout: 30_000 }).toMatch(/^import: CheckpointError: config\.json/);
    expect(await page.locator('#stat-status').textContent()).toBe('ready');
    await page.locator('#import').setInputFiles(files.map((name) => join(out, name)));
    await expect.poll(() => page.locator('#model-info').textContent(), { timeout: 30_000 }).toContain(data);
    await fill('gen-max', '40');
    await page.locator('#generate').click();
    await expect.poll(() => page.locator('#generated-note').textContent(), { timeout: 30_000 }).toMatch(/\d+ tokens/);
    expect((await page.locator('#generated').textContent())!.length).toBeGreaterThan(0);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(problems).toEqual([]);
  });

  it('imports a Hugging Face GPT-2 folder picked whole and samples from it; a bad folder is refused by name', async () => {
    // Bad folders first: the error names the file and field (the model package's import checks), and the page
    // keeps the model it has.
    const badConfig = join(work, 'hf-bad-config');
    await cp(HF_FIXTURE, badConfig, { recursive: true });
    const config = JSON.parse(await readFile(join(HF_FIXTURE, 'config.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(badConfig, 'config.json'), JSON.stringify({ ...config, n_head: 5 }));
    await page.locator('#import-folder').setInputFiles(badConfig);
    await expect.poll(() => page.locator('#error').textContent(), { timeout: 30_000 }).toBe('import: CheckpointError: config.json: n_head: n_embd (32) must be divisible by n_head (5)');
    const noWeights = join(work, 'hf-no-weights');
    await cp(HF_FIXTURE, noWeights, { recursive: true });
    await rm(join(noWeights, 'model.safetensors'));
    await page.locator('#import-folder').setInputFiles(noWeights);
    await expect.poll(() => page.locator('#error').textContent(), { timeout: 30_000 }).toBe('import: CheckpointError: model.safetensors: missing; a Hugging Face GPT-2 folder needs config.json and model.safetensors');
    expect(await page.locator('#stat-status').textContent()).toBe('ready');
    expect(await page.locator('#model-info').textContent()).not.toContain('Hugging Face');

    // The folder as PyTorch wrote it, with a subfolder and a file the import does not read beside it.
    const folder = join(work, 'hf-gpt2-tiny');
    await cp(HF_FIXTURE, folder, { recursive: true });
    await mkdir(join(folder, 'older'));
    await writeFile(join(folder, 'older', 'config.json'), '{"model_type": "gpt2", "n_head": 5}');
    await writeFile(join(folder, 'pytorch_model.bin'), 'not read');
    await page.locator('#import-folder').setInputFiles(folder);
    await expect.poll(() => page.locator('#model-info').textContent(), { timeout: 30_000 }).toBe('Model: 37,120 parameters, 2 layers × 4 heads × 32 wide, context 64, vocabulary 300, documents (Hugging Face GPT-2 folder).');
    await fill('gen-prompt', 'What say you');
    await fill('gen-max', '30');
    await page.locator('#generate').click();
    await expect.poll(() => page.locator('#generated-note').textContent(), { timeout: 30_000 }).toMatch(/\d+ tokens/);
    const generated = (await page.locator('#generated').textContent())!;
    expect(generated.startsWith('What say you')).toBe(true);
    expect(generated.length).toBeGreaterThan('What say you'.length);
    expect(await page.locator('#error').isHidden()).toBe(true);
    expect(problems).toEqual([]);
  });
});

/** dist/ served as a plain static host would without the isolation headers. */
function plainServer(): Promise<Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = createServer((request, response) => {
    const path = normalize(new URL(request.url ?? '/', 'http://x').pathname).replace(/^(\.\.[/\\])+/, '');
    readFile(join(APP, 'dist', path === '/' ? 'index.html' : path)).then(
      (body) => {
        response.writeHead(200, { 'Content-Type': types[extname(path)] ?? (path === '/' ? 'text/html' : 'application/octet-stream') }).end(body);
      },
      () => {
        response.writeHead(404).end();
      },
    );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => { resolve(server); }));
}

describe.skipIf(SKIP)('playground without cross-origin isolation', () => {
  it('says it runs on one thread, and trains on one thread', async () => {
    requireFiles();
    const server = await plainServer();
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: BROWSER_ARGS });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const requested: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await expect.poll(() => page.locator('#threads-note').textContent(), { timeout: 30_000 }).toMatch(/not cross-origin isolated.*one thread/);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      // Without SharedArrayBuffer the worker fetched the plain-memory build alone.
      expect(kernelBuildsFetched(requested)).toEqual(['wasm-single-relaxed-simd']);
      await page.locator('#steps').fill('50');
      await page.locator('#threads').fill('2');
      await expect.poll(() => page.locator('#start').isEnabled(), { timeout: 30_000 }).toBe(true);
      await page.locator('#start').click();
      await expect.poll(() => page.locator('#stat-status').textContent(), { timeout: 60_000 }).toBe('ready');
      expect(await page.locator('#stat-step').textContent()).toBe('50 / 50');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
