// Runs a tutorial the way a reader does: `js` blocks go into the file their first line names (`// name.mjs`)
// or the file named last, `sh` blocks run line by line in one work folder. Three kinds of line are stood in for,
// so the run needs no network for our packages or the data: `mkdir X && cd X` (the work folder is X), `npm i …`
// (@microgpt packages from the packed tarballs, see npm-install.ts) and `curl` of a known dataset URL (copied
// from the repository). A `text` block records the output the tutorial shows for the file or command before it.
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, delimiter, join } from 'node:path';
import { NAMES_PATH, SHAKESPEARE_PATH } from '@microgpt/test-data';
import { type CodeBlock, codeBlocks } from './markdown';
import { cleanEnv, npmInstall } from './npm-install';
import type { Tarballs } from './pack';

const require = createRequire(import.meta.url);

/** The files behind the URLs the tutorials download, so the test reads them from the repository. */
export const DATA_FILES: Readonly<Record<string, string>> = {
  'https://raw.githubusercontent.com/karpathy/makemore/master/names.txt': NAMES_PATH,
  'https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt': SHAKESPEARE_PATH,
  'https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken': require.resolve('gpt-tokenizer/data/r50k_base.tiktoken'),
};

/** One command a tutorial ran, with what it printed (stdout and stderr together) and the output the tutorial shows for it. */
export interface CommandRun {
  readonly command: string;
  readonly output: string;
  readonly shown: string[];
}

/** What a tutorial's run produced: each command, and the output shown after the blocks of each file. */
export interface TutorialRun {
  readonly commands: CommandRun[];
  readonly shownByFile: ReadonlyMap<string, string[]>;
}

function curl(command: string, work: string): void {
  const url = command.split(/\s+/).find((word) => word.startsWith('https://'));
  const source = url === undefined ? undefined : DATA_FILES[url];
  if (url === undefined || source === undefined) throw new Error(`tutorial: no local copy for the download in \`${command}\`; add its URL to DATA_FILES`);
  const named = /\s-o\s+(\S+)/.exec(command);
  copyFileSync(source, join(work, named?.[1] ?? basename(new URL(url).pathname)));
}

function shell(command: string, work: string): string {
  const PATH = [join(work, 'node_modules', '.bin'), process.env.PATH ?? ''].join(delimiter);
  try {
    return execFileSync('bash', ['-c', `${command} 2>&1`], { cwd: work, env: cleanEnv({ PATH }), encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (error) {
    const { stdout } = error as { stdout?: string };
    throw new Error(`tutorial: \`${command}\` failed in ${work}:\n${stdout ?? String(error)}`, { cause: error });
  }
}

/**
 * Runs every block of `markdown` in `work` (an empty folder).
 * @throws Error naming the block or command that failed, with its output.
 */
export function runTutorial(markdown: string, work: string, tarballs: Tarballs): TutorialRun {
  const commands: CommandRun[] = [];
  const shownByFile = new Map<string, string[]>();
  let file: string | null = null;
  let previous: CodeBlock | null = null;
  for (const block of codeBlocks(markdown)) {
    if (block.lang === 'js') {
      file = /^\/\/ (\S+\.mjs)$/.exec(block.code.split('\n')[0]!)?.[1] ?? file;
      if (file === null) throw new Error(`tutorial: the js block on line ${block.line} does not start with \`// name.mjs\` and follows no file`);
      appendFileSync(join(work, file), `${block.code}\n\n`);
    } else if (block.lang === 'sh') {
      for (const command of block.code.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))) {
        let output = '';
        if (/^mkdir (\S+) && cd \1$/.test(command)) output = '';
        else if (/^npm (i|install) /.test(command)) npmInstall(work, command.split(/\s+/).slice(2), tarballs);
        else if (command.startsWith('curl ')) curl(command, work);
        else output = shell(command, work);
        commands.push({ command, output, shown: [] });
      }
    } else if (block.lang === 'text' && previous !== null) {
      const lines = block.code.split('\n');
      if (previous.lang === 'js' && file !== null) shownByFile.set(file, [...(shownByFile.get(file) ?? []), ...lines]);
      else if (previous.lang === 'sh' && commands.length > 0) commands.at(-1)!.shown.push(...lines);
    }
    previous = block;
  }
  return { commands, shownByFile };
}

/** `line` with every number replaced by `#`: the shape of an output line, whatever the machine's last digits. */
export function lineShape(line: string): string {
  return line.replace(/\d+(?:[.,]\d+)*(?:e[-+]?\d+)?/g, '#').trimEnd();
}

/**
 * The shown lines of `file` whose shape appears nowhere in `output`, except lines matching `free` (samples, whose
 * letters depend on every bit of the weights).
 */
export function missingShownLines(run: TutorialRun, file: string, output: string, free: RegExp): string[] {
  const actual = new Set(output.split('\n').map(lineShape));
  return (run.shownByFile.get(file) ?? []).filter((line) => !free.test(line) && !actual.has(lineShape(line)));
}
