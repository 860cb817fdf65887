// A whole model quantized for inference: its weight matrices in an integer scheme (linear layers run on the codes
// through the quantized matmul kernel) or every parameter rounded to fp16 / bf16. The returned model's
// parameters hold the decoded weights, so embeddings, norms, biases and any float pass see what the codes mean.
import { type GPT, type LinearOperator, gptFromParameters, parameterSpecs, withLinearOperators } from '@microgpt/model';
import { Tensor } from '@microgpt/tensor';
import { QuantError } from './errors';
import { toFloat16, bfloat16BitsToFloat32, float32ToBfloat16Bits } from './half';
import { type ActivationMode, type QuantizedLinear, quantizedLinear, stackRows } from './linear';
import { type IntScheme, type QuantizedMatrix, absoluteError, dequantizeMatrix, quantizationError, quantizeMatrix } from './matrix';

/** Every scheme: integer codes for the matrices, or 16-bit floats for everything. */
export type Scheme = IntScheme | 'fp16' | 'bf16';

/** The scheme names. */
export const SCHEMES: readonly Scheme[] = ['int8', 'int8-asym', 'int4', 'int4-asym', 'fp16', 'bf16'];

/** Options of {@link quantizeModel}. */
export interface QuantizeModelOptions {
  /** Integer codes for the weight matrices (`int8`, `int8-asym`, `int4`, `int4-asym`), or every parameter rounded to `fp16` / `bf16`. */
  readonly scheme: Scheme;
  /** int8: one scale per matrix instead of one per output channel (row). Default false. */
  readonly perTensor?: boolean;
  /** int4: inputs per group (default 32). */
  readonly groupSize?: number;
  /** Quantize the token and position embeddings too (default true). Norms and biases always stay float32. */
  readonly embeddings?: boolean;
  /** How quantized linear layers treat activations (default `int16`, the faster on wasm; see ActivationMode). */
  readonly activations?: ActivationMode;
}

/** What {@link quantizeModel} settled, as saved in a quantized checkpoint. */
export interface QuantizationSettings {
  /** The scheme the model was quantized with. */
  readonly scheme: Scheme;
  /** int8: one scale per matrix rather than per row (false for the other schemes). */
  readonly perTensor: boolean;
  /** Whether the token and position embeddings were quantized too. */
  readonly embeddings: boolean;
  /** How the quantized linear layers treat activations. */
  readonly activations: ActivationMode;
}

/** A model ready for inference with quantized weights. */
export interface QuantizedModel {
  /** The model (float32 parameters holding the decoded weights; linear layers replaced by quantized ones). */
  readonly model: GPT;
  /** The settings it was quantized with, as saved in a quantized checkpoint. */
  readonly settings: QuantizationSettings;
  /** The integer matrices by parameter name (empty for fp16 / bf16). */
  readonly matrices: Readonly<Record<string, QuantizedMatrix>>;
  /** Largest and mean absolute change of each parameter that was quantized or rounded. */
  readonly errors: Readonly<
    Record<
      string,
      {
        /** Largest |original − quantized| over the parameter. */
        maxAbs: number;
        /** Mean |original − quantized| over the parameter. */
        meanAbs: number;
      }
    >
  >;
  /** Frees the quantized layers' memory (the model's parameters are freed with disposeGPT). */
  dispose(): void;
}

/** The matrices a scheme quantizes: every 2-D parameter (linear weights, lm_head), embeddings when asked. */
export function quantizedNames(model: Pick<GPT, 'config'>, embeddings: boolean): string[] {
  return parameterSpecs(model.config)
    .filter((spec) => spec.shape.length === 2 && (embeddings || (spec.name !== 'wte' && spec.name !== 'wpe')))
    .map((spec) => spec.name);
}

/** Float values of every parameter of `model` by name: the parameter block read back once (parameters are views of it). */
async function parameterValues(model: GPT): Promise<Record<string, Float64Array | Float32Array>> {
  const { flat } = model;
  const block = (await flat.toArrayAsync()) as Float64Array | Float32Array;
  const values: Record<string, Float64Array | Float32Array> = {};
  for (const [name, v] of Object.entries(model.params)) values[name] = block.subarray(v.value.offset - flat.offset, v.value.offset - flat.offset + v.value.size);
  return values;
}

/** A float32 model whose parameters are the decoded `matrices` and the other `values` (by parameter name). */
export function decodedModel(base: Pick<GPT, 'config' | 'backend'>, values: Readonly<Record<string, ArrayLike<number>>>, matrices: Readonly<Record<string, QuantizedMatrix>>): GPT {
  const { config, backend } = base;
  const tensors: Record<string, Tensor> = {};
  for (const spec of parameterSpecs(config)) {
    const decoded = matrices[spec.name] ? dequantizeMatrix(matrices[spec.name]!) : Float32Array.from(values[spec.name]!);
    const t = Tensor.empty(spec.shape, 'float32', backend);
    backend.write(t.storage, t.offset, decoded);
    tensors[spec.name] = t;
  }
  return gptFromParameters(config, tensors);
}

/**
 * The inference model over a float32 model holding the decoded weights and the `matrices` (by parameter name)
 * they came from: q/k/v stacked into one quantized layer, o, fc1, fc2, and the head when its matrix is
 * quantized (`lm_head`, or `wte` when tied).
 */
export function assembleQuantizedModel(float: GPT, matrices: Readonly<Record<string, QuantizedMatrix>>, settings: QuantizationSettings, errors: Readonly<Record<string, { maxAbs: number; meanAbs: number }>> = {}): QuantizedModel {
  const { config, backend } = float;
  const layers: QuantizedLinear[] = [];
  const layer = (m: QuantizedMatrix): QuantizedLinear => {
    const op = quantizedLinear(m, backend, settings.activations);
    layers.push(op);
    return op;
  };
  const operators: Record<string, LinearOperator> = {};
  for (let i = 0; i < config.nLayer; i++) {
    const qkv = ['q', 'k', 'v'].map((p) => matrices[`h.${i}.attn.${p}.weight`]);
    if (qkv.every((m) => m !== undefined)) operators[`h.${i}.attn.qkv`] = layer(stackRows(qkv));
    for (const [layerName, param] of [[`h.${i}.attn.o`, `h.${i}.attn.o.weight`], [`h.${i}.mlp.fc1`, `h.${i}.mlp.fc1.weight`], [`h.${i}.mlp.fc2`, `h.${i}.mlp.fc2.weight`]] as const) {
      if (matrices[param]) operators[layerName] = layer(matrices[param]);
    }
  }
  const head = matrices[config.tiedHead ? 'wte' : 'lm_head'];
  if (head) operators.head = layer(head);
  return {
    model: Object.keys(operators).length === 0 ? float : withLinearOperators(float, operators),
    settings,
    matrices,
    errors,
    dispose: () => {
      for (const op of layers) op.dispose();
    },
  };
}

/** The largest finite fp16 value. */
const FP16_MAX = 65504;

/**
 * `values` of parameter `name` rounded to fp16 or bf16 (as float32 numbers).
 * @throws {QuantError} for a value beyond fp16's range (it would become an infinity), naming the parameter and element.
 */
function roundTo16(values: ArrayLike<number>, scheme: 'fp16' | 'bf16', name: string): Float32Array {
  const rounded = Float32Array.from(values, (v) => (scheme === 'fp16' ? toFloat16(v) : bfloat16BitsToFloat32(float32ToBfloat16Bits(v))));
  if (scheme === 'fp16') {
    const at = rounded.findIndex((v) => !Number.isFinite(v));
    if (at >= 0) throw new QuantError(`quantizeModel: ${name}[${at}] = ${values[at]} is beyond fp16's range (±${FP16_MAX}); use bf16, which has float32's range, or an int scheme`);
  }
  return rounded;
}

/**
 * Quantizes a trained model for inference. Integer schemes quantize every weight matrix (and the embeddings
 * unless `embeddings: false`) per output channel (int8; per tensor with `perTensor`) or per group (int4);
 * fp16 and bf16 round every parameter. The input model is not changed; its weights are read back from its backend
 * once, asynchronously.
 * @throws {QuantError} (as a rejection) for a NaN or infinite weight (naming the parameter, row and column), a weight beyond fp16's
 * range with `fp16`, bad options, or an int4 matrix whose rows cannot be split in even groups.
 */
export async function quantizeModel(model: GPT, options: QuantizeModelOptions): Promise<QuantizedModel> {
  const { scheme } = options;
  if (!SCHEMES.includes(scheme)) throw new QuantError(`quantizeModel: unknown scheme '${scheme}'; schemes: ${SCHEMES.join(', ')}`);
  const settings: QuantizationSettings = { scheme, perTensor: options.perTensor === true, embeddings: options.embeddings !== false, activations: options.activations ?? 'int16' };
  if (settings.perTensor && scheme !== 'int8' && scheme !== 'int8-asym') throw new QuantError(`quantizeModel: perTensor applies to int8 and int8-asym, not ${scheme}`);
  const values = await parameterValues(model);
  if (scheme === 'fp16' || scheme === 'bf16') {
    const rounded = Object.fromEntries(Object.entries(values).map(([name, v]) => [name, roundTo16(v, scheme, name)]));
    const errors = Object.fromEntries(Object.keys(values).map((name) => [name, absoluteError(values[name]!, rounded[name]!)]));
    return assembleQuantizedModel(decodedModel(model, rounded, {}), {}, settings, errors);
  }
  const matrices: Record<string, QuantizedMatrix> = {};
  const errors: Record<string, { maxAbs: number; meanAbs: number }> = {};
  for (const name of quantizedNames(model, settings.embeddings)) {
    const [rows, cols] = model.params[name]!.value.shape as [number, number];
    const m = quantizeMatrix(values[name]!, rows, cols, { scheme, perTensor: settings.perTensor, ...(options.groupSize === undefined ? {} : { groupSize: options.groupSize }) }, name);
    matrices[name] = m;
    errors[name] = quantizationError(values[name]!, m);
  }
  return assembleQuantizedModel(decodedModel(model, values, matrices), matrices, settings, errors);
}
