// `microgpt sample`: text from a checkpoint, streamed as it is generated.
import type { Command } from 'commander';
import { openCheckpoint } from '../checkpoints';
import { type BackendChoice, startCompute } from '../compute';
import { examples, outputOf, withBackendFlags, withOutputFlags } from '../command-kit';
import { usageError } from '../errors';
import { ensureFits, sequencesThatFit } from '../memory';
import { integerAtLeast, numberIn } from '../options';
import { type ProfileFlag, withProfile, withProfileFlag } from '../profile';
import { SAMPLE_BATCH, drawSamples } from '../sampling';

interface SampleFlags {
  readonly ckpt: string;
  readonly prompt?: string;
  readonly n: number;
  readonly maxTokens?: number;
  readonly temperature: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly beam?: number;
  readonly seed: number;
  readonly backend: BackendChoice;
  readonly threads: number;
}

/** Adds `sample` to `program`. */
export function registerSample(program: Command): void {
  const command = program
    .command('sample')
    .description('generate text from a checkpoint, streamed as it is decoded')
    .requiredOption('--ckpt <dir>', 'checkpoint folder (from `microgpt train`)')
    .option('--prompt <text>', 'text to continue (documents models: the start of a line)')
    .option('--n <n>', 'number of samples (with --beam K: the N ≤ K best distinct beams)', integerAtLeast(1), 1)
    .option('--max-tokens <n>', 'most new tokens a sample (default: the context for documents models, 200 otherwise)', integerAtLeast(1))
    .option('--temperature <x>', 'sampling temperature; 0 is greedy', numberIn(0, 100), 0.8)
    .option('--top-k <n>', 'sample among the k most likely tokens', integerAtLeast(1))
    .option('--top-p <x>', 'sample among the most likely tokens up to probability p', numberIn(0, 1, { min: true, max: false }))
    .option('--beam <k>', 'beam search of width k instead of sampling (length-normalized; --n N prints the N best)', integerAtLeast(1))
    .option('--seed <n>', 'seed of the sampler', integerAtLeast(0), 42);
  withProfileFlag(withBackendFlags(withOutputFlags(command, 'print one JSON object a sample: {"sample":…,"tokens":…,"stop":…} (and "score" with --beam)')));
  command.addHelpText('after', examples('microgpt sample --ckpt runs/names --n 10', 'microgpt sample --ckpt runs/shakespeare-cpu --prompt "ROMEO:" --max-tokens 300 --top-k 40', 'microgpt sample --ckpt runs/names --prompt an --beam 4 --json', 'microgpt sample --ckpt runs/names --beam 8 --n 5'));
  command.action(async (flags: SampleFlags & ProfileFlag) => {
    const out = outputOf(command);
    await withProfile(flags.profile, 'microgpt sample', out, async () => {
      if (flags.beam !== undefined && flags.n > flags.beam) throw usageError(`--n ${flags.n} is more than --beam ${flags.beam}: beam search keeps ${flags.beam} hypotheses, so it can return at most ${flags.beam}`, `use --n ${flags.beam} or less, or --beam ${flags.n} or more`);
      const backend = await startCompute(flags.backend, flags.threads, out.note);
      const { model, tokenizer, bos } = await openCheckpoint(flags.ckpt, backend);
      const sequences = flags.beam ?? sequencesThatFit(model.config, model.dtype, backend, Math.min(flags.n, SAMPLE_BATCH));
      const hint = flags.beam === undefined ? 'this model needs more memory to sample than there is' : 'lower --beam (each beam is a sequence with its own cache of the context)';
      ensureFits(model.config, { dtype: model.dtype, session: { sequences } }, flags.beam === undefined ? 'sampling' : `beam search of width ${sequences}`, backend, () => hint);
      const stream = !out.json && flags.beam === undefined;
      await drawSamples(
        model,
        tokenizer,
        bos,
        {
          ...(flags.prompt === undefined ? {} : { prompt: flags.prompt }),
          count: flags.n,
          maxTokens: flags.maxTokens ?? (bos === null ? 200 : model.config.blockSize),
          temperature: flags.temperature,
          ...(flags.topK === undefined ? {} : { topK: flags.topK }),
          ...(flags.topP === undefined ? {} : { topP: flags.topP }),
          ...(flags.beam === undefined ? {} : { beam: flags.beam }),
          seed: flags.seed,
          batch: flags.beam === undefined ? sequences : 1,
        },
        {
          ...(stream ? { onText: (text: string) => process.stdout.write(text) } : {}),
          onSample: (sample) => {
            if (stream) process.stdout.write('\n');
            else out.result(sample.text);
            out.record({ sample: sample.text, tokens: sample.tokens, stop: sample.stop, ...(sample.score === undefined ? {} : { score: sample.score }) });
          },
          onNote: (note) => {
            out.note(`note: ${note}`);
          },
        },
      );
    });
  });
}
