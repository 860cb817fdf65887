// The `microgpt` command line: commander with "did you mean" suggestions, help with examples on every command,
// and errors thrown (not exited) so main decides the exit code.
import { Command } from 'commander';
import packageJson from '../package.json';
import { registerBench } from './commands/bench';
import { registerData } from './commands/data';
import { registerEval } from './commands/eval';
import { registerExport } from './commands/export';
import { registerImport } from './commands/import';
import { registerInfo } from './commands/info';
import { registerQuantize } from './commands/quantize';
import { registerSample } from './commands/sample';
import { registerTokenizer } from './commands/tokenizer';
import { registerTrain } from './commands/train';
import { examples } from './command-kit';

/** The whole command tree (a new one each call: commander keeps parse state in it). */
export function buildProgram(): Command {
  const program = new Command('microgpt')
    .description('Train, sample and inspect small GPT language models on the CPU.')
    .version(packageJson.version, '-v, --version')
    .option('--debug', 'print stack traces of errors')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage and examples)')
    .exitOverride();
  program.addHelpText(
    'after',
    examples(
      'microgpt train --preset names --data names          # about 10 seconds; saves runs/names',
      'microgpt sample --ckpt runs/names --n 10',
      'microgpt train --preset shakespeare-cpu --threads 2',
      'microgpt train --compat microgpt.py                 # Karpathy’s microgpt.py, exactly',
      'microgpt tokenizer encode --tokenizer gpt2 --text "hello world"',
      'microgpt <command> --help',
    ),
  );
  registerTrain(program);
  registerSample(program);
  registerEval(program);
  registerInfo(program);
  registerQuantize(program);
  registerExport(program);
  registerImport(program);
  registerTokenizer(program);
  registerData(program);
  registerBench(program);
  return program;
}
