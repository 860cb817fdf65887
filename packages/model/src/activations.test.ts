import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { getActivation, hasActivation, listActivations, registerActivation } from './activations';
import { resolveConfig } from './config';
import { ModelError } from './errors';
import { forwardLogits } from './gpt/inference';
import { createGPT, disposeGPT } from './gpt/model';

describe('activations', () => {
  it('lists the built-ins and refuses to replace them or take half a pair', () => {
    expect(listActivations().slice(0, 5)).toEqual(['relu', 'gelu', 'gelu_tanh', 'silu', 'squared_relu']);
    const noop = { forward: () => undefined, backward: () => undefined };
    expect(() => { registerActivation('relu', noop); }).toThrow(/built in/);
    expect(() => { registerActivation('', noop); }).toThrow(ModelError);
    expect(() => { registerActivation('half', { forward: noop.forward } as never); }).toThrow(/both forward/);
    expect(() => getActivation('nope')).toThrow(/activation 'nope' is not known; known: relu, gelu/);
    expect(() => resolveConfig({ vocabSize: 5, activation: 'nope' })).toThrow(/activation must be one of relu, gelu/);
  });
  it('a registered activation written with tensor ops runs in the model (here relu again: same logits as the built-in)', async () => {
    registerActivation('my_relu', {
      forward: (x, out) => {
        T.relu(x, out);
      },
      backward: (x, dout, dx) => {
        const grad = T.unaryBackward('relu', x, dout);
        T.add(dx, grad, dx);
        grad.dispose();
      },
    });
    expect(hasActivation('my_relu')).toBe(true);
    const a = createGPT({ vocabSize: 9, activation: 'relu' }, { seed: 2, dtype: 'float64', backend: 'js' });
    const b = createGPT({ vocabSize: 9, activation: 'my_relu' }, { seed: 2, dtype: 'float64', backend: 'js' });
    const ids = [1, 2, 3, 4, 5, 6];
    expect(Array.from(await forwardLogits(b, ids, 1, 6))).toEqual(Array.from(await forwardLogits(a, ids, 1, 6)));
    disposeGPT(a);
    disposeGPT(b);
  });
});
