// `microgpt train` once its flags are parsed: set up (or resume) the run, train with progress, checkpoint on
// schedule and on Ctrl-C, then show the loss curve and a few samples and say what to try next.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Progress, type TrainSettings, countParameters, runTraining, samplesMarkdown } from '@microgpt/model';
import { writeFileAtomic } from '@microgpt/model/node';
import { describeBackend } from '../compute';
import { EXIT_INTERRUPTED } from '../errors';
import type { Output } from '../output';
import { sequencesThatFit } from '../memory';
import { SAMPLE_BATCH, drawSamples } from '../sampling';
import { lossSvg, terminalChart } from './chart';
import { openMetricsLog } from './metrics-log';
import { watchInterrupts } from './interrupt';
import { createReporter } from './progress';
import { type ClaimedRunFolder, claimRunFolder, prepareRunFolder, resumeFolder, saveTrainingCheckpoint } from './run-folder';
import { fineTuneRun } from './init-from';
import { type TrainFlags, type TrainingRun, newRun, resumedRun } from './setup';
import { openTensorBoard } from './tensorboard';

/** Flags of `microgpt train` besides those that shape the run. */
export interface RunFlags extends TrainFlags {
  readonly out?: string;
  readonly overwrite?: boolean;
  readonly keepCheckpoints: number;
  readonly logEvery?: number;
  readonly samples?: number;
  readonly temperature?: number;
  readonly tensorboard?: string;
  readonly tensorboardEvery?: number;
  readonly initFrom?: string;
  readonly freeze?: string;
}

/** How to call the CLI in the hints it prints: `pnpm microgpt` inside the repo's scripts, else `microgpt`. */
export function commandName(): string {
  const script = process.env.npm_lifecycle_event;
  return script === 'microgpt' || script === 'demo' ? 'pnpm microgpt' : 'microgpt';
}

const thousands = (n: number): string => n.toLocaleString('en-US');

/** `16` or, accumulating, `16 × 4 micro-batches = 64 sequences (up to 16,384 tokens)`. */
function batchOf(settings: TrainSettings, blockSize: number): string {
  const accum = settings.gradAccum ?? 1;
  if (accum === 1) return String(settings.batchSize);
  const sequences = settings.batchSize * accum;
  return `${settings.batchSize} × ${accum} micro-batches = ${sequences} sequences (up to ${thousands(sequences * blockSize)} tokens)`;
}

function describeRun(run: TrainingRun): string {
  const { model, trainer, loader } = run;
  const { config } = model;
  const unit = trainer.settings.data === 'documents' ? 'documents' : 'tokens';
  return [
    `preset ${run.preset}: ${config.nLayer} layer${config.nLayer > 1 ? 's' : ''}, ${config.nHead} heads, ${config.nEmbd} wide, context ${config.blockSize}, vocabulary ${config.vocabSize} (${run.tokenizer.kind}); ${thousands(countParameters(config))} parameters`,
    `data ${run.dataSource}: ${thousands(loader.sizes.train)} train / ${thousands(loader.sizes.val)} val ${unit}; batch ${batchOf(trainer.settings, config.blockSize)}, ${trainer.settings.steps} steps, lr ${trainer.settings.lr}`,
    `backend ${describeBackend(run.backend)}, ${run.compute.threads} thread${run.compute.threads > 1 ? 's' : ''}, ${model.dtype}`,
  ].join('\n');
}

/** The first of `runs/names-2`, `runs/names-3`, … that does not exist, to suggest instead of a taken folder. */
function freeFolder(dir: string): string {
  for (let n = 2; ; n++) if (!existsSync(`${dir}-${n}`)) return `${dir}-${n}`;
}

/**
 * Runs `microgpt train` (not --compat). Sets `process.exitCode` to 130 when Ctrl-C stopped the run.
 * @param explicit the flags given on the command line (others are defaults).
 */
export async function trainCommand(flags: RunFlags, explicit: ReadonlySet<string>, out: Output): Promise<void> {
  const resumed = flags.resume === undefined ? null : await resumeFolder(flags.resume);
  const dir = flags.out ?? resumed ?? join('runs', flags.preset);
  const folder = await claimRunFolder(dir, { resume: resumed === dir, overwrite: flags.overwrite === true, suggest: freeFolder(dir) }, out);
  try {
    await train(flags, explicit, out, folder, resumed);
  } finally {
    folder.release();
  }
}

/** Trains in the claimed run folder; `resumed` is the run folder of `--resume` (null for a new run). */
async function train(flags: RunFlags, explicit: ReadonlySet<string>, out: Output, folder: ClaimedRunFolder, resumed: string | null): Promise<void> {
  const { dir } = folder;
  const log = (line: string): void => {
    out.note(line);
  };
  const run = flags.resume ? await resumedRun(flags, explicit, log) : flags.initFrom ? await fineTuneRun({ ...flags, initFrom: flags.initFrom }, explicit, log) : await newRun(flags, log);
  const { model, tokenizer, trainer } = run;
  await prepareRunFolder(folder, { resumedStep: flags.resume ? trainer.step : null, overwrite: flags.overwrite === true }, out);
  out.info(describeRun(run));
  if (flags.resume) out.info(`resuming at step ${trainer.step} of ${trainer.settings.steps} from ${flags.resume}`);
  if (run.initFrom && !flags.resume) out.info(`fine-tuning from ${run.initFrom}${run.frozen && run.frozen.length > 0 ? `; frozen: ${run.frozen.join(', ')}` : ''}`);

  const steps = trainer.settings.steps;
  const logEvery = flags.logEvery ?? Math.max(1, Math.round(steps / (out.json ? 100 : 20)));
  const reporter = await createReporter(out, trainer.step, steps, logEvery);
  const metrics = await openMetricsLog(dir, resumed === null ? null : { from: resumed, step: trainer.step });
  const interrupts = watchInterrupts(dir, () => {
    reporter.message('Ctrl-C: stopping after this step and saving a checkpoint (press Ctrl-C again to quit at once)');
  });
  const metadata = { preset: run.preset, data: run.dataSource, ...(run.initFrom ? { initFrom: run.initFrom } : {}), ...(run.frozen && run.frozen.length > 0 ? { frozen: run.frozen.join(',') } : {}) };
  const tensorboard = flags.tensorboard === undefined ? null : await openTensorBoard(flags.tensorboard, run, flags.tensorboardEvery);
  let last: Progress | null = null;
  let result;
  try {
    result = await runTraining(trainer, {
      onStep: async (p) => {
        last = p;
        metrics.step(p);
        reporter.step(p);
        await tensorboard?.onStep(p);
      },
      onEval: async (step, valLoss) => {
        metrics.evaluation(step, valLoss);
        reporter.evaluation(step, valLoss);
        await tensorboard?.onEval(step, valLoss);
      },
      onCheckpoint: async (t, reason) => {
        const parts = { model, tokenizer, optimizer: await t.optimizerState(), trainerState: { ...t.state(), ...run.compute }, metadata };
        // The log first, so it never lacks a step the checkpoint has.
        await saveTrainingCheckpoint(dir, () => metrics.flush(), parts, t.step, flags.keepCheckpoints, `${commandName()} train --resume ${dir}`);
        if (reason === 'every') reporter.message(`checkpoint at step ${t.step} saved to ${dir}`);
      },
      shouldStop: () => interrupts.requested,
    });
  } finally {
    interrupts.dispose();
    reporter.finish();
    await metrics.flush();
    await tensorboard?.close();
  }
  const history = trainer.state().history;
  await writeFileAtomic(join(dir, 'loss.svg'), lossSvg(history, `${run.preset} on ${run.dataSource}`));
  const cli = commandName();
  if (result.interrupted) {
    out.note(`stopped at step ${result.step} of ${steps}; checkpoint saved to ${dir}\nresume with: ${cli} train --resume ${dir}`);
    out.record({ done: false, interrupted: true, step: result.step, out: dir });
    process.exitCode = EXIT_INTERRUPTED;
    return;
  }
  const tokensPerSecond = (last as Progress | null)?.tokensPerSecond ?? 0;
  out.info(`done: step ${result.step}, loss ${result.lastLoss.toFixed(4)}${Number.isNaN(result.valLoss) ? '' : `, val loss ${result.valLoss.toFixed(4)}`}, ${result.trainSeconds.toFixed(1)} s training; saved to ${dir} (loss curve: ${join(dir, 'loss.svg')})`);
  if (out.interactive) out.info(terminalChart(history));

  const documents = run.bos !== null;
  const count = flags.samples ?? (documents ? 20 : 1);
  if (count > 0 && !out.json) out.info(documents ? `${count} samples:` : 'a sample:');
  const samples: string[] = [];
  const sampleOptions = { count, maxTokens: documents ? model.config.blockSize : 200, temperature: flags.temperature ?? (documents ? 0.5 : 0.8), seed: trainer.settings.seed, batch: sequencesThatFit(model.config, model.dtype, model.backend, Math.min(count, SAMPLE_BATCH)) };
  await drawSamples(model, tokenizer, run.bos, sampleOptions, { onSample: (s) => samples.push(s.text) });
  for (const text of samples) out.info(documents ? `  ${text}` : text);
  if (tensorboard && samples.length > 0) {
    tensorboard.text(result.step, 'samples', samplesMarkdown(samples));
    await tensorboard.close();
  }
  out.info(
    [
      'next:',
      `  ${cli} sample --ckpt ${dir} --n 10${documents ? '' : ' --max-tokens 300'}    more samples`,
      `  ${cli} eval --ckpt ${dir} --data ${run.dataSource}    loss and perplexity on held-out data`,
      `  ${cli} info --ckpt ${dir}    what the checkpoint holds`,
      `  ${cli} train --resume ${dir} --steps ${steps * 2}    train further`,
    ].join('\n'),
  );
  out.record({
    done: true,
    out: dir,
    step: result.step,
    loss: result.lastLoss,
    val_loss: Number.isNaN(result.valLoss) ? null : result.valLoss,
    train_seconds: result.trainSeconds,
    tokens_per_s: Math.round(tokensPerSecond),
    params: countParameters(model.config),
    samples,
  });
}
