// Tests of checkpoint files in memory: round trips (parameters, config, tokenizer, optimizer, trainer state,
// metadata) bit for bit, dtype conversion, and a CheckpointError naming the file for every kind of bad file.
import { type AdamWState, adamw, sgd } from '@microgpt/autograd';
import { PythonRandom } from '@microgpt/tensor';
import { createCharTokenizer, tokenizerFromJSON } from '@microgpt/tokenizer';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGPT, disposeGPT, parameterTensors } from '../gpt/model';
import { CHECKPOINT_FILES, type Checkpoint, checkpointFiles, readCheckpointFiles } from './bundle';
import { CheckpointError } from './errors';
import { type SafetensorsEntry, decodeSafetensors, encodeSafetensors } from './safetensors';
import { TEST_CONFIG, checkpointErrorOf, fullParts, parameterBytes, setGradients, testModel, testTokenizer } from './test-checkpoint';

type Files = Record<string, Uint8Array>;

/** The CheckpointError `pending` rejects with. */
async function rejectionOf(pending: Promise<unknown>): Promise<CheckpointError> {
  try {
    await pending;
  } catch (error) {
    if (error instanceof CheckpointError) return error;
    throw new Error(`expected a CheckpointError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a CheckpointError, the promise resolved');
}

/** Expects loading `files` to fail with a CheckpointError about `part` whose message matches `pattern`. */
function expectLoadError(files: Files, part: string, pattern: RegExp): CheckpointError {
  const error = checkpointErrorOf(() => readCheckpointFiles(files, { backend: 'js' }));
  expect(error.details.part).toBe(part);
  expect(error.message.startsWith(`${part}: `)).toBe(true);
  expect(error.message).toMatch(pattern);
  return error;
}

async function validFiles(): Promise<Files> {
  const parts = await fullParts();
  const files = await checkpointFiles(parts);
  disposeGPT(parts.model);
  return files;
}

function withFile(files: Files, name: string, bytes: Uint8Array | undefined): Files {
  return Object.fromEntries([...Object.entries(files).filter(([key]) => key !== name), ...(bytes === undefined ? [] : [[name, bytes] as const])]);
}

function editJson(files: Files, name: string, edit: (json: Record<string, unknown>) => void): Files {
  const json = JSON.parse(new TextDecoder().decode(files[name])) as Record<string, unknown>;
  edit(json);
  return withFile(files, name, new TextEncoder().encode(JSON.stringify(json)));
}

/** Re-encodes safetensors file `name` after `edit` changes its tensors or metadata. */
function editTensors(files: Files, name: string, edit: (tensors: Record<string, SafetensorsEntry>, metadata: Record<string, string>) => void): Files {
  const decoded = decodeSafetensors(files[name]!);
  const tensors = Object.fromEntries(decoded.tensors);
  const metadata = { ...decoded.metadata };
  edit(tensors, metadata);
  return withFile(files, name, encodeSafetensors(tensors, metadata));
}

function loadJs(files: Files, options: Parameters<typeof readCheckpointFiles>[1] = {}): Checkpoint {
  return readCheckpointFiles(files, { backend: 'js', ...options });
}

describe('checkpointFiles / readCheckpointFiles round trip', () => {
  it('writes the five files, config.json with our fields and the Hugging Face mirror', async () => {
    const files = await validFiles();
    expect(Object.keys(files).sort()).toEqual(['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json', 'trainer_state.json']);
    const config = JSON.parse(new TextDecoder().decode(files['config.json'])) as Record<string, unknown>;
    const model = createGPT(TEST_CONFIG, { backend: 'js' });
    expect(config).toMatchObject({ format: 'microgpt-model', version: 1, model: model.config, dtype: 'float32', model_type: 'microgpt' });
    expect(config).toMatchObject({ vocab_size: 6, n_layer: 2, n_head: 2, n_embd: 8, n_positions: 4, n_inner: 32, activation_function: 'relu' });
    expect(config.parameters).toBe(model.flat.size);
    const { metadata, tensors } = decodeSafetensors(files['model.safetensors']!);
    expect(metadata).toEqual({ format: 'pt', microgpt: '1', run: 'unit-test' });
    expect([...tensors.keys()].sort()).toEqual(Object.keys(model.params).sort());
    disposeGPT(model);
  });

  it('gives back the same parameters bit for bit, config, tokenizer, optimizer state, trainer state and metadata', async () => {
    const parts = await fullParts();
    const loaded = loadJs(await checkpointFiles(parts));
    expect(loaded.model.config).toEqual(parts.model.config);
    expect(loaded.model.dtype).toBe('float32');
    expect(loaded.model.backend.name).toBe('js');
    expect(parameterBytes(loaded.model)).toEqual(parameterBytes(parts.model));
    expect(Object.keys(loaded.model.params)).toEqual(Object.keys(parts.model.params));
    expect(loaded.tokenizer).toEqual(parts.tokenizer);
    expect(tokenizerFromJSON(loaded.tokenizer).encode('fadebac')).toEqual(testTokenizer().encode('fadebac'));
    expect(loaded.optimizer).toEqual(parts.optimizer);
    expect(Object.keys(loaded.optimizer!.params)).not.toContain('wpe');
    expect(loaded.trainerState).toEqual(parts.trainerState);
    expect(loaded.metadata).toEqual({ run: 'unit-test' });
    disposeGPT(parts.model);
    disposeGPT(loaded.model);
  });

  it('resumes training bit for bit: a loaded optimizer takes the same next step as the original', async () => {
    const parts = await fullParts();
    const loaded = loadJs(await checkpointFiles(parts));
    const resumed = adamw(loaded.model.params, { lr: 0.5, weightDecay: 0 });
    resumed.loadState(loaded.optimizer as AdamWState);
    setGradients(parts.model, 999);
    parts.optimizerHandle.step();
    setGradients(loaded.model, 999);
    resumed.step();
    expect(parameterBytes(loaded.model)).toEqual(parameterBytes(parts.model));
    expect(await resumed.state()).toEqual(await parts.optimizerHandle.state());
    disposeGPT(parts.model);
    disposeGPT(loaded.model);
  });

  it('round trips an SGD state without buffers (momentum 0) and one with a momentum buffer', async () => {
    for (const momentum of [0, 0.9]) {
      const model = testModel();
      const optimizer = sgd(model.params, { lr: 0.1, momentum });
      setGradients(model, 3);
      optimizer.step();
      const loaded = loadJs(await checkpointFiles({ model, tokenizer: null, optimizer: await optimizer.state() }));
      expect(loaded.optimizer).toEqual(await optimizer.state());
      expect(Object.keys(loaded.optimizer!.params['wte']!.buffers)).toEqual(momentum === 0 ? [] : ['momentum']);
      disposeGPT(model);
      disposeGPT(loaded.model);
    }
  });

  it('saves a Tokenizer itself as its JSON, and no tokenizer.json for a null tokenizer', async () => {
    const model = testModel();
    const withTokenizer = await checkpointFiles({ model, tokenizer: testTokenizer() });
    expect(loadJs(withTokenizer).tokenizer).toEqual(testTokenizer().toJSON());
    const bare = await checkpointFiles({ model, tokenizer: null });
    expect(Object.keys(bare).sort()).toEqual(['config.json', 'model.safetensors']);
    const loaded = loadJs(bare);
    expect(loaded.tokenizer).toBeNull();
    expect('optimizer' in loaded || 'trainerState' in loaded || 'metadata' in loaded).toBe(false);
    disposeGPT(model);
  });

  it('round trips a float64 model and converts float64 → float32 (nearest) and float32 → float64 (exact)', async () => {
    const parts = await fullParts('float64');
    const files = await checkpointFiles(parts);
    const same = loadJs(files);
    expect(same.model.dtype).toBe('float64');
    expect(parameterBytes(same.model)).toEqual(parameterBytes(parts.model));
    const narrowed = loadJs(files, { dtype: 'float32' });
    expect(narrowed.model.dtype).toBe('float32');
    for (const [name, t] of Object.entries(parameterTensors(narrowed.model))) {
      expect(Array.from(t.toArray())).toEqual(Array.from(parts.model.params[name]!.value.toArray(), Math.fround));
    }
    for (const state of Object.values(narrowed.optimizer!.params)) {
      expect(state.dtype).toBe('float32');
      expect(state.buffers.m).toBeInstanceOf(Float32Array);
    }
    const narrowedFiles = await checkpointFiles({ ...narrowed, tokenizer: narrowed.tokenizer });
    const widened = loadJs(narrowedFiles, { dtype: 'float64' });
    expect(widened.model.dtype).toBe('float64');
    expect(Array.from(widened.model.flat.toArray())).toEqual(Array.from(narrowed.model.flat.toArray()));
    expect(widened.optimizer!.params['wte']!.buffers.v).toBeInstanceOf(Float64Array);
    for (const c of [parts, same, narrowed, widened]) disposeGPT(c.model);
  });
});

describe('readCheckpointFiles errors', () => {
  let files: Files;
  beforeAll(async () => {
    files = await validFiles();
  });

  it('names a missing model.safetensors or config.json, and missing training state when required', () => {
    expectLoadError(withFile(files, 'model.safetensors', undefined), 'model.safetensors', /missing; a checkpoint needs model.safetensors, config.json/);
    expectLoadError(withFile(files, 'config.json', undefined), 'config.json', /missing/);
    const bare = withFile(withFile(files, 'optimizer.safetensors', undefined), 'trainer_state.json', undefined);
    expect(loadJs(bare).optimizer).toBeUndefined();
    const error = checkpointErrorOf(() => readCheckpointFiles(bare, { backend: 'js', requireTrainingState: true }));
    expect(error.message).toMatch(/^optimizer\.safetensors: missing; a checkpoint needs .*trainer_state\.json/);
  });

  it('rejects a file given as something other than bytes, and a bad dtype option', () => {
    expectLoadError({ ...files, 'config.json': 'text' as unknown as Uint8Array }, 'config.json', /expected the file's bytes as a Uint8Array, found "text"/);
    const error = checkpointErrorOf(() => readCheckpointFiles(files, { dtype: 'int32' as 'float32' }));
    expect(error.details).toEqual({ part: 'arguments', field: 'dtype' });
  });

  it('rejects config.json that is not UTF-8, not JSON, or not an object', () => {
    expectLoadError(withFile(files, 'config.json', new Uint8Array([0x7b, 0xff, 0x7d])), 'config.json', /invalid UTF-8/);
    expectLoadError(withFile(files, 'config.json', new TextEncoder().encode('{"format": "microgpt-model",')), 'config.json', /invalid JSON/);
    expectLoadError(withFile(files, 'config.json', new TextEncoder().encode('[1, 2]')), 'config.json', /expected a JSON object, found \[1,2\]/);
  });

  it('rejects a wrong format or version', () => {
    const format = expectLoadError(editJson(files, 'config.json', (j) => (j.format = 'gpt2')), 'config.json', /config\.json: format: expected "microgpt-model", found "gpt2"/);
    expect(format.details.field).toBe('format');
    expectLoadError(editJson(files, 'config.json', (j) => (j.version = 2)), 'config.json', /version: expected 1, found 2 \(written by a newer @microgpt\/model\)/);
    expectLoadError(editJson(files, 'config.json', (j) => delete j.version), 'config.json', /version: expected 1, found nothing/);
  });

  it('rejects an invalid, missing, unknown or non-scalar config field, naming it', () => {
    const model = (edit: (m: Record<string, unknown>) => void) => editJson(files, 'config.json', (j) => {
      edit(j.model as Record<string, unknown>);
    });
    const cases: [(m: Record<string, unknown>) => void, string, RegExp][] = [
      [(m) => (m.nLayer = 0), 'model.nLayer', /nLayer must be a positive integer, found 0/],
      [(m) => (m.nHead = 3), 'model.nEmbd', /nEmbd \(8\) must be divisible by nHead \(3\)/],
      [(m) => (m.activation = 'swish'), 'model.activation', /activation must be one of/],
      [(m) => (m.bias = 'yes'), 'model.bias', /bias must be true or false, found "yes"/],
      [(m) => (m.dropout = 1), 'model.dropout', /dropout must be a number in \[0, 1\)/],
      [(m) => delete m.normEps, 'model.normEps', /missing/],
      [(m) => (m.nLayers = 2), 'model.nLayers', /unknown field; known fields: vocabSize, nLayer/],
      [(m) => (m.nEmbd = { toString: 1 }), 'model.nEmbd', /expected a number, string or boolean/],
    ];
    for (const [edit, field, pattern] of cases) expect(expectLoadError(model(edit), 'config.json', pattern).details.field).toBe(field);
    expectLoadError(editJson(files, 'config.json', (j) => (j.model = [1])), 'config.json', /model: expected an object of config fields/);
  });

  it('rejects a bad dtype or parameter count in config.json', () => {
    expectLoadError(editJson(files, 'config.json', (j) => (j.dtype = 'float16')), 'config.json', /dtype: expected "float32" or "float64", found "float16"/);
    expectLoadError(editJson(files, 'config.json', (j) => (j.parameters = 12)), 'config.json', /parameters: expected \d+ \(from the model config\), found 12/);
  });

  it('rejects a config that does not match the tensors', () => {
    const wider = editJson(files, 'config.json', (j) => {
      const model = j.model as Record<string, number>;
      model.nEmbd = 16;
      j.parameters = createGPT({ ...TEST_CONFIG, nEmbd: 16 }, { backend: 'js' }).flat.size;
    });
    const error = expectLoadError(wider, 'model.safetensors', /tensor "wte" shape: expected \[6, 16\] from config\.json, found \[6, 8\]/);
    expect(error.details).toEqual({ part: 'model.safetensors', tensor: 'wte', field: 'shape' });
  });

  it('rejects a missing, extra or misshapen tensor, and a dtype other than config.json says', () => {
    const missing = editTensors(files, 'model.safetensors', (t) => delete t['h.1.mlp.fc2.bias']);
    const error = expectLoadError(missing, 'model.safetensors', /tensor "h\.1\.mlp\.fc2\.bias": missing; expected shape \[8\] from config\.json/);
    expect(error.details.tensor).toBe('h.1.mlp.fc2.bias');
    const twoMissing = editTensors(files, 'model.safetensors', (t) => {
      delete t.wte;
      delete t.lm_head;
    });
    expectLoadError(twoMissing, 'model.safetensors', /"wte": missing.*2 tensors missing: "wte", "lm_head"/);
    const extra = editTensors(files, 'model.safetensors', (t) => (t['h.2.attn.q.weight'] = { ...t['h.1.attn.q.weight']! }));
    expectLoadError(extra, 'model.safetensors', /tensor "h\.2\.attn\.q\.weight": unexpected: config\.json has no such tensor/);
    const transposed = editTensors(files, 'model.safetensors', (t) => (t['h.0.mlp.fc1.weight'] = { ...t['h.0.mlp.fc1.weight']!, shape: [8, 32] }));
    expectLoadError(transposed, 'model.safetensors', /"h\.0\.mlp\.fc1\.weight" shape: expected \[32, 8\] from config\.json, found \[8, 32\]/);
    const wide = editTensors(files, 'model.safetensors', (t) => (t.wpe = { ...t.wpe!, dtype: 'float64', data: Float64Array.from(t.wpe!.data) }));
    expectLoadError(wide, 'model.safetensors', /"wpe" dtype: expected float32 \(the dtype in config\.json\), found float64/);
    const ints = editTensors(files, 'model.safetensors', (t) => (t.wpe = { ...t.wpe!, dtype: 'int32', data: new Int32Array(t.wpe!.data.length) }));
    expectLoadError(ints, 'model.safetensors', /"wpe" dtype: expected float32 .* found int32/);
  });

  it('rejects a NaN or infinite weight or optimizer value, naming the file, tensor and element', () => {
    const nan = editTensors(files, 'model.safetensors', (t) => {
      const data = Float32Array.from(t['h.1.attn.o.weight']!.data);
      data[5] = Number.NaN;
      t['h.1.attn.o.weight'] = { ...t['h.1.attn.o.weight']!, data };
    });
    const error = expectLoadError(nan, 'model.safetensors', /^model\.safetensors: tensor "h\.1\.attn\.o\.weight" values: element 5 of 64 is NaN; a checkpoint's values must be finite \(the run that saved it diverged\)$/);
    expect(error.details).toEqual({ part: 'model.safetensors', tensor: 'h.1.attn.o.weight', field: 'values' });
    const inf = editTensors(files, 'optimizer.safetensors', (t) => {
      const data = Float32Array.from(t['wte.v']!.data);
      data[0] = -Infinity;
      t['wte.v'] = { ...t['wte.v']!, data };
    });
    expectLoadError(inf, 'optimizer.safetensors', /tensor "wte\.v" values: element 0 of 48 is -Infinity/);
  });

  it('rejects a truncated or corrupt model.safetensors without a huge allocation', () => {
    const bytes = files['model.safetensors']!;
    const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    for (const length of [0, 5, 8, 9, 40, headerEnd, headerEnd + 3, bytes.length - 1]) {
      expectLoadError(withFile(files, 'model.safetensors', bytes.slice(0, length)), 'model.safetensors', /^model\.safetensors: safetensors: /);
    }
    const huge = bytes.slice();
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expectLoadError(withFile(files, 'model.safetensors', huge), 'model.safetensors', /header length: \d+ bytes is more than the limit/);
    const newer = editTensors(files, 'model.safetensors', (_, m) => (m.microgpt = '2'));
    expectLoadError(newer, 'model.safetensors', /__metadata__\.microgpt: expected "1", found "2"/);
  });

  it('only ever throws CheckpointError for randomly corrupted model.safetensors and config.json', () => {
    const rng = new PythonRandom(5);
    let failures = 0;
    for (let trial = 0; trial < 300; trial++) {
      const name = trial % 2 === 0 ? 'model.safetensors' : 'config.json';
      const bytes = files[name]!.slice();
      // Mostly the header / JSON text, where a flipped byte changes structure rather than a weight.
      const span = name === 'config.json' ? bytes.length : Math.min(bytes.length, 2000);
      for (let k = 0; k < 1 + rng.randbelow(3); k++) bytes[rng.randbelow(span)] = rng.randbelow(256);
      try {
        disposeGPT(loadJs(withFile(files, name, bytes)).model);
      } catch (error) {
        expect(error).toBeInstanceOf(CheckpointError);
        expect((error as CheckpointError).details.part).toBe(name);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(100);
  });

  it('rejects a tokenizer whose vocabulary size differs from the config, or an invalid tokenizer', () => {
    const small = withFile(files, 'tokenizer.json', new TextEncoder().encode(JSON.stringify(createCharTokenizer(['a', 'b']).toJSON())));
    const error = expectLoadError(small, 'tokenizer.json', /vocabSize: the tokenizer has 2 ids, the model's vocabSize in config\.json is 6/);
    expect(error.details.field).toBe('vocabSize');
    expectLoadError(editJson(files, 'tokenizer.json', (j) => (j.vocab = 5)), 'tokenizer.json', /tokenizer\.json: fromJSON: "vocab" must be an array/);
    expectLoadError(withFile(files, 'tokenizer.json', new TextEncoder().encode('nope')), 'tokenizer.json', /invalid JSON/);
  });

  it('rejects optimizer buffers that do not match the parameters', () => {
    const name = 'optimizer.safetensors';
    const cases: [(t: Record<string, SafetensorsEntry>, m: Record<string, string>) => void, RegExp][] = [
      [(t) => delete t['wte.v'], /tensor "wte\.v": missing; expected shape \[6, 8\]/],
      [(t) => (t['wpe.m'] = t['wte.m']!), /tensor "wpe\.m": unexpected/],
      [(t) => (t['wte.m'] = { ...t['wte.m']!, shape: [8, 6] }), /"wte\.m" shape: expected \[6, 8\] from config\.json, found \[8, 6\]/],
      [(t) => (t['wte.m'] = { ...t['wte.m']!, dtype: 'float64', data: Float64Array.from(t['wte.m']!.data) }), /"wte\.m" dtype: expected float32/],
      [(_, m) => delete m.optimizer, /__metadata__\.optimizer: missing: expected the optimizer state as JSON text/],
      [(_, m) => (m.optimizer = '{"kind":'), /__metadata__\.optimizer: invalid JSON/],
      [(_, m) => (m.optimizer = m.optimizer!.replace('"wte":', '"wtf":')), /__metadata__\.optimizer\.params\.wtf: not a parameter of the model/],
      [(_, m) => (m.optimizer = m.optimizer!.replace('"buffers":["m","v"]', '"buffers":["m","m"]')), /__metadata__\.optimizer\.buffers: expected an array of distinct/],
      [(_, m) => (m.optimizer = m.optimizer!.replace(/"step":\d+/, '"step":-1')), /__metadata__\.optimizer\.step: expected an integer ≥ 0, found -1/],
      [(_, m) => (m.optimizer = m.optimizer!.replace(/"weightDecay":\[[^\]]*\]/, '"weightDecay":[null]')), /weightDecay: expected an array of finite numbers ≥ 0, found \[null\]/],
    ];
    for (const [edit, pattern] of cases) expectLoadError(editTensors(files, name, edit), name, pattern);
    expectLoadError(withFile(files, name, files[name]!.slice(0, 100)), name, /safetensors: /);
  });

  it('rejects a trainer_state.json that is not a JSON object', () => {
    expectLoadError(withFile(files, 'trainer_state.json', new TextEncoder().encode('[1]')), 'trainer_state.json', /expected a JSON object, found \[1\]/);
    expectLoadError(withFile(files, 'trainer_state.json', new TextEncoder().encode('{')), 'trainer_state.json', /invalid JSON/);
  });

  it('ignores files that are not part of a checkpoint', () => {
    const loaded = loadJs({ ...files, 'README.md': new Uint8Array([1]) });
    expect(loaded.model.config.vocabSize).toBe(6);
    disposeGPT(loaded.model);
  });
});

describe('checkpointFiles errors: nothing is produced that could not be loaded', () => {
  it('rejects a tokenizer of another vocabulary size, reserved metadata keys, a non-object trainer state', async () => {
    const model = testModel();
    const small = createCharTokenizer(['a']);
    expect((await rejectionOf(checkpointFiles({ model, tokenizer: small }))).message).toMatch(/^tokenizer\.json: vocabSize: the tokenizer has 1 ids/);
    expect((await rejectionOf(checkpointFiles({ model, tokenizer: null, metadata: { format: 'np' } }))).message).toMatch(/^model\.safetensors: __metadata__: the key "format" is reserved/);
    const trainerState = [1, 2] as unknown as object;
    expect((await rejectionOf(checkpointFiles({ model, tokenizer: null, trainerState }))).details.part).toBe(CHECKPOINT_FILES.trainerState);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect((await rejectionOf(checkpointFiles({ model, tokenizer: null, trainerState: cyclic }))).message).toMatch(/^trainer_state\.json: cannot write as JSON/);
    disposeGPT(model);
  });

  it('refuses to save weights or optimizer buffers holding a NaN or an infinity', async () => {
    const parts = await fullParts();
    const poisoned = parts.model.params['h.0.mlp.fc1.bias']!.value;
    poisoned.backend.write(poisoned.storage, poisoned.offset + 3, new Float32Array([Infinity]));
    expect((await rejectionOf(checkpointFiles(parts))).message).toBe('model.safetensors: tensor "h.0.mlp.fc1.bias" values: element 3 of 32 is Infinity; a checkpoint\'s values must be finite (not saved: the model diverged)');
    disposeGPT(parts.model);
    const again = await fullParts();
    const m = Float32Array.from(again.optimizer!.params.wte!.buffers.m!);
    m[7] = Number.NaN;
    const optimizer = { ...again.optimizer!, params: { ...again.optimizer!.params, wte: { ...again.optimizer!.params.wte!, buffers: { ...again.optimizer!.params.wte!.buffers, m } } } };
    expect((await rejectionOf(checkpointFiles({ ...again, optimizer }))).message).toMatch(/^optimizer\.safetensors: tensor "wte\.m" values: element 7 of 48 is NaN; .*\(not saved: the optimizer diverged\)$/);
    disposeGPT(again.model);
  });

  it('rejects an optimizer state of another model, dtype or buffer layout', async () => {
    const parts = await fullParts();
    const other = createGPT({ ...TEST_CONFIG, nLayer: 1 }, { backend: 'js' });
    const optimizer = parts.optimizer!;
    expect((await rejectionOf(checkpointFiles({ model: other, tokenizer: null, optimizer }))).message).toMatch(/^optimizer\.safetensors: cannot save: the state has parameter "h\.1/);
    const f64 = testModel('float64');
    expect((await rejectionOf(checkpointFiles({ model: f64, tokenizer: null, optimizer }))).message).toMatch(/parameter "wte" is float32 in the state, float64 in the model/);
    const unnamed = { ...optimizer, params: { 0: optimizer.params.wte! } };
    expect((await rejectionOf(checkpointFiles({ model: parts.model, tokenizer: null, optimizer: unnamed }))).message).toMatch(/the state has parameter "0", which the model does not have/);
    const { wte, lm_head: head } = optimizer.params;
    const uneven = { ...optimizer, params: { wte: wte!, lm_head: { ...head!, buffers: { m: head!.buffers.m! } } } };
    expect((await rejectionOf(checkpointFiles({ model: parts.model, tokenizer: null, optimizer: uneven }))).message).toMatch(/parameter "lm_head" has buffers \["m"\], "wte" has \["m","v"\]/);
    for (const m of [parts.model, other, f64]) disposeGPT(m);
  });
});
