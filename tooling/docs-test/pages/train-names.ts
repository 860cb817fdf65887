// What the model and quant pages share: the names preset's model trained briefly on thirty names in the page,
// on the wasm backend, as examples/browser does.
import { type GPT, createGPT, createTrainer, documentIds, documentLoader, getPreset, memoryTokenSource, runTraining } from '@microgpt/model';
import { ready } from '@microgpt/tensor';
import { type CharTokenizer, trainChar } from '@microgpt/tokenizer';

const NAMES = ['emma', 'olivia', 'ava', 'isabella', 'sophia', 'mia', 'charlotte', 'amelia', 'harper', 'evelyn', 'abigail', 'emily', 'ella', 'elizabeth', 'camila', 'luna', 'sofia', 'avery', 'mila', 'aria', 'scarlett', 'penelope', 'layla', 'chloe', 'victoria', 'madison', 'eleanor', 'grace', 'nora', 'riley'];

/** A trained model, its tokenizer and its BOS id, its backend's name and every step's loss. */
export interface TrainedNames {
  readonly model: GPT;
  readonly tokenizer: CharTokenizer;
  readonly bos: number;
  readonly backend: string;
  readonly losses: readonly number[];
}

/** Trains the names preset's model (seed 42) for `steps` steps of 8 names. */
export async function trainNames(steps: number): Promise<TrainedNames> {
  const backend = await ready();
  const tokenizer = trainChar(NAMES.join(''), { bos: true });
  const bos = tokenizer.bosId;
  if (bos === undefined) throw new Error('trainNames: trainChar with { bos: true } gave no BOS id');
  const preset = getPreset('names');
  const source = memoryTokenSource(documentIds(`${NAMES.join('\n')}\n`, (name) => tokenizer.encode(name), bos), tokenizer.vocabSize);
  const train = documentLoader(source, { blockSize: preset.model.blockSize, batchSize: 8, seed: 1, valFraction: 0, bos });
  const model = createGPT({ ...preset.model, vocabSize: tokenizer.vocabSize }, { seed: 42, dtype: 'float32', backend });
  const trainer = createTrainer({ model, settings: { ...preset.train, steps, warmupSteps: Math.ceil(steps / 10), valFraction: 0 }, train });
  const losses: number[] = [];
  await runTraining(trainer, {
    onStep: (p) => {
      losses.push(p.loss);
    },
  });
  return { model, tokenizer, bos, backend: backend.name, losses };
}

/** The mean of `xs`. */
export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}
