// Trains microgpt.py's model on a list of names in the page's main thread, showing the loss as it falls, then
// samples. `?steps=N` sets the length of the run. When it is done, <body data-result> holds the figures as JSON.
import { createGPT, createTrainer, documentIds, documentLoader, generate, getPreset, memoryTokenSource, runTraining } from '@microgpt/model';
import { startBackend } from '@microgpt/tensor';
import { trainChar } from '@microgpt/tokenizer';

const NAMES = ['emma', 'olivia', 'ava', 'isabella', 'sophia', 'mia', 'charlotte', 'amelia', 'harper', 'evelyn', 'abigail', 'emily', 'ella', 'elizabeth', 'camila', 'luna', 'sofia', 'avery', 'mila', 'aria', 'scarlett', 'penelope', 'layla', 'chloe', 'victoria', 'madison', 'eleanor', 'grace', 'nora', 'riley'];
const steps = Number(new URLSearchParams(location.search).get('steps') ?? 300);
const log = (line) => { document.querySelector('#log').textContent += `${line}\n`; };

const backend = await startBackend('wasm');
document.querySelector('#backend').textContent = backend.name;
const text = `${NAMES.join('\n')}\n`;
const tokenizer = trainChar(NAMES.join(''), { bos: true });
const bos = tokenizer.bosId;
const preset = getPreset('names');
const source = memoryTokenSource(documentIds(text, (name) => tokenizer.encode(name), bos), tokenizer.vocabSize);
const train = documentLoader(source, { blockSize: preset.model.blockSize, batchSize: 8, seed: 1, valFraction: 0, bos });
const model = createGPT({ ...preset.model, vocabSize: tokenizer.vocabSize }, { seed: 42, dtype: 'float32', backend });
const trainer = createTrainer({ model, settings: { ...preset.train, steps, warmupSteps: Math.ceil(steps / 10), valFraction: 0 }, train });
const losses = [];
await runTraining(trainer, {
  onStep: (p) => {
    losses.push(p.loss);
    if (p.step === 1 || p.step % 50 === 0) log(`step ${p.step}/${p.steps}: loss ${p.loss.toFixed(3)}`);
  },
});
const samples = [];
for (let seed = 0; seed < 5; seed++) samples.push((await generate(model, [bos], { maxNewTokens: 16, temperature: 0.5, stopTokens: [bos], tokenizer, seed })).text);
document.querySelector('#samples').textContent = samples.join(', ');
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
document.body.dataset.result = JSON.stringify({ backend: backend.name, steps, firstLosses: mean(losses.slice(0, 10)), lastLosses: mean(losses.slice(-10)), samples });
