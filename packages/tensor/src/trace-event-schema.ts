// Test helper: a JSON Schema (draft-07) of the Trace Event Format's JSON object form, after Google's "Trace Event
// Format" document (the format chrome://tracing and Perfetto read), checked with ajv. The profiler's tests and
// the CLI's `--profile` tests validate trace.json with it.
import Ajv from 'ajv';

const PHASES = ['B', 'E', 'X', 'i', 'I', 'C', 'b', 'n', 'e', 's', 't', 'f', 'P', 'N', 'O', 'D', 'M', 'V', 'v', 'R', 'c', '(', ')'];
const METADATA_NAMES = ['process_name', 'process_labels', 'process_sort_index', 'thread_name', 'thread_sort_index'];

/** The schema: an object with `traceEvents`, each event with the fields its phase requires. */
export const TRACE_EVENT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['traceEvents'],
  properties: {
    traceEvents: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'ph', 'pid', 'tid'],
        properties: {
          name: { type: 'string' },
          cat: { type: 'string' },
          ph: { enum: PHASES },
          ts: { type: 'number', minimum: 0 },
          tts: { type: 'number', minimum: 0 },
          dur: { type: 'number', minimum: 0 },
          pid: { type: 'integer' },
          tid: { type: 'integer' },
          id: { type: ['string', 'integer'] },
          s: { enum: ['g', 'p', 't'] },
          args: { type: 'object' },
        },
        allOf: [
          { if: { properties: { ph: { const: 'X' } } }, then: { required: ['ts', 'dur'] } },
          { if: { properties: { ph: { const: 'M' } } }, then: { required: ['args'], properties: { name: { enum: METADATA_NAMES } } }, else: { required: ['ts'] } },
        ],
      },
    },
    displayTimeUnit: { enum: ['ms', 'ns'] },
    systemTraceEvents: { type: 'string' },
    otherData: { type: 'object' },
    stackFrames: { type: 'object' },
    samples: { type: 'array' },
  },
} as const;

const validate = new Ajv({ allErrors: true }).compile(TRACE_EVENT_SCHEMA);

/** What the schema finds wrong with `trace` (parsed JSON): one line an error, empty when it conforms. */
export function traceProblems(trace: unknown): string[] {
  if (validate(trace)) return [];
  return (validate.errors ?? []).map((e) => `${e.dataPath || '(root)'} ${e.message ?? 'is invalid'}`);
}
