// Event files read back by an independent decoder: protobufjs, given TensorFlow's and TensorBoard's message
// definitions (tensorboard-protos.ts), after checking the TFRecord framing and both CRCs of every record. Every
// scalar, histogram, text and hyper-parameter written is found again.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEvents as decode, decodeSessionStart } from './decode-events';
import { createEventWriter } from './event-writer';
import { FILE_VERSION, fileVersionEvent, tfRecord } from './events';
import { histogramOf } from './histogram';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'microgpt-tb-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TensorBoard event files', () => {
  it('frames records as TFRecords and opens with the file_version event', () => {
    const record = tfRecord(Uint8Array.from([1, 2, 3]));
    expect(record.length).toBe(3 + 16);
    expect(Array.from(fileVersionEvent(1.5).subarray(0, 12))).toEqual([0x18, 0, 0, 0, 0, 0, 0, 0, 0xa3, 0x7f, 0x4b, 0x22]);
    expect(decode(fileVersionEvent(1.5))).toEqual([{ wall_time: 1.5, step: 0, file_version: FILE_VERSION }]);
  });

  it('writes scalars, histograms, text and hyper-parameters that an independent decoder reads completely', async () => {
    let clock = 1_700_000_000;
    const writer = await createEventWriter(dir, () => (clock += 0.25));
    writer.hparams({ lr: 0.001, preset: 'names', dropout: 0, compile: true });
    writer.scalars(1, { 'train/loss': 3.25, lr: 0.001 });
    writer.scalars(2_147_483_653, { 'train/loss': 2.5 }); // a step beyond 32 bits
    const weights = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * (i % 7));
    writer.histograms(5, { 'weights/wte': weights, 'grads/wte': [NaN, 1, -2, Infinity] });
    writer.text(5, 'samples', 'emma\n**olivia** ✓');
    await writer.flush();
    expect((await readdir(dir))[0]).toMatch(/^events\.out\.tfevents\.\d+\..+\.\d+\.\d+$/);
    const events = decode(new Uint8Array(await readFile(writer.path)));
    expect(events[0]).toMatchObject({ step: 0, file_version: FILE_VERSION });

    const hp = events[1]!.summary!.value[0]!;
    expect(hp.tag).toBe('_hparams_/session_start_info');
    expect(hp.metadata!.plugin_data!.plugin_name).toBe('hparams');
    const start = decodeSessionStart(hp.metadata!.plugin_data!.content);
    expect(start.version).toBe(0);
    expect(start.session_start_info.hparams).toEqual({ lr: { number_value: 0.001 }, preset: { string_value: 'names' }, dropout: { number_value: 0 }, compile: { bool_value: true } });
    expect(start.session_start_info.start_time_secs).toBe(events[1]!.wall_time);

    expect(events[2]).toMatchObject({ step: 1, summary: { value: [{ tag: 'train/loss', simple_value: 3.25 }, { tag: 'lr', simple_value: Math.fround(0.001) }] } });
    expect(events[3]).toMatchObject({ step: 2_147_483_653, summary: { value: [{ tag: 'train/loss', simple_value: 2.5 }] } });

    const [wte, grads] = events[4]!.summary!.value;
    const expected = histogramOf(weights);
    expect(wte!.histo).toEqual({ min: expected.min, max: expected.max, num: 1000, sum: expected.sum, sum_squares: expected.sumSquares, bucket_limit: expected.bucketLimit, bucket: expected.bucket });
    expect(wte!.histo!.bucket.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(grads).toMatchObject({ tag: 'grads/wte', histo: { num: 2, min: -2, max: 1 } });
    expect(events[5]!.summary!.value).toMatchObject([{ tag: 'grads/wte/non_finite', simple_value: 2 }]);

    const text = events[6]!.summary!.value[0]!;
    expect(text.tag).toBe('samples');
    expect(text.metadata!.plugin_data!.plugin_name).toBe('text');
    expect(text.tensor!.dtype).toBe(7);
    expect(new TextDecoder().decode(text.tensor!.string_val[0])).toBe('emma\n**olivia** ✓');
    expect(events.every((e, i) => i === 0 || e.wall_time > events[i - 1]!.wall_time)).toBe(true);
  });
});

describe('histogramOf', () => {
  it('puts every value in the bucket whose upper edge is the first ≥ it, collapsing runs of empty buckets', () => {
    const h = histogramOf([0, 0, 1e-13, -1, 1, 1.05, 100]);
    expect(h).toMatchObject({ min: -1, max: 100, num: 7, sum: 101.05 + 1e-13, nonFinite: 0 });
    // No two empty buckets in a row, counts sum to num, edges rise.
    expect(h.bucket.some((c, i) => c === 0 && h.bucket[i + 1] === 0)).toBe(false);
    expect(h.bucket.reduce((a, b) => a + b, 0)).toBe(7);
    expect(h.bucketLimit.every((x, i) => i === 0 || x > h.bucketLimit[i - 1]!)).toBe(true);
    // 0 sits in the bucket whose edge is 0; 1e-13 in the first positive one (edge 1e-12).
    const at = (x: number): number => h.bucket[h.bucketLimit.findIndex((edge) => edge >= x)]!;
    expect(at(0)).toBe(2);
    expect(h.bucketLimit[h.bucketLimit.indexOf(0) + 1]).toBe(1e-12);
    expect(at(1e-13)).toBe(1);
    expect(histogramOf([NaN, Infinity])).toMatchObject({ num: 0, nonFinite: 2, min: 0, max: 0 });
  });
});
