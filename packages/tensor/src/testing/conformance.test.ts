import { describe, it } from 'vitest';
import { findBackend } from '../registry';
import { runConformance } from './conformance';
import { createStorageOnlyBackend } from './storage-only-backend';

// The JS backend against itself in float64 (float32 kernels against the float64 reference, float64 exact).
describe('conformance: js', () => {
  runConformance(() => findBackend('js'), { describe, it });
});

// A backend with storage only: every kernel goes through the fallback path, which must be exact too.
describe('conformance: storage-only backend (all kernels fall back)', () => {
  const bare = createStorageOnlyBackend('bare');
  runConformance(() => bare, { describe, it }, { dtypes: ['float64'] });
});
