import { afterAll, describe, it } from 'vitest';
import { runConformance } from '@microgpt/tensor/testing';
import { hasAdapter, testBackend } from './test-backend';

if (await hasAdapter()) {
  // float32 only: WGSL has no float64, so the backend does not store it.
  runConformance(testBackend, { describe, it }, { dtypes: ['float32'] });
  afterAll(async () => (await testBackend()).dispose?.());
} else {
  it.skip('conformance: no WebGPU adapter here', () => {});
}
