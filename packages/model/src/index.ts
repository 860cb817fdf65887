// Public surface of @microgpt/model. Browser-safe; Node-only helpers (files, folders) are in '@microgpt/model/node'.
export { CheckpointError, type CheckpointErrorDetails } from './checkpoint/errors';
export { type DecodedSafetensors, MAX_HEADER_BYTES, type SafetensorsEntry, decodeSafetensors, encodeSafetensors } from './checkpoint/safetensors';
export { DEFAULT_CONFIG, type GPTConfig, type NormKind, type PosEmbKind, headSize, mlpHidden, resolveConfig, validateConfig } from './config';
export { ModelError, NonFiniteLossError } from './errors';
export { type Activation, getActivation, hasActivation, listActivations, registerActivation } from './activations';
export { type InitOptions, type ParamInit, type ParamSpec, countParameters, initParameters, normNames, parameterSpecs } from './gpt/params';
export { type GPT, createGPT, disposeGPT, flatGradients, gptFromParameters, parameterTensors } from './gpt/model';
export { type Plan, type PlanShape, type PassBuffers, createPlan } from './gpt/buffers';
export { type ForwardOptions, type Pass, createPass } from './gpt/pass';
export { type KVCache, createKVCache } from './gpt/kv-cache';
export { type InferenceSession, createSession, forwardLogits } from './gpt/inference';
export { type SamplingOptions, argmax, checkSampling, cutProbabilities, sampleToken, softmaxAt } from './generate/sampling';
export { type GenerateOptions, type GenerateResult, generate } from './generate/generate';
export { PRESETS, type Preset, type PresetName, getPreset } from './presets';
export { DEFAULT_TRAIN, type TrainSettings, validateTrainSettings } from './train/settings';
export { type Batch, type BatchLoader, type StepReport, type Trainer, type TrainerOptions, type TrainerState, createTrainer, scheduleOf } from './train/trainer';
export { type CheckpointReason, type Progress, type RunResult, type TrainingHooks, runTraining } from './train/loop';
export { MICROGPT_DEFAULTS, type MicrogptHooks, type MicrogptRun, type MicrogptSettings, microgptDocs, runMicrogpt } from './compat/microgpt';
