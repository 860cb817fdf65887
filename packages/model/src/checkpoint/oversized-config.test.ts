// A config.json that claims an enormous model (a billion layers) next to a small model.safetensors: describing
// it counts the parameters in closed form, and loading it is refused from the file's size before the parameter
// table (a billion layers long) is made or anything is allocated.
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config';
import { disposeGPT } from '../gpt/model';
import { parameterCounts } from '../gpt/params';
import { CHECKPOINT_FILES, checkpointFiles, readCheckpointFiles } from './bundle';
import { decodeConfigFile } from './config-file';
import { TEST_CONFIG, checkpointErrorOf, testModel, testTokenizer } from './test-checkpoint';

/** The test checkpoint's files with config.json's `model` fields replaced by `fields` (and `parameters` by `parameters`). */
async function filesClaiming(fields: Record<string, unknown>, parameters: (config: ReturnType<typeof resolveConfig>) => unknown): Promise<Record<string, Uint8Array>> {
  const model = testModel();
  const files = await checkpointFiles({ model, tokenizer: testTokenizer().toJSON() });
  disposeGPT(model);
  const json = JSON.parse(new TextDecoder().decode(files[CHECKPOINT_FILES.config])) as { model: Record<string, unknown>; parameters: unknown };
  json.model = { ...json.model, ...fields };
  json.parameters = parameters(resolveConfig({ ...TEST_CONFIG, ...fields }));
  return { ...files, [CHECKPOINT_FILES.config]: new TextEncoder().encode(JSON.stringify(json)) };
}

describe('a config.json claiming a billion layers', () => {
  let files: Record<string, Uint8Array>;
  beforeAll(async () => {
    files = await filesClaiming({ nLayer: 1_000_000_000 }, (config) => parameterCounts(config).total);
  });

  it('is described with its parameter count, computed in closed form', () => {
    const { config, parameters } = decodeConfigFile(files[CHECKPOINT_FILES.config]!);
    expect(config.nLayer).toBe(1_000_000_000);
    // Per block: q, k, v, o (8 × 8 each), fc1 and fc2 (32 × 8 each), their biases (8 × 4 + 32 + 8), two layernorms (2 × 16).
    const perBlock = 4 * 64 + 2 * 256 + (4 * 8 + 32 + 8) + 2 * 16;
    expect(perBlock).toBe(872);
    // Outside the blocks: wte, wpe, lm_head (6 × 8, 4 × 8, 6 × 8), the embedding and final layernorms (2 × 16).
    expect(parameters).toBe(128 + 32 + 1_000_000_000 * perBlock);
  });

  it('is refused when loading, its parameter table being longer than model.safetensors could name, before anything is made', () => {
    const error = checkpointErrorOf(() => readCheckpointFiles(files, { backend: 'js' }));
    // Per block: 6 matrices, their 6 biases, 2 layernorms of a weight and a bias; outside: 3 matrices, 2 layernorms.
    expect(error.message).toBe(
      `model.safetensors: size: config.json describes 16,000,000,007 parameter tensors (872,000,000,160 values, 3,488,000,000,640 bytes of float32), far more than a file of ${files[CHECKPOINT_FILES.model]!.length.toLocaleString('en-US')} bytes holds (39)`,
    );
    expect(error.details).toMatchObject({ part: 'model.safetensors', field: 'size' });
  });

  it('beyond 2^53 parameters the count cannot be exact, and config.json says so', async () => {
    const huge = await filesClaiming({ nLayer: 2 ** 50 }, () => 1);
    expect(checkpointErrorOf(() => decodeConfigFile(huge[CHECKPOINT_FILES.config]!)).message).toBe(
      'config.json: model: the model would have about 9.82e+17 parameters, more than can be counted exactly (9007199254740991)',
    );
  });
});
