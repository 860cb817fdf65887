// The playground's TensorBoard export, through the worker's controller on the wasm backend: after a run, the
// `tensorboard` request answers with one event file that the independent decoder (protobufjs with TensorFlow's
// messages, every record's CRCs checked: the CLI's test helper) reads completely: a loss, lr, gradient norm and
// tokens/s scalar each step matching the step events, the validation losses, histograms of every parameter and
// its gradient a tenth of the run apart, the samples as text and the hyper-parameters. A paused and resumed run
// keeps one file; an imported model has no events.
import { type WasmBackend, createWasmBackend } from '@microgpt/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecodedValue, decodeEvents, decodeSessionStart } from '../../../../packages/model/src/tensorboard/decode-events';
import type { RunSpec, WorkerEvent } from '../protocol';
import { createController } from './controller';
import { namesRun } from './test-runs';

const NAMES = 'emma\nolivia\nava\nisabella\nsophia\nmia\ncharlotte\namelia\nharper\nevelyn\nabigail\nemily\nella\n'.repeat(10);
const RUN: RunSpec = namesRun(NAMES, { model: { nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 16 }, batchSize: 4, steps: 2000, sampleEvery: 500, seed: 3 });

let backend: WasmBackend;
beforeAll(async () => {
  backend = await createWasmBackend({ threads: 1 });
});
afterAll(() => {
  backend.dispose();
});

function harness(): { handle: (r: Parameters<ReturnType<typeof createController>['handle']>[0]) => Promise<void>; of: <T extends WorkerEvent['type']>(type: T) => Extract<WorkerEvent, { type: T }>[] } {
  const events: WorkerEvent[] = [];
  const controller = createController(backend, (event) => events.push(event), 1);
  return {
    handle: (request) => controller.handle(request),
    of: <T extends WorkerEvent['type']>(type: T) => events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type),
  };
}

/** Every Summary.Value of the file with its event's step. */
function valuesOf(bytes: Uint8Array): (DecodedValue & { step: number })[] {
  const events = decodeEvents(bytes);
  expect(events[0]!.file_version).toBe('brain.Event:2');
  return events.flatMap((e) => (e.summary?.value ?? []).map((v) => ({ ...v, step: e.step })));
}

describe('the playground TensorBoard export', () => {
  it('holds every scalar, histogram, sample and hyper-parameter of the run, across a pause', async () => {
    const { handle, of } = harness();
    const started = handle({ type: 'start', run: RUN });
    while (of('step').length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await handle({ type: 'pause' });
    await started;
    expect(of('status').at(-1)!.status).toBe('paused');
    await handle({ type: 'resume' });
    expect(of('status').at(-1)!.status).toBe('ready');
    await handle({ type: 'tensorboard' });
    expect(of('error')).toEqual([]);
    const [file] = of('tensorboard');
    expect(file!.name).toMatch(/^events\.out\.tfevents\.\d+\.microgpt-playground$/);
    const values = valuesOf(file!.bytes);
    const scalar = (tag: string): [number, number][] => values.filter((v) => v.tag === tag).map((v) => [v.step, v.simple_value!]);

    const losses = of('step').flatMap((e) => e.losses);
    expect(scalar('train/loss')).toEqual(losses.map(([step, loss]) => [step, Math.fround(loss)]));
    for (const tag of ['train/lr', 'train/grad_norm', 'train/tokens_per_s']) expect(scalar(tag).map(([step]) => step)).toEqual(losses.map(([step]) => step));
    expect(scalar('val/loss')).toEqual(of('eval').map((e) => [e.step, Math.fround(e.valLoss)]));

    const parameters = of('model')[0]!.info.parameters;
    const histogramSteps = [...new Set(values.filter((v) => v.histo).map((v) => v.step))];
    expect(histogramSteps).toEqual(Array.from({ length: 10 }, (_, i) => 200 * (i + 1)));
    for (const step of histogramSteps) {
      const at = values.filter((v) => v.step === step && v.histo);
      expect(at.filter((v) => v.tag.startsWith('weights/')).reduce((n, v) => n + v.histo!.num, 0)).toBe(parameters);
      expect(at.filter((v) => v.tag.startsWith('gradients/')).reduce((n, v) => n + v.histo!.num, 0)).toBe(parameters);
    }

    const texts = values.filter((v) => v.tag === 'samples');
    expect(texts.map((v) => v.step)).toEqual(of('samples').map((e) => e.step));
    const last = of('samples').at(-1)!;
    expect(new TextDecoder().decode(texts.at(-1)!.tensor!.string_val[0])).toBe(`\`\`\`\n${last.texts.join('\n')}\n\`\`\``);

    const hp = values.find((v) => v.tag === '_hparams_/session_start_info')!;
    expect(decodeSessionStart(hp.metadata!.plugin_data!.content).session_start_info.hparams).toMatchObject({
      preset: { string_value: 'names' },
      data: { string_value: 'names' },
      tokenizer: { string_value: 'char' },
      backend: { string_value: 'wasm' },
      'model.nEmbd': { number_value: 8 },
      'train.steps': { number_value: 2000 },
      'train.batchSize': { number_value: 4 },
    });
  });

  it('has nothing to export before a run or for an imported model', async () => {
    const { handle, of } = harness();
    await handle({ type: 'tensorboard' });
    expect(of('error').map((e) => [e.request, e.message])).toEqual([
      ['tensorboard', 'there is no run trained here to export: TensorBoard events are recorded while the page trains a model (an imported one has none)'],
    ]);
    await handle({ type: 'start', run: { ...RUN, steps: 4, sampleEvery: 0 } });
    await handle({ type: 'export' });
    const other = harness();
    await other.handle({ type: 'import', files: of('files')[0]!.files });
    await other.handle({ type: 'tensorboard' });
    expect(other.of('tensorboard')).toEqual([]);
    expect(other.of('error').map((e) => e.request)).toEqual(['tensorboard']);
  });
});
