// Test helper: a trainer's losses over several steps, each step awaited before the next (as runTraining does).
import type { Trainer } from './trainer';

/** The losses of `steps` more steps of `trainer`. */
export async function lossesOf(trainer: Trainer, steps: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await trainer.trainStep()).loss);
  return losses;
}
