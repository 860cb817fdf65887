// Public surface of @microgpt/model (in progress: so far the checkpoint file format). Browser-safe; Node-only
// helpers are in '@microgpt/model/node'.
export { CheckpointError, type CheckpointErrorDetails } from './checkpoint/errors';
export { type DecodedSafetensors, MAX_HEADER_BYTES, type SafetensorsEntry, decodeSafetensors, encodeSafetensors } from './checkpoint/safetensors';
