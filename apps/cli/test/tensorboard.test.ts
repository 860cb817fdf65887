// `microgpt train --tensorboard DIR`: the event file a run leaves, read back completely by an independent decoder
// (protobufjs with TensorFlow's message definitions, after checking every record's CRCs): the scalars equal the
// JSON lines' numbers, histograms of every parameter and its gradient sit at the asked steps, the samples and the
// hyper-parameters are there; and the flag's mistakes are user errors.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DecodedValue, decodeEvents, decodeSessionStart } from '../../../packages/model/src/tensorboard/decode-events';
import { cliEnv, jsonLines, namesFile, runCli, tempDir, writeText } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const data = namesFile(dir);
const SMALL = ['--preset', 'names', '--data', data, '--n-embd', '16', '--n-layer', '1', '--batch', '8', '--log-every', '1', '--json'];

describe('microgpt train --tensorboard', () => {
  it('leaves an event file holding every scalar, histogram, sample and hyper-parameter of the run', async () => {
    const tb = join(dir, 'tb');
    const result = await runCli(['train', ...SMALL, '--steps', '10', '--eval-every', '5', '--samples', '3', '--tensorboard', tb, '--tensorboard-every', '5', '--out', join(dir, 'run')], { env });
    expect(result.code).toBe(0);
    const lines = jsonLines(result.stdout);
    const files = readdirSync(tb);
    expect(files).toHaveLength(1);
    const events = decodeEvents(new Uint8Array(readFileSync(join(tb, files[0]!))));
    expect(events[0]!.file_version).toBe('brain.Event:2');
    const values: (DecodedValue & { step: number })[] = events.flatMap((e) => (e.summary?.value ?? []).map((v) => ({ ...v, step: e.step })));
    const scalar = (tag: string): [number, number][] => values.filter((v) => v.tag === tag).map((v) => [v.step, v.simple_value!]);

    const steps = lines.filter((l) => 'loss' in l && !('done' in l));
    expect(scalar('train/loss')).toEqual(steps.map((l) => [l.step, Math.fround(l.loss as number)]));
    expect(scalar('train/lr')).toEqual(steps.map((l) => [l.step, Math.fround(l.lr as number)]));
    expect(scalar('train/tokens_per_s').map(([step]) => step)).toEqual(steps.map((l) => l.step));
    // The names preset does not clip: the hooks have the trainer measure the norm anyway.
    expect(scalar('train/grad_norm').map(([step]) => step)).toEqual(steps.map((l) => l.step));
    expect(scalar('train/grad_norm').every(([, norm]) => norm > 0 && Number.isFinite(norm))).toBe(true);
    expect(scalar('val/loss')).toEqual(lines.filter((l) => 'val_loss' in l && !('done' in l)).map((l) => [l.step, Math.fround(l.val_loss as number)]));

    const done = lines.at(-1)!;
    for (const step of [5, 10]) {
      const histograms = values.filter((v) => v.step === step && v.histo);
      const weights = histograms.filter((v) => v.tag.startsWith('weights/'));
      const grads = histograms.filter((v) => v.tag.startsWith('gradients/'));
      expect(weights.map((v) => v.tag.slice('weights/'.length))).toEqual(grads.map((v) => v.tag.slice('gradients/'.length)));
      expect(weights.map((v) => v.tag)).toContain('weights/wte');
      expect(weights.reduce((n, v) => n + v.histo!.num, 0)).toBe(done.params);
      expect(grads.reduce((n, v) => n + v.histo!.num, 0)).toBe(done.params);
      for (const v of histograms) expect(v.histo!.bucket.reduce((a, b) => a + b, 0)).toBe(v.histo!.num);
    }
    expect(values.filter((v) => v.histo && v.step !== 5 && v.step !== 10)).toEqual([]);

    const text = values.find((v) => v.tag === 'samples')!;
    expect(text.step).toBe(10);
    expect(new TextDecoder().decode(text.tensor!.string_val[0])).toBe(`\`\`\`\n${(done.samples as string[]).join('\n')}\n\`\`\``);
    const hp = values.find((v) => v.tag === '_hparams_/session_start_info')!;
    expect(decodeSessionStart(hp.metadata!.plugin_data!.content).session_start_info.hparams).toMatchObject({
      preset: { string_value: 'names' },
      data: { string_value: data },
      'model.nEmbd': { number_value: 16 },
      'train.steps': { number_value: 10 },
      backend: { string_value: 'wasm' },
    });
  });

  it('refuses --tensorboard-every without --tensorboard, and a folder it cannot write', async () => {
    const alone = await runCli(['train', ...SMALL, '--steps', '2', '--tensorboard-every', '5', '--out', join(dir, 'alone')], { env });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('error: --tensorboard-every applies to --tensorboard, which is not given\nhint: add --tensorboard DIR');
    const file = join(dir, 'a-file');
    writeText(file, 'not a folder');
    const blocked = await runCli(['train', ...SMALL, '--steps', '2', '--tensorboard', file, '--out', join(dir, 'blocked')], { env });
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/^error: --tensorboard .*a-file: cannot write an event file there \(.+\)\nhint: give --tensorboard a folder you can write to\n$/m);
    expect(blocked.stderr).not.toContain('internal error');
  });
});
