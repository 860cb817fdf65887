// The error a user of the model API can cause: an impossible config, a batch that does not fit the plan, a
// prompt outside the vocabulary. Checkpoint files have their own (CheckpointError), data files theirs (DataError).

/** A bad model config, argument or state; the message names the field or argument, expected and found. */
export class ModelError extends Error {
  /** `'ModelError'`, or a subclass's own name (typed `string` so that subclasses can override it). */
  override readonly name: string = 'ModelError';
}

/**
 * Training stopped because the loss or the gradient norm stopped being finite. `step` is the 1-based step whose
 * loss was bad; the parameters are those after step − 1 (the bad step is not applied).
 */
export class NonFiniteLossError extends Error {
  /** Always `'NonFiniteLossError'`, so a training loop can tell divergence from other errors without `instanceof`. */
  override readonly name = 'NonFiniteLossError';
  /** The step (1-based) whose loss or gradient was not finite. */
  readonly step: number;
  /** The value found (NaN or ±Infinity). */
  readonly value: number;

  /** An error for step `step`, whose `what` (loss or gradient norm) was `value`. */
  constructor(step: number, what: string, value: number) {
    super(`training stopped at step ${step}: the ${what} is ${value}; the parameters are those after step ${step - 1}`);
    this.step = step;
    this.value = value;
  }
}
