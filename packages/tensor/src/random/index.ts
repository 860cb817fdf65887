export { PythonRandom } from './python-random.js';
export type { PythonRandomState } from './python-random.js';
