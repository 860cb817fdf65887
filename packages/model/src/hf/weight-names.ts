// microgpt's parameters ↔ HF GPT-2's tensors. GPT-2 stores its linear layers as Conv1D, W as [in, out]
// (y = x·W + b), where microgpt stores [out, in] (PyTorch's Linear), and fuses q, k, v into one c_attn [C, 3C].
import { type GPTConfig, mlpHidden } from '../config';
import { type ParamSpec, parameterSpecs } from '../gpt/params';

/** Float data by tensor name. */
export type Float = Float32Array | Float64Array;

/** `m` ([rows, cols] row-major) transposed into `out` at column offset `col` of an [cols, outCols] matrix. */
function transposeInto(m: ArrayLike<number>, rows: number, cols: number, out: Float, outCols: number, col: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * outCols + col + r] = m[r * cols + c]!;
}

/** Columns [col, col + rows) of `m` ([cols, mCols] row-major) transposed into `out` ([rows, cols]). */
function transposeFrom(m: ArrayLike<number>, cols: number, mCols: number, col: number, out: Float, rows: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = m[c * mCols + col + r]!;
}

/** One HF tensor and the microgpt parameters it is made of. */
interface Gpt2Tensor {
  readonly name: string;
  readonly shape: readonly number[];
  /** The microgpt parameters side by side (q, k, v for c_attn), each [out, in] for a Conv1D weight. */
  readonly parts: readonly string[];
  /** A Conv1D weight: stored transposed. */
  readonly conv1d: boolean;
  /** The value GPT-2 needs when microgpt's config has no such parameter (zero bias, unit gain, no positions). */
  readonly missing: 0 | 1;
}

/**
 * Every tensor of GPT2LMHeadModel's state for `config`, with HF's names (`transformer.…`, and `lm_head.weight`
 * when the head is untied), in HF's shapes.
 */
export function gpt2Tensors(config: GPTConfig): Gpt2Tensor[] {
  const C = config.nEmbd;
  const F = mlpHidden(config);
  const t = (name: string, shape: number[], parts: string[], conv1d = false, missing: 0 | 1 = 0): Gpt2Tensor => ({ name, shape, parts, conv1d, missing });
  const norm = (hf: string, ours: string): Gpt2Tensor[] => [t(`${hf}.weight`, [C], [`${ours}.weight`], false, 1), t(`${hf}.bias`, [C], [`${ours}.bias`])];
  const out: Gpt2Tensor[] = [t('transformer.wte.weight', [config.vocabSize, C], ['wte']), t('transformer.wpe.weight', [config.blockSize, C], ['wpe'])];
  for (let i = 0; i < config.nLayer; i++) {
    const h = `transformer.h.${i}`;
    const attn = (kind: string): string[] => ['q', 'k', 'v'].map((p) => `h.${i}.attn.${p}.${kind}`);
    out.push(
      ...norm(`${h}.ln_1`, `h.${i}.ln_1`),
      t(`${h}.attn.c_attn.weight`, [C, 3 * C], attn('weight'), true),
      t(`${h}.attn.c_attn.bias`, [3 * C], attn('bias')),
      t(`${h}.attn.c_proj.weight`, [C, C], [`h.${i}.attn.o.weight`], true),
      t(`${h}.attn.c_proj.bias`, [C], [`h.${i}.attn.o.bias`]),
      ...norm(`${h}.ln_2`, `h.${i}.ln_2`),
      t(`${h}.mlp.c_fc.weight`, [C, F], [`h.${i}.mlp.fc1.weight`], true),
      t(`${h}.mlp.c_fc.bias`, [F], [`h.${i}.mlp.fc1.bias`]),
      t(`${h}.mlp.c_proj.weight`, [F, C], [`h.${i}.mlp.fc2.weight`], true),
      t(`${h}.mlp.c_proj.bias`, [C], [`h.${i}.mlp.fc2.bias`]),
    );
  }
  out.push(...norm('transformer.ln_f', 'ln_f'));
  if (!config.tiedHead) out.push(t('lm_head.weight', [config.vocabSize, C], ['lm_head']));
  return out;
}

function shapeOf(specs: ReadonlyMap<string, ParamSpec>, name: string): readonly number[] {
  return specs.get(name)!.shape;
}

/**
 * HF GPT-2's tensors from microgpt's parameter values (`parameterSpecs(config)` names): Conv1D weights
 * transposed, q/k/v concatenated; parameters the config lacks are written as GPT-2's no-op values (see
 * GPT2_MAPPINGS). Values are copied exactly, in the dtype of `values`.
 * @param make allocates an output array of the parameters' dtype.
 */
export function toGpt2Values(config: GPTConfig, values: Readonly<Record<string, Float>>, make: (length: number) => Float): Record<string, Float> {
  const specs = new Map(parameterSpecs(config).map((spec) => [spec.name, spec]));
  const out: Record<string, Float> = {};
  for (const tensor of gpt2Tensors(config)) {
    const data = make(tensor.shape.reduce((a, d) => a * d, 1));
    if (!tensor.parts.every((part) => specs.has(part))) {
      data.fill(tensor.missing);
    } else if (tensor.conv1d) {
      const outCols = tensor.shape[1]!;
      tensor.parts.forEach((part, k) => {
        const [rows, cols] = shapeOf(specs, part) as [number, number];
        transposeInto(values[part]!, rows, cols, data, outCols, k * rows);
      });
    } else {
      let offset = 0;
      for (const part of tensor.parts) {
        data.set(values[part]!, offset);
        offset += values[part]!.length;
      }
    }
    out[tensor.name] = data;
  }
  return out;
}

/**
 * microgpt's parameter values (`parameterSpecs(config)` names) from HF GPT-2's tensors (checked beforehand to be
 * exactly {@link gpt2Tensors} with their shapes); the inverse of {@link toGpt2Values} for a config with every
 * parameter (an imported config).
 */
export function fromGpt2Values(config: GPTConfig, tensors: Readonly<Record<string, Float>>, make: (length: number) => Float): Record<string, Float> {
  const specs = new Map(parameterSpecs(config).map((spec) => [spec.name, spec]));
  const out: Record<string, Float> = {};
  for (const tensor of gpt2Tensors(config)) {
    const data = tensors[tensor.name]!;
    let offset = 0;
    tensor.parts.forEach((part, k) => {
      const shape = shapeOf(specs, part);
      const length = shape.reduce((a, d) => a * d, 1);
      const target = make(length);
      if (tensor.conv1d) transposeFrom(data, shape[1]!, tensor.shape[1]!, k * shape[0]!, target, shape[0]!);
      else target.set(data.subarray(offset, offset + length));
      offset += length;
      out[part] = target;
    });
  }
  return out;
}
