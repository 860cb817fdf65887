// A word-level GPT on Tiny Shakespeare: each word, number, punctuation run or whitespace run is one token (the
// 4,000 most frequent; the rest become <unk>), trained nanoGPT's way on random windows, then sampled.
// Usage: node train.mjs <input.txt> [--steps N] [--vocab N] [--out DIR]
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { countParameters, createGPT, createTrainer, generate, getPreset, memoryTokenSource, resolveConfig, runTraining, streamLoader } from '@microgpt/model';
import { saveCheckpoint } from '@microgpt/model/node';
import { startBackend } from '@microgpt/tensor';
import { trainWord } from '@microgpt/tokenizer';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { steps: { type: 'string', default: '2000' }, vocab: { type: 'string', default: '4000' }, out: { type: 'string', default: 'runs/words' } },
});
const input = positionals[0];
if (input === undefined) {
  console.error('usage: node train.mjs <input.txt> [--steps N] [--vocab N] [--out DIR]');
  process.exit(2);
}
const text = await readFile(input, 'utf8');
const tokenizer = trainWord(text, { maxVocab: Number(values.vocab) });
const ids = tokenizer.encode(text);
const unknown = ids.filter((id) => id === tokenizer.unkId).length;
console.log(`${input}: ${text.length.toLocaleString('en-US')} characters → ${ids.length.toLocaleString('en-US')} word tokens, vocabulary ${tokenizer.vocabSize}, ${((100 * unknown) / ids.length).toFixed(1)}% <unk>`);

const backend = await startBackend('wasm');
const preset = getPreset('shakespeare-cpu');
const config = resolveConfig({ ...preset.model, vocabSize: tokenizer.vocabSize, nLayer: 2, nEmbd: 64, blockSize: 32 });
console.log(`model: ${config.nLayer} layers, width ${config.nEmbd}, context ${config.blockSize} words, ${countParameters(config).toLocaleString('en-US')} parameters`);
const steps = Number(values.steps);
const settings = { ...preset.train, steps, warmupSteps: Math.ceil(steps / 20), evalEvery: Math.max(1, Math.floor(steps / 4)), evalBatches: 10 };
const train = streamLoader(memoryTokenSource(ids, tokenizer.vocabSize), { blockSize: config.blockSize, batchSize: settings.batchSize, seed: 1, valFraction: 0.1 });
const model = createGPT(config, { seed: 1, dtype: 'float32', backend });
const trainer = createTrainer({ model, settings, train, val: () => train.evalBatches(settings.evalBatches) });
let first = NaN;
const result = await runTraining(trainer, {
  onStep: (p) => { if (p.step === 1) first = p.loss; },
  onEval: (step, loss) => console.log(`step ${step}/${steps}: validation loss ${loss.toFixed(3)}`),
});
console.log(`loss ${first.toFixed(3)} → ${result.lastLoss.toFixed(3)} (a uniform guess: ${Math.log(tokenizer.vocabSize).toFixed(3)})`);

const prompt = tokenizer.encode('ROMEO:');
const { text: continuation } = await generate(model, prompt, { maxNewTokens: 40, temperature: 0.8, topK: 40, seed: 1, tokenizer });
console.log(`ROMEO:${continuation}`);
await saveCheckpoint(values.out, { model, tokenizer });
console.log(`saved to ${values.out} (microgpt sample --ckpt ${values.out} samples from it)`);
