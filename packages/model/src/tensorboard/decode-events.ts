// Test helper: event files read back by an independent decoder, protobufjs given TensorFlow's and TensorBoard's
// message definitions (tensorboard-protos.ts), after checking the TFRecord framing and both CRCs of every record.
// The CLI's tests use it too.
import protobuf from 'protobufjs';
import { maskedCrc32c } from './crc32c';
import { TENSORBOARD_PROTO } from './tensorboard-protos';

const root = protobuf.parse(TENSORBOARD_PROTO, { keepCase: true }).root;
const Event = root.lookupType('tensorflow.Event');
const PluginData = root.lookupType('tensorflow.HParamsPluginData');

/** A Summary.Value as protobufjs decodes it. */
export interface DecodedValue {
  tag: string;
  simple_value?: number;
  histo?: { min: number; max: number; num: number; sum: number; sum_squares: number; bucket_limit: number[]; bucket: number[] };
  tensor?: { dtype: number; string_val: Uint8Array[]; float_val: number[] };
  metadata?: { plugin_data?: { plugin_name: string; content: Uint8Array } };
}

/** An Event as protobufjs decodes it. */
export interface DecodedEvent {
  wall_time: number;
  step: number;
  file_version?: string;
  summary?: { value: DecodedValue[] };
}

/** The hparams plugin's session start, decoded. */
export interface DecodedSessionStart {
  version: number;
  session_start_info: { hparams: Record<string, Record<string, unknown>>; start_time_secs: number };
}

/** The records of an event file, checking each length and data CRC. @throws {Error} at the first mismatch. */
export function tfRecords(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.length; ) {
    if (at + 12 > bytes.length) throw new Error(`tfRecords: a record header at byte ${at} is cut short`);
    const length = Number(view.getBigUint64(at, true));
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes.subarray(at, at + 8))) throw new Error(`tfRecords: bad length CRC at byte ${at}`);
    if (at + 16 + length > bytes.length) throw new Error(`tfRecords: the record at byte ${at} is cut short`);
    const data = bytes.subarray(at + 12, at + 12 + length);
    if (view.getUint32(at + 12 + length, true) !== maskedCrc32c(data)) throw new Error(`tfRecords: bad data CRC at byte ${at}`);
    out.push(data);
    at += 16 + length;
  }
  return out;
}

/** Every event of an event file, decoded by protobufjs (int64 as numbers, bytes as Uint8Array, defaults filled). */
export function decodeEvents(bytes: Uint8Array): DecodedEvent[] {
  return tfRecords(bytes).map((data) => Event.toObject(Event.decode(data), { longs: Number, bytes: Uint8Array, defaults: true }) as DecodedEvent);
}

/** The hparams plugin's content of a `_hparams_/session_start_info` value. */
export function decodeSessionStart(content: Uint8Array): DecodedSessionStart {
  return PluginData.toObject(PluginData.decode(content), { defaults: true }) as DecodedSessionStart;
}
