// Both forms of the kernels that have two against the JS reference: the conformance suite runs the forms the
// adapter gets by default (direct matmul and serial rows on SwiftShader, tiled and lanes on a GPU), so both are
// checked here on every case of the suite for matmul and the row kernels (norms, softmax, reductions,
// cross-entropy, attention).
import { checkCase, conformanceCases } from '@microgpt/tensor/testing';
import { afterAll, describe, it } from 'vitest';
import { type WebGPUBackendOptions } from './index';
import { createNodeWebGPUBackend } from './node';
import { hasAdapter } from './test-backend';

/** The GPU's forms and the software adapter's. */
const FORMS: readonly Required<Pick<WebGPUBackendOptions, 'matmul' | 'rows'>>[] = [
  { matmul: 'tiled', rows: 'lanes' },
  { matmul: 'direct', rows: 'serial' },
];

/** Kernel families of the conformance suite whose shaders depend on the forms. */
const FORM_KERNELS = new Set(['matmul', 'reduce', 'softmax', 'norm', 'crossEntropy', 'attention']);

if (await hasAdapter()) {
  const backends = FORMS.map((forms) => ({ label: `${forms.matmul} matmul, ${forms.rows} rows`, backend: createNodeWebGPUBackend({ name: `webgpu-${forms.matmul}-${forms.rows}`, ...forms }) }));
  afterAll(async () => {
    for (const { backend } of backends) (await backend).dispose?.();
  });
  for (const { label, backend } of backends) {
    describe(label, () => {
      for (const c of conformanceCases().filter((x) => FORM_KERNELS.has(x.kernel))) {
        it(c.name, async () => {
          await checkCase(c, await backend, 'float32');
        });
      }
    });
  }
} else {
  it.skip('kernel forms: no WebGPU adapter here', () => {});
}
