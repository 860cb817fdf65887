// Our TensorBoard event encoder (packages/model/src/tensorboard: a few hand-written protobuf messages) beside
// protobufjs, a well-kept general encoder, given TensorFlow's message definitions: µs to encode one training
// step's events the way `train --tensorboard` writes them (5 scalars; and the histograms of a names-sized model's
// 12 weights and 12 gradients), each in its TFRecord frame (our tfRecord around protobufjs's bytes), and the bytes
// each writes (the same message, so the sizes match).
import { type Histogram, histogramOf, histogramsEvent, scalarsEvent, tfRecord } from '@microgpt/model';
import * as T from '@microgpt/tensor';
import protobuf from 'protobufjs';
import { TENSORBOARD_PROTO } from '../../../../packages/model/src/tensorboard/tensorboard-protos';
import { type Emit, timeMedian } from '../harness';
import type { Suite } from './suite';

const Event = protobuf.parse(TENSORBOARD_PROTO, { keepCase: true }).root.lookupType('tensorflow.Event');

const SCALARS = { 'train/loss': 2.3125, 'train/lr': 0.0009765625, 'train/grad_norm': 0.875, 'train/tokens_per_s': 251234.5, 'val/loss': 2.40625 };

/** 24 histograms of random weights the size of the names preset's (4·16², 16·64, 27·16 …). */
function histograms(): Record<string, Histogram> {
  const rng = new T.PythonRandom(1);
  const sizes = [432, 256, 256, 256, 256, 1024, 1024, 432, 256, 256, 64, 64];
  const out: Record<string, Histogram> = {};
  sizes.forEach((n, i) => {
    for (const kind of ['weights', 'gradients']) out[`${kind}/p${i}`] = histogramOf(Array.from({ length: n }, () => rng.gauss(0, 0.1)));
  });
  return out;
}

/** The same Event through protobufjs, in the same TFRecord framing (so both include the two CRC-32Cs). */
function protobufjsEvent(wallTime: number, step: number, values: object[]): Uint8Array {
  return tfRecord(Event.encode(Event.fromObject({ wall_time: wallTime, step, summary: { value: values } })).finish());
}

function protobufjsScalars(wallTime: number, step: number): Uint8Array {
  return protobufjsEvent(wallTime, step, Object.entries(SCALARS).map(([tag, value]) => ({ tag, simple_value: value })));
}

function protobufjsHistograms(wallTime: number, step: number, hs: Record<string, Histogram>): Uint8Array {
  return protobufjsEvent(
    wallTime,
    step,
    Object.entries(hs).map(([tag, h]) => ({ tag, histo: { min: h.min, max: h.max, num: h.num, sum: h.sum, sum_squares: h.sumSquares, bucket_limit: h.bucketLimit, bucket: h.bucket } })),
  );
}

const REPEATS = 100;

function emitRows(emit: Emit, name: string, impl: string, encode: () => Uint8Array): void {
  // One timed run encodes the event REPEATS times: a single encode is too short for the timer.
  const seconds = timeMedian(() => {
    for (let i = 0; i < REPEATS; i++) encode();
  }, { warmup: 5, minRuns: 30, minSeconds: 0.5 });
  emit({ suite: 'tensorboard', name, impl, threads: 1, metric: 'us_per_event', value: Number(((seconds / REPEATS) * 1e6).toFixed(3)), unit: 'µs' });
  emit({ suite: 'tensorboard', name, impl, threads: 1, metric: 'bytes', value: encode().length, unit: 'B' });
}

export const tensorboardSuite: Suite = {
  name: 'tensorboard',
  description: "TensorBoard event encoding: our encoder beside protobufjs with TensorFlow's definitions, µs and bytes per event (scalars; 24 histograms)",
  run(emit) {
    const hs = histograms();
    emitRows(emit, 'scalars-event', 'microgpt', () => scalarsEvent(1.5e9, 100, SCALARS));
    emitRows(emit, 'scalars-event', 'protobufjs', () => protobufjsScalars(1.5e9, 100));
    emitRows(emit, 'histograms-event', 'microgpt', () => histogramsEvent(1.5e9, 100, hs));
    emitRows(emit, 'histograms-event', 'protobufjs', () => protobufjsHistograms(1.5e9, 100, hs));
    return Promise.resolve();
  },
};
