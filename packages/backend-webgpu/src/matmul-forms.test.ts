// Both matmul forms against the JS reference: the conformance suite runs the form the adapter gets by default
// (direct on SwiftShader), so the other is checked here on every matmul case of the suite.
import { type Backend } from '@microgpt/tensor';
import { checkCase, conformanceCases } from '@microgpt/tensor/testing';
import { afterAll, describe, it } from 'vitest';
import { type MatmulForm } from './index';
import { createNodeWebGPUBackend } from './node';
import { hasAdapter } from './test-backend';

const FORMS: readonly MatmulForm[] = ['tiled', 'direct'];

if (await hasAdapter()) {
  const backends = new Map<MatmulForm, Promise<Backend>>(FORMS.map((form) => [form, createNodeWebGPUBackend({ name: `webgpu-${form}`, matmul: form })]));
  afterAll(async () => {
    for (const backend of backends.values()) (await backend).dispose?.();
  });
  for (const form of FORMS) {
    describe(`matmul, ${form}`, () => {
      for (const c of conformanceCases().filter((x) => x.kernel === 'matmul')) {
        it(c.name, async () => {
          await checkCase(c, await backends.get(form)!, 'float32');
        });
      }
    });
  }
} else {
  it.skip('matmul forms: no WebGPU adapter here', () => {});
}
