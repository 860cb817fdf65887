// Streams a text file of any size into a token file and trains on it through a small window, so neither the text
// nor the token ids are ever held whole: BPE trained from a stream, the text encoded piece by piece, the ids
// read back in windows. Usage: node stream.mjs <text file> [--steps N] [--window N]
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createGPT, createTrainer, getPreset, resolveConfig, runTraining, streamLoader, tokenizerHash, utf8TextPieces } from '@microgpt/model';
import { openTokenFile, writeTokenFile } from '@microgpt/model/node';
import { startBackend } from '@microgpt/tensor';
import { trainBpeStream } from '@microgpt/tokenizer';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { steps: { type: 'string', default: '100' }, window: { type: 'string', default: '65536' } } });
const input = positionals[0];
if (input === undefined) {
  console.error('usage: node stream.mjs <text file> [--steps N] [--window N]');
  process.exit(2);
}
const pieces = () => utf8TextPieces(createReadStream(input), { name: input, pieceChars: 1 << 16 });

const bytes = (await stat(input)).size;
const tokenizer = await trainBpeStream(pieces(), { vocabSize: 512, pattern: 'gpt4' });
console.log(`${input}: ${bytes.toLocaleString('en-US')} bytes; BPE trained from the stream: ${tokenizer.vocabSize} tokens`);

async function* encoded() {
  for await (const piece of pieces()) yield tokenizer.encode(piece);
}
const tokenPath = `${input}.tok`;
const count = await writeTokenFile(tokenPath, encoded(), tokenizer.vocabSize, await tokenizerHash(tokenizer.toJSON()));
console.log(`${tokenPath}: ${count.toLocaleString('en-US')} tokens (${(count / bytes).toFixed(3)} per byte)`);

const windowTokens = Number(values.window);
const source = openTokenFile(tokenPath, { windowTokens });
console.log(`reading through a window of ${windowTokens.toLocaleString('en-US')} tokens`);
const backend = await startBackend('wasm');
const config = resolveConfig({ vocabSize: tokenizer.vocabSize, nLayer: 2, nHead: 4, nEmbd: 64, blockSize: 64 });
const steps = Number(values.steps);
const settings = { ...getPreset('shakespeare-cpu').train, steps, batchSize: 8, warmupSteps: Math.ceil(steps / 10), evalEvery: steps, evalBatches: 8 };
const train = streamLoader(source, { blockSize: config.blockSize, batchSize: 8, seed: 1, valFraction: 0.1 });
const model = createGPT(config, { seed: 1, dtype: 'float32', backend });
const trainer = createTrainer({ model, settings, train, val: () => train.evalBatches(8) });
let first = NaN;
const result = await runTraining(trainer, { onStep: (p) => { if (p.step === 1) first = p.loss; } });
source.close();
console.log(`trained ${steps} steps: loss ${first.toFixed(3)} → ${result.lastLoss.toFixed(3)}, validation ${result.valLoss.toFixed(3)}`);
