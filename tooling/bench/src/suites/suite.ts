// What a benchmark suite is: a name, a line of description, and a run that emits measurements.
import type { Emit } from '../harness';

/** A named group of measurements. */
export interface Suite {
  readonly name: string;
  readonly description: string;
  /** Left out of a run that names no suite (`pnpm bench`): it takes hours somewhere it may run. */
  readonly onlyWhenNamed?: boolean;
  run(emit: Emit): Promise<void>;
}
