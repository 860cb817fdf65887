// `microgpt import`: a Hugging Face GPT-2 folder (from `microgpt export`, transformers' save_pretrained,
// python/microgpt_torch or nanoGPT-style code) as a microgpt checkpoint folder, for sample, eval, quantize and
// the playground.
import { resolve } from 'node:path';
import { loadHuggingFaceFolder, saveCheckpoint } from '@microgpt/model/node';
import { type Command, Option } from 'commander';
import { startCompute } from '../compute';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import { usageError } from '../errors';

interface ImportFlags {
  readonly from: string;
  readonly out: string;
  readonly dtype?: 'float32' | 'float64';
}

/** Adds `import` to `program`. */
export function registerImport(program: Command): void {
  const command = program
    .command('import')
    .description('read a Hugging Face GPT-2 folder (F32, F16 or BF16 weights) into a microgpt checkpoint folder')
    .requiredOption('--from <dir>', 'Hugging Face GPT-2 folder (config.json, model.safetensors, tokenizer.json)')
    .requiredOption('--out <dir>', 'checkpoint folder to write')
    .addOption(new Option('--dtype <dtype>', 'parameter dtype of the checkpoint (default: float32, float64 for float64 weights)').choices(['float32', 'float64']));
  withOutputFlags(command, 'print {"out":…,"config":{…},"dtype":…,"tokenizer":…}');
  command.addHelpText('after', examples('microgpt import --from trained/ --out runs/from-torch', 'microgpt sample --ckpt runs/from-torch --prompt "ROMEO:"', 'microgpt sample --ckpt trained/   # an HF folder works directly too'));
  command.action(async (flags: ImportFlags) => {
    const out = outputOf(command);
    if (resolve(flags.out) === resolve(flags.from)) throw usageError('--out must differ from --from', 'give a new folder for the microgpt checkpoint, e.g. --out runs/imported');
    const backend = await startCompute('wasm', 1);
    const { model, tokenizer } = await loadHuggingFaceFolder(flags.from, { backend, ...(flags.dtype === undefined ? {} : { dtype: flags.dtype }) });
    await saveCheckpoint(flags.out, { model, tokenizer });
    const { config } = model;
    out.result(`imported ${flags.from} to ${flags.out} (${config.nLayer} layer${config.nLayer === 1 ? '' : 's'}, ${config.nEmbd} wide, vocabulary ${config.vocabSize}, ${model.dtype}${tokenizer === null ? ', no tokenizer: sample and eval need one' : ''})`);
    out.record({ out: flags.out, from: flags.from, config, dtype: model.dtype, tokenizer: tokenizer !== null });
  });
}
