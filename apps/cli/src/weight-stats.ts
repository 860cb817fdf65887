// `microgpt info --stats`: per-parameter statistics of a checkpoint's weights (tensorStats) and, for a quantized
// checkpoint compared with the float checkpoint it came from (`--float DIR`), the error of each parameter. A
// quantized checkpoint stores only its codes and scales, so the float weights must be given to measure the error.
import { type GPT, parameterSpecs, splitInTableOrder, tensorStats, type TensorStats } from '@microgpt/model';
import { findBackend } from '@microgpt/tensor';
import { loadAnyCheckpoint } from './checkpoints';
import { runtimeError } from './errors';

/** How far a parameter moved from its float value. */
export interface WeightError {
  readonly maxAbs: number;
  readonly meanAbs: number;
  /** ‖q − f‖ / ‖f‖ (NaN when ‖f‖ = 0). */
  readonly relative: number;
}

/** One parameter's line of `info --stats`. */
export interface ParameterStats {
  readonly name: string;
  readonly stats: TensorStats;
  /** Against the float weights (`--float`), null without them. */
  readonly error: WeightError | null;
}

/** Every parameter's values by name, read back once on the js backend. */
async function valuesOf(model: GPT): Promise<Record<string, Float32Array | Float64Array>> {
  return splitInTableOrder(parameterSpecs(model.config), (await model.flat.toArrayAsync()) as Float32Array | Float64Array);
}

function errorOf(q: ArrayLike<number>, f: ArrayLike<number>): WeightError {
  let [maxAbs, sumAbs, squares, reference] = [0, 0, 0, 0];
  for (let i = 0; i < f.length; i++) {
    const d = Math.abs(q[i]! - f[i]!);
    maxAbs = Math.max(maxAbs, d);
    sumAbs += d;
    squares += d * d;
    reference += f[i]! * f[i]!;
  }
  return { maxAbs, meanAbs: f.length === 0 ? 0 : sumAbs / f.length, relative: reference === 0 ? NaN : Math.sqrt(squares / reference) };
}

/**
 * The statistics of every parameter of the checkpoint at `path` (float, quantized: its decoded weights, or a
 * Hugging Face GPT-2 folder), and with `floatPath` the error of each against that checkpoint's weights.
 * @throws {CliError} (exit 1) when the float checkpoint's parameters differ in names or shapes.
 */
export async function checkpointStats(path: string, floatPath: string | null): Promise<ParameterStats[]> {
  const backend = findBackend('js');
  const { model } = await loadAnyCheckpoint(path, backend);
  const values = await valuesOf(model);
  let reference: Record<string, Float32Array | Float64Array> | null = null;
  if (floatPath !== null) {
    const float = (await loadAnyCheckpoint(floatPath, backend)).model;
    const mine = parameterSpecs(model.config);
    const theirs = parameterSpecs(float.config);
    const differ = mine.find((spec, i) => spec.name !== theirs[i]?.name || spec.shape.join('×') !== theirs[i].shape.join('×'));
    if (differ || mine.length !== theirs.length) {
      const shape = (specs: typeof mine, name: string): string => specs.find((s) => s.name === name)?.shape.join('×') ?? 'missing';
      const name = (differ ?? theirs[mine.length]!).name;
      throw runtimeError(`--float ${floatPath}: parameter '${name}' is ${shape(theirs, name)} there and ${shape(mine, name)} in ${path}`, 'give the float checkpoint this one was quantized from');
    }
    reference = await valuesOf(float);
  }
  return parameterSpecs(model.config).map((spec) => ({
    name: spec.name,
    stats: tensorStats(values[spec.name]!, spec.shape),
    error: reference ? errorOf(values[spec.name]!, reference[spec.name]!) : null,
  }));
}

/** A number in 10 columns: fixed point for ordinary magnitudes, else exponent form. */
function cell(x: number): string {
  const a = Math.abs(x);
  const text = Number.isNaN(x) ? 'nan' : x === 0 || (a >= 1e-3 && a < 1e5) ? x.toFixed(4) : x.toExponential(2);
  return text.padStart(10);
}

/** The stats as a table, one parameter a line, with error columns when there are errors. */
export function statsTable(rows: readonly ParameterStats[]): string {
  const width = Math.max(9, ...rows.map((r) => r.name.length));
  const shapeWidth = Math.max(5, ...rows.map((r) => r.stats.shape.join('×').length));
  const errors = rows.some((r) => r.error);
  const head = ['mean', 'std', 'min', 'max', 'zeros', 'norm', ...(errors ? ['max |err|', 'mean |err|', 'rel err'] : [])].map((h) => h.padStart(10)).join(' ');
  const lines = [`${'parameter'.padEnd(width)}  ${'shape'.padEnd(shapeWidth)} ${head}`];
  for (const { name, stats: s, error } of rows) {
    const cells = [s.mean, s.std, s.min, s.max, s.zeroFraction, s.norm, ...(error ? [error.maxAbs, error.meanAbs, error.relative] : [])].map(cell).join(' ');
    lines.push(`${name.padEnd(width)}  ${s.shape.join('×').padEnd(shapeWidth)} ${cells}${s.nonFinite > 0 ? `  (${s.nonFinite} not finite)` : ''}`);
  }
  return lines.join('\n');
}

/** The stats for --json: snake_case fields, NaN as null. */
export function statsRecord(rows: readonly ParameterStats[]): Record<string, object> {
  const n = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return Object.fromEntries(
    rows.map(({ name, stats: s, error }) => [
      name,
      {
        shape: s.shape,
        mean: n(s.mean),
        std: n(s.std),
        min: n(s.min),
        max: n(s.max),
        zero_fraction: s.zeroFraction,
        norm: n(s.norm),
        non_finite: s.nonFinite,
        ...(error ? { error: { max_abs: error.maxAbs, mean_abs: error.meanAbs, relative: n(error.relative) } } : {}),
      },
    ]),
  );
}
