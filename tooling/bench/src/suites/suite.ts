// What a benchmark suite is: a name, a line of description, and a run that emits measurements.
import type { Emit } from '../harness';

/** A named group of measurements. */
export interface Suite {
  readonly name: string;
  readonly description: string;
  run(emit: Emit): Promise<void>;
}
