// @microgpt/quant in a bundled page: a model trained here, quantized to int8, gives logits close to the float
// model's (its linear layers running the quantized matmul on the wasm backend) and generates.
import { forwardLogits, generate } from '@microgpt/model';
import { quantizeModel } from '@microgpt/quant';
import { report } from './report';
import { trainNames } from './train-names';

void report(async () => {
  const { model, tokenizer, bos, backend } = await trainNames(60);
  const quantized = await quantizeModel(model, { scheme: 'int8' });
  const ids = [bos, ...tokenizer.encode('olivia')];
  const float = await forwardLogits(model, ids, 1, ids.length);
  const int8 = await forwardLogits(quantized.model, ids, 1, ids.length);
  let maxDiff = 0;
  let maxLogit = 0;
  for (let i = 0; i < float.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(float[i]! - int8[i]!));
    maxLogit = Math.max(maxLogit, Math.abs(float[i]!));
  }
  const { text, ids: sampled } = await generate(quantized.model, [bos], { maxNewTokens: 16, temperature: 0.5, stopTokens: [bos], tokenizer, seed: 0 });
  return { backend, scheme: quantized.settings.scheme, maxDiff, maxLogit, sample: text, sampleTokens: sampled.length };
});
