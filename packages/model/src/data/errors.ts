// The error of data files and loaders: a malformed token file, a dataset too small for one block, an id
// outside the vocabulary. The message names the file (when known), the field or position, expected and found.

/** Bad training data. */
export class DataError extends Error {
  /** Always `'DataError'`, so a caller can tell bad data from a bad model config without `instanceof`. */
  override readonly name = 'DataError';
}
