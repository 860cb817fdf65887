// @microgpt/model in a bundled page: a few dozen training steps on the wasm backend lower the loss, and the
// trained model samples names.
import { generate } from '@microgpt/model';
import { report } from './report';
import { mean, trainNames } from './train-names';

void report(async () => {
  const { model, tokenizer, bos, backend, losses } = await trainNames(60);
  const samples: string[] = [];
  for (let seed = 0; seed < 3; seed++) {
    const { text } = await generate(model, [bos], { maxNewTokens: 16, temperature: 0.5, stopTokens: [bos], tokenizer, seed });
    if (text === undefined) throw new Error('generate: no text, although a tokenizer was given');
    samples.push(text);
  }
  return { backend, steps: losses.length, firstLosses: mean(losses.slice(0, 5)), lastLosses: mean(losses.slice(-5)), samples };
});
