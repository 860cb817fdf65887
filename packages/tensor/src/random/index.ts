export { PythonRandom } from './python-random.js';
export type { MutableArrayLike, PythonRandomState } from './python-random.js';
