// Public surface of @microgpt/model. Browser-safe; Node-only helpers (files, folders) are in '@microgpt/model/node'.
export { CheckpointError, type CheckpointErrorDetails, RunFolderError } from './checkpoint/errors';
export {
  type DecodedSafetensors,
  type DecodedTensor,
  MAX_HEADER_BYTES,
  type SafetensorsEntry,
  type StoredArray,
  type StoredDType,
  decodeSafetensors,
  encodeSafetensors,
} from './checkpoint/safetensors';
export { checkParameterTableFits } from './checkpoint/model-file';
export { CHECKPOINT_FILES, type Checkpoint, type CheckpointParts, type ReadCheckpointOptions, checkpointFiles, readCheckpointFiles } from './checkpoint/bundle';
export { DEFAULT_CONFIG, type GPTConfig, type NormKind, type PosEmbKind, headSize, mlpHidden, resolveConfig, validateConfig } from './config';
export { ModelError, NonFiniteLossError } from './errors';
export { type Activation, getActivation, hasActivation, listActivations, registerActivation } from './activations';
export { type InitOptions, type ParamInit, type ParamSpec, type ParameterCounts, countParameters, initParameters, normNames, parameterCounts, parameterSpecs, splitInTableOrder } from './gpt/params';
export { type CreateGPTOptions, type GPT, createGPT, disposeGPT, flatGradients, gptFromParameters, parameterTensors } from './gpt/model';
export { type LinearOperator, linearLayers, withLinearOperators } from './gpt/linear-operator';
export {
  type BlockBuffers,
  type BlockGradBuffers,
  type NormBuffers,
  type PassGradBuffers,
  type Plan,
  type PlanElements,
  type PlanShape,
  type PassBuffers,
  createPlan,
  planElements,
} from './gpt/buffers';
export { MEMORY_PARTS, type MemoryEstimate, type MemoryEstimateOptions, type MemoryPart, estimateMemory } from './gpt/memory-estimate';
export { MAX_ARRAY_ELEMENTS, MemoryLimitError, type MemoryLimits, checkMemory, formatBytes } from './gpt/memory-limit';
export { type ReferenceOptions, referenceForward } from './gpt/reference';
export { type ForwardOptions, type Pass, createPass } from './gpt/pass';
export { type KVCache, createKVCache } from './gpt/kv-cache';
export type { KernelSet, PassKernelName } from './gpt/kernels';
export { type InferenceSession, type SessionOptions, createSession, forwardLogits } from './gpt/inference';
export { type AttentionMaps, attentionMaps } from './gpt/attention-maps';
export { type SamplingOptions, argmax, checkSampling, cutProbabilities, sampleToken, softmaxAt } from './generate/sampling';
export { type BeamHypothesis, type GenerateOptions, type GenerateResult, generate } from './generate/generate';
export { type GenerateBatchOptions, generateBatch } from './generate/generate-batch';
export { PRESETS, type Preset, type PresetName, getPreset } from './presets';
export { DEFAULT_TRAIN, type SettingsProblem, type TrainSettings, trainSettingsProblem, validateTrainSettings } from './train/settings';
export { HISTORY_POINTS } from './train/history';
export { type StateCheckOptions, checkOptimizerState, checkSavedSettings, checkTrainerState } from './train/trainer-state';
export { type Batch, type BatchLoader, type StepReport, type Trainer, type TrainerOptions, type TrainerState, createTrainer, scheduleOf } from './train/trainer';
export type { GradientTap } from './train/gradient-tap';
export { type CheckpointReason, type Progress, type RunResult, type TrainingHooks, runTraining } from './train/loop';
export { MICROGPT_DEFAULTS, type MicrogptHooks, type MicrogptLineOptions, type MicrogptRun, type MicrogptSettings, microgptDocs, microgptLines, runMicrogpt } from './compat/microgpt';
export { DataError } from './data/errors';
export { TOKEN_FILE_HEADER_BYTES, TOKEN_FILE_MAGIC, TOKEN_FILE_VERSION, type TokenDType, type TokenFileHeader, decodeTokenFileHeader, encodeTokenFile, encodeTokenFileHeader, tokenDTypeFor, tokenizerHash } from './data/token-file';
export { type TokenSource, concatTokenSources, memoryTokenSource, tokenChunks, tokenFileSource } from './data/source';
export { type TextPiecesOptions, utf8TextPieces } from './data/text-stream';
export { type DocumentLoaderOptions, type LoaderOptions, type Split, type SplitLoader, documentLoader, streamLoader } from './data/loaders';
export { documentIds } from './data/documents';
export { GPT2_ACTIVATIONS, GPT2_MAPPINGS, HuggingFaceExportError, type SpecialIds, checkGpt2Compatible, gpt2ConfigJson, gpt2Mappings } from './hf/export-config';
export { type Gpt2ConfigFile, configFromGpt2 } from './hf/import-config';
export { HF_FILES, type HuggingFaceExport, huggingFaceFiles } from './hf/export';
export { type ReadHuggingFaceOptions, isGpt2ConfigBytes, readHuggingFaceFiles } from './hf/import';
export { type ModelCardFacts, modelCard } from './hf/model-card';
export { type WindowLoss, windowLoss } from './gpt/window-loss';
export { crc32c, maskedCrc32c } from './tensorboard/crc32c';
export { FILE_VERSION, type HParamValue, fileVersionEvent, hparamsEvent, histogramsEvent, scalarsEvent, textEvent, tfRecord } from './tensorboard/events';
export { type Histogram, histogramOf } from './tensorboard/histogram';
export { type EventLog, type EventRecorder, createEventLog } from './tensorboard/event-log';
export { type EventSink, type TensorBoardHooks, type TensorBoardOptions, samplesMarkdown, tensorboardHooks } from './tensorboard/tensorboard-hooks';
export { type TensorStats, tensorStats } from './inspect/tensor-stats';
export { type ProjectorFiles, escapeTsvField, projectorFiles } from './inspect/projector';
