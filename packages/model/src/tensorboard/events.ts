// TensorBoard event files: TFRecord framing (length, masked CRC-32C of the length, data, masked CRC-32C of the
// data) around `tensorflow.Event` messages, each a wall time, a step and a Summary of tagged values: scalars
// (simple_value), histograms (HistogramProto), text (a string tensor for the text plugin) and the run's
// hyper-parameters (the hparams plugin's session start). Field numbers are TensorFlow's event.proto and
// summary.proto, and TensorBoard's plugin protos. Browser-safe: bytes in, bytes out.
import { maskedCrc32c } from './crc32c';
import type { Histogram } from './histogram';
import { bytesField, concat, doubleField, floatField, packedDoublesField, varintField } from './protobuf';

/** The `file_version` of the first event of every file. */
export const FILE_VERSION = 'brain.Event:2';

/** A hyper-parameter value TensorBoard's hparams plugin shows. */
export type HParamValue = number | string | boolean;

/** One TFRecord: 8-byte little-endian length, its masked CRC, the data, the data's masked CRC. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const header = new Uint8Array(12);
  const view = new DataView(header.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(header.subarray(0, 8)), true);
  const footer = new Uint8Array(4);
  new DataView(footer.buffer).setUint32(0, maskedCrc32c(data), true);
  return concat([header, data, footer]);
}

/** An Event (wall_time 1, step 2, file_version 3 or summary 5) as a TFRecord; step 0 is left out, as proto3 does. */
function eventRecord(wallTime: number, step: number, what: Uint8Array): Uint8Array {
  return tfRecord(concat([doubleField(1, wallTime), ...(step === 0 ? [] : [varintField(2, step)]), what]));
}

/** Summary.Value metadata naming the plugin that reads it (and the plugin's own content bytes). */
function pluginMetadata(pluginName: string, content?: Uint8Array): Uint8Array {
  const pluginData = concat([bytesField(1, pluginName), ...(content ? [bytesField(2, content)] : [])]);
  return bytesField(9, bytesField(1, pluginData)); // Value.metadata = SummaryMetadata { plugin_data }
}

/** The event that opens every file. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return eventRecord(wallTime, 0, bytesField(3, FILE_VERSION));
}

/** Scalars at `step`, by tag, as one event (Summary.Value.simple_value). */
export function scalarsEvent(wallTime: number, step: number, scalars: Readonly<Record<string, number>>): Uint8Array {
  const values = Object.entries(scalars).map(([tag, value]) => bytesField(1, concat([bytesField(1, tag), floatField(2, value)])));
  return eventRecord(wallTime, step, bytesField(5, concat(values)));
}

/** HistogramProto: min 1, max 2, num 3, sum 4, sum_squares 5, bucket_limit 6, bucket 7. */
function histogramProto(h: Histogram): Uint8Array {
  return concat([doubleField(1, h.min), doubleField(2, h.max), doubleField(3, h.num), doubleField(4, h.sum), doubleField(5, h.sumSquares), packedDoublesField(6, h.bucketLimit), packedDoublesField(7, h.bucket)]);
}

/** Histograms at `step`, by tag (Summary.Value.histo). */
export function histogramsEvent(wallTime: number, step: number, histograms: Readonly<Record<string, Histogram>>): Uint8Array {
  const values = Object.entries(histograms).map(([tag, h]) => bytesField(1, concat([bytesField(1, tag), bytesField(5, histogramProto(h))])));
  return eventRecord(wallTime, step, bytesField(5, concat(values)));
}

/** A scalar string TensorProto (dtype DT_STRING = 7, an empty shape, one string_val). */
function stringTensor(text: string): Uint8Array {
  return concat([varintField(1, 7), bytesField(2, new Uint8Array(0)), bytesField(8, text)]);
}

/** Text at `step` under `tag` for TensorBoard's text plugin (Markdown). */
export function textEvent(wallTime: number, step: number, tag: string, text: string): Uint8Array {
  const value = concat([bytesField(1, tag), bytesField(8, stringTensor(text)), pluginMetadata('text')]);
  return eventRecord(wallTime, step, bytesField(5, bytesField(1, value)));
}

/** A google.protobuf.Value: number_value 2, string_value 3, bool_value 4. */
function protobufValue(value: HParamValue): Uint8Array {
  if (typeof value === 'number') return doubleField(2, value);
  if (typeof value === 'string') return bytesField(3, value);
  return varintField(4, value ? 1 : 0);
}

/** A scalar float TensorProto holding 0 (dtype DT_FLOAT = 1, float_val 5): what plugin summaries carry beside their metadata. */
const NULL_TENSOR = concat([varintField(1, 1), bytesField(2, new Uint8Array(0)), bytesField(5, new Uint8Array(4))]);

/**
 * The run's hyper-parameters, as the hparams plugin's session start (HParamsPluginData { version 0,
 * session_start_info { hparams map 1, group_name 4, start_time_secs 5 } }) under tag `_hparams_/session_start_info`.
 */
export function hparamsEvent(wallTime: number, hparams: Readonly<Record<string, HParamValue>>, groupName = ''): Uint8Array {
  const entries = Object.entries(hparams).map(([name, value]) => bytesField(1, concat([bytesField(1, name), bytesField(2, protobufValue(value))])));
  const sessionStart = concat([...entries, ...(groupName === '' ? [] : [bytesField(4, groupName)]), doubleField(5, wallTime)]);
  const content = concat([varintField(1, 0), bytesField(3, sessionStart)]);
  const value = concat([bytesField(1, '_hparams_/session_start_info'), bytesField(8, NULL_TENSOR), pluginMetadata('hparams', content)]);
  return eventRecord(wallTime, 0, bytesField(5, bytesField(1, value)));
}
