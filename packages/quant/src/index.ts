// Public surface of @microgpt/quant. Browser-safe; the checkpoint folder helpers are in '@microgpt/quant/node'.
export { QuantError } from './errors';
export { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBfloat16Bits, float32ToFloat16Bits, fromBfloat16Array, fromFloat16Array, toBfloat16Array, toFloat16, toFloat16Array } from './half';
export { roundHalfEven } from './round';
export { type IntScheme, type QuantizeOptions, type QuantizedMatrix, codeAt, dequantizeMatrix, groupScalesAndOffsets, quantizationError, quantizeMatrix } from './matrix';
export { type ActivationMode, type QuantizedLinear, quantizedLinear, stackRows } from './linear';
export { type QuantizationSettings, type QuantizeModelOptions, type QuantizedModel, SCHEMES, type Scheme, assembleQuantizedModel, decodedModel, quantizeModel, quantizedNames } from './model';
export { QUANT_FORMAT, QUANT_FORMAT_VERSION, type QuantizedCheckpoint, type QuantizedCheckpointParts, type ReadQuantizedOptions, quantizationOf, quantizedCheckpointFiles, readQuantizedCheckpointFiles } from './checkpoint';
