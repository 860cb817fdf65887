// Fuzzing the training state a resumed run reads: trainer_state.json of a real trainer (documents and stream
// runs) with hostile values in any field, checked by checkTrainerState and, for what passes, checkOptimizerState
// against the real optimizer state. Every case must pass or throw a CheckpointError, never another error.
import { cleanOutcome, fuzzSettings, mutatedJsonText } from '@microgpt/fuzz';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { OptimizerState } from '@microgpt/autograd';
import { CheckpointError } from '../checkpoint/errors';
import { documentIds } from '../data/documents';
import { documentLoader, streamLoader } from '../data/loaders';
import { memoryTokenSource } from '../data/source';
import { createGPT, disposeGPT } from '../gpt/model';
import { DEFAULT_TRAIN, type TrainSettings } from './settings';
import { type TrainerState, createTrainer } from './trainer';
import { checkOptimizerState, checkTrainerState } from './trainer-state';

const TEXT = 'ava\nbob\ncyd\ndan\neve\nfay\ngus\nhal\nivy\njon\nkim\nlou\n';
const CHARS = [...new Set(TEXT.replaceAll('\n', ''))].sort();
const V = CHARS.length + 1;
const encode = (text: string): number[] => Array.from(text, (ch) => CHARS.indexOf(ch));
const SETTINGS: TrainSettings = { ...DEFAULT_TRAIN, steps: 6, batchSize: 2, optimizer: 'adamw', weightDecay: 0.1, schedule: 'cosine', warmupSteps: 2, valFraction: 0.2, dtype: 'float64' };

const model = createGPT({ vocabSize: V, blockSize: 4, nEmbd: 8, nHead: 2 }, { seed: 1, dtype: 'float64', backend: 'js' });
const options = { blockSize: 4, batchSize: 2, seed: 3, valFraction: 0.2 };
/** The state and optimizer state a documents run and a stream run save, as JSON gives them back. */
const saved = await Promise.all((['documents', 'stream'] as const).map(async (data) => {
  const train = data === 'documents' ? documentLoader(memoryTokenSource(documentIds(TEXT, encode, V - 1), V), { ...options, bos: V - 1 }) : streamLoader(memoryTokenSource(encode(TEXT.replaceAll('\n', '')), V), options);
  const trainer = createTrainer({ model, settings: { ...SETTINGS, data }, train });
  for (let i = 0; i < 3; i++) await trainer.trainStep();
  const state = JSON.parse(JSON.stringify(trainer.state())) as TrainerState;
  const optimizer = await trainer.optimizerState();
  trainer.dispose();
  return { state, optimizer };
}));
afterAll(() => {
  disposeGPT(model);
});

function check(text: string, optimizer: OptimizerState): void {
  const outcome = cleanOutcome(() => checkTrainerState(JSON.parse(text)), [CheckpointError]);
  if (outcome.ok) cleanOutcome(() => { checkOptimizerState(optimizer, outcome.value); }, [CheckpointError]);
  else expect(outcome.error.message).toMatch(/^trainer_state\.json: /);
}

describe('trainer state fuzz', () => {
  it('the saved states pass', () => {
    for (const { state, optimizer } of saved) {
      checkOptimizerState(optimizer, checkTrainerState(state));
    }
  });

  it('hostile values in any field of trainer_state.json: the state passes or a CheckpointError names the file', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...saved).chain(({ state, optimizer }) => mutatedJsonText(state).map((text) => [text, optimizer] as const)),
        ([text, optimizer]) => {
          check(text, optimizer);
        },
      ),
      fuzzSettings(200),
    );
  });
});
