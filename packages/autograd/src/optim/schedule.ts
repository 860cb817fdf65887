// Learning-rate schedules as plain functions of the 0-based step: constant, microgpt.py's linear decay and
// nanoGPT's warmup-then-cosine. A trainer sets `optimizer.lr = schedule(step)` before each step.
/** A learning rate as a function of the 0-based step. */
export type LrSchedule = (step: number) => number;

function checkRate(op: string, name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${op}: ${name} must be finite and ≥ 0, found ${value}`);
}

function checkCount(op: string, name: string, value: number, min: number): void {
  if (!(Number.isInteger(value) && value >= min)) throw new RangeError(`${op}: ${name} must be an integer ≥ ${min}, found ${value}`);
}

function checkStep(op: string, step: number): void {
  if (!(Number.isFinite(step) && step >= 0)) throw new RangeError(`${op}: step must be a finite number ≥ 0, found ${step}`);
}

/**
 * The same learning rate at every step.
 * @throws {RangeError} when lr is negative or not finite (also when the schedule gets a negative step).
 */
export function constantLr(lr: number): LrSchedule {
  checkRate('constantLr', 'lr', lr);
  return (step) => {
    checkStep('constantLr', step);
    return lr;
  };
}

/** Options of {@link linearDecay}. */
export interface LinearDecayOptions {
  /** Learning rate at step 0. */
  lr: number;
  /** Step at which the rate reaches `end` (an integer ≥ 1). */
  steps: number;
  /** Rate at `steps` and after (default 0). */
  end?: number;
}

/**
 * Linear decay from lr at step 0 to `end` at `steps`, then `end`: end + (lr - end) · (1 - step / steps).
 * With end = 0 this is microgpt.py's `learning_rate * (1 - step / num_steps)`, bit for bit.
 * @throws {RangeError} when lr or end is negative or not finite, or steps is not an integer ≥ 1 (also when
 * the schedule gets a negative step).
 */
export function linearDecay(options: LinearDecayOptions): LrSchedule {
  const { lr, steps, end = 0 } = options;
  checkRate('linearDecay', 'lr', lr);
  checkRate('linearDecay', 'end', end);
  checkCount('linearDecay', 'steps', steps, 1);
  return (step) => {
    checkStep('linearDecay', step);
    if (step >= steps) return end;
    return end + (lr - end) * (1 - step / steps);
  };
}

/** Options of {@link warmupCosine}. */
export interface WarmupCosineOptions {
  /** Peak learning rate, reached at the end of warmup. */
  lr: number;
  /** Steps of linear warmup (an integer ≥ 0). */
  warmupSteps: number;
  /** Step where the cosine reaches minLr (nanoGPT's lr_decay_iters; an integer > warmupSteps). */
  steps: number;
  /** Rate at `steps` and after (0 ≤ minLr ≤ lr). */
  minLr: number;
}

/**
 * nanoGPT's get_lr: linear warmup lr · (step + 1) / (warmupSteps + 1) for step < warmupSteps; then a cosine
 * from lr at warmupSteps down to minLr at `steps`: minLr + 0.5 · (1 + cos(π · r)) · (lr - minLr) with
 * r = (step - warmupSteps) / (steps - warmupSteps); minLr after `steps`. Same operations in the same order as
 * the Python (Math.cos may differ from C's cos in the last bit).
 * @throws {RangeError} when lr or minLr is negative or not finite, minLr > lr, warmupSteps is not an integer
 * ≥ 0 or steps not an integer > warmupSteps (also when the schedule gets a negative step).
 */
export function warmupCosine(options: WarmupCosineOptions): LrSchedule {
  const { lr, warmupSteps, steps, minLr } = options;
  const op = 'warmupCosine';
  checkRate(op, 'lr', lr);
  checkRate(op, 'minLr', minLr);
  if (minLr > lr) throw new RangeError(`${op}: minLr (${minLr}) must not exceed lr (${lr})`);
  checkCount(op, 'warmupSteps', warmupSteps, 0);
  checkCount(op, 'steps', steps, warmupSteps + 1);
  return (step) => {
    checkStep(op, step);
    if (step < warmupSteps) return (lr * (step + 1)) / (warmupSteps + 1);
    if (step > steps) return minLr;
    const ratio = (step - warmupSteps) / (steps - warmupSteps);
    const coeff = 0.5 * (1.0 + Math.cos(Math.PI * ratio));
    return minLr + coeff * (lr - minLr);
  };
}
