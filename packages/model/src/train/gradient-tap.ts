// What a trainer hands to a gradient tap (trainer.tapGradients): the gradients of the steps it wants, read back
// before the optimizer's update zeroes them, and on request every step's gradient norm.

/** Sees a step's gradients before the update zeroes them (TensorBoard's gradient histograms). */
export interface GradientTap {
  /** Asked before each step with its 1-based number: true reads that step's gradients back for `gradients`. */
  wants(step: number): boolean;
  /**
   * The step's gradients by parameter name (before clipping; host copies the tap may keep), once its loss and
   * gradient norm are finite; awaited before the update.
   */
  gradients(step: number, values: Readonly<Record<string, Float32Array | Float64Array>>): void | Promise<void>;
  /** True: every step reports its gradient norm (`StepReport.gradNorm`) even when not clipping, read with the loss. */
  readonly measureNorm?: boolean;
}
