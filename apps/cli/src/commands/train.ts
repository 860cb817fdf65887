// `microgpt train`: the flags (a contract: scripts depend on them) and the choice between a normal run and the
// exact microgpt.py run (`--compat microgpt.py`).
import { join, resolve } from 'node:path';
import { PRESETS, listActivations } from '@microgpt/model';
import { type Command, Option } from 'commander';
import { examples, explicitOptions, outputOf, withBackendFlags, withOutputFlags } from '../command-kit';
import { usageError } from '../errors';
import { integerAtLeast, numberIn } from '../options';
import { type ProfileFlag, withProfile, withProfileFlag } from '../profile';
import { type RunFlags, trainCommand } from '../train/run';
import { type CompatFlags, compatCommand } from './compat';

/** Adds `train` to `program`. */
export function registerTrain(program: Command): void {
  const command = program
    .command('train')
    .description('train a GPT: from a preset, on a dataset or a text file, with checkpoints you can resume')
    .addOption(new Option('--preset <name>', 'model and training preset').choices(Object.keys(PRESETS)).default('names'))
    .option('--data <src>', 'a text file, a token file from `data prepare` (read from disk in windows), `names` or `shakespeare` (default: the preset’s dataset)')
    .option('--steps <n>', 'optimizer steps (the preset’s warmup share is kept)', integerAtLeast(1))
    .option('--batch <n>', 'sequences a step (a micro-batch with --grad-accum)', integerAtLeast(1))
    .option('--grad-accum <n>', 'micro-batches of --batch whose gradients make one step: the update of a batch n times larger in the memory of one', integerAtLeast(1))
    .option('--lr <x>', 'peak learning rate', numberIn(0, 10, { min: true, max: false }))
    .option('--seed <n>', 'seed of the init, the data order and dropout', integerAtLeast(0))
    .addOption(new Option('--dtype <type>', 'float type of weights and activations').choices(['float32', 'float64']))
    .option('--out <dir>', 'run folder for checkpoints and loss.svg (default: runs/<preset>)')
    .option('--init-from <dir>', 'fine-tune: start a new run from the weights and tokenizer of a checkpoint (or the newest of a run folder)')
    .option('--freeze <groups>', 'with --init-from: parameters that stay as they are: embeddings, head, layers:A-B, or names (comma-separated)')
    .addOption(new Option('--schedule <kind>', 'learning-rate schedule (default: the preset’s)').choices(['constant', 'linear', 'cosine']))
    .option('--resume <dir>', 'continue the run saved in a run folder (its newest checkpoint) or a checkpoint folder, exactly')
    .option('--overwrite', 'replace the run saved in --out (without it, train refuses a folder that holds a run)')
    .option('--keep-checkpoints <n>', 'checkpoints to keep in the run folder, newest first (0: all)', integerAtLeast(0), 2)
    .option('--eval-every <n>', 'evaluate on held-out data every n steps (0: at the end only)', integerAtLeast(0))
    .option('--ckpt-every <n>', 'save a checkpoint every n steps (0: at the end only)', integerAtLeast(0))
    .option('--log-every <n>', 'steps between progress lines (not on a terminal) and JSON lines', integerAtLeast(1))
    .option('--samples <n>', 'samples to print at the end (default 20 for documents, 1 for a stream)', integerAtLeast(0))
    .option('--temperature <x>', 'temperature of those samples (default 0.5 documents, 0.8 stream)', numberIn(0, 100, { min: true, max: false }))
    .option('--tensorboard <dir>', 'also write TensorBoard event files into dir: losses, lr, gradient norm, tokens/s, histograms, samples, hyper-parameters')
    .option('--tensorboard-every <n>', 'steps between histograms of every weight and its gradient in --tensorboard (0: none; default a tenth of the run)', integerAtLeast(0))
    .option('--n-layer <n>', 'transformer blocks', integerAtLeast(1))
    .option('--n-head <n>', 'attention heads', integerAtLeast(1))
    .option('--n-embd <n>', 'embedding width (divisible by --n-head)', integerAtLeast(1))
    .option('--block-size <n>', 'context length in tokens', integerAtLeast(1))
    .option('--dropout <p>', 'dropout probability', numberIn(0, 1, { min: false, max: true }))
    .option('--activation <name>', `MLP activation: ${listActivations().join(', ')}`)
    .addOption(new Option('--norm <kind>', 'normalization').choices(['rmsnorm', 'layernorm']))
    .addOption(new Option('--pos-emb <kind>', 'positional embeddings').choices(['learned', 'none']))
    .option('--tokenizer <kind|file|name>', 'char, word, bpe (trained on the data), a tokenizer file, or gpt2, cl100k_base, o200k_base (default char)')
    .option('--vocab-size <n>', 'vocabulary size of a trained word or bpe tokenizer', integerAtLeast(1))
    .addOption(new Option('--compat <script>', 'reproduce a reference script exactly').choices(['microgpt.py']));
  withProfileFlag(withBackendFlags(withOutputFlags(command, 'print JSON lines: {"step","loss","lr","batch_tokens","tokens_per_s"}, {"step","val_loss"}, then {"done":true,"out",…}')));
  command.addHelpText(
    'after',
    `\nPresets:\n${Object.values(PRESETS)
      .map((p) => `  ${p.name.padEnd(17)} ${p.description}`)
      .join('\n')}\n${examples(
      'microgpt train --preset names --data names',
      'microgpt train --preset shakespeare-cpu --data shakespeare --threads 2',
      'microgpt train --data poems.txt --preset shakespeare-cpu --tokenizer bpe --vocab-size 512 --steps 500',
      'microgpt train --resume runs/names --steps 6000',
      'microgpt train --preset names --tensorboard runs/names/tb    # then: tensorboard --logdir runs/names/tb',
      'microgpt train --init-from runs/shakespeare-cpu --data poems.bin --lr 3e-4 --steps 300 --freeze embeddings,layers:0-1',
      'microgpt train --compat microgpt.py --data names.txt --seed 7 --steps 100 --json',
    )}`,
  );
  command.action(async (flags: RunFlags & CompatFlags & ProfileFlag & { compat?: string }) => {
    const out = outputOf(command);
    const explicit = explicitOptions(command);
    if (flags.compat !== undefined) return compatCommand(flags, explicit, out);
    if (flags.resume !== undefined && flags.out !== undefined && flags.out !== flags.resume) out.note(`note: continuing ${flags.resume} into ${flags.out}`);
    if (explicit.has('tensorboardEvery') && flags.tensorboard === undefined) throw usageError('--tensorboard-every applies to --tensorboard, which is not given', 'add --tensorboard DIR');
    if (explicit.has('temperature') && flags.samples === 0) throw usageError('--temperature applies to the samples, and --samples is 0');
    if (flags.initFrom !== undefined && flags.resume !== undefined) throw usageError('--init-from starts a new run and --resume continues one: give one of them');
    if (flags.freeze !== undefined && flags.initFrom === undefined) throw usageError('--freeze applies to fine-tuning', 'add --init-from DIR');
    if (flags.initFrom !== undefined && resolve(flags.out ?? join('runs', flags.preset)) === resolve(flags.initFrom)) throw usageError(`the run folder ${flags.out ?? join('runs', flags.preset)} is the checkpoint --init-from reads`, 'give --out DIR for the fine-tuned run');
    return withProfile(flags.profile, 'microgpt train', out, () => trainCommand(flags, explicit, out));
  });
}
