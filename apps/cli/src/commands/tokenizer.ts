// `microgpt tokenizer train | encode | decode`.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { text as readStream } from 'node:stream/consumers';
import { writeFileAtomic } from '@microgpt/model/node';
import { TokenizerError } from '@microgpt/tokenizer';
import { type Command, Option } from 'commander';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import { runtimeError, usageError } from '../errors';
import { readTextFile } from '../text-file';
import { collect, integerAtLeast } from '../options';
import { TOKENIZER_NAMES, TRAINABLE, type TrainableKind, loadTokenizer, trainTokenizer } from '../tokenizers';

interface InputFlags {
  readonly text?: string;
  readonly input?: string;
}

const INPUT_HINT = '--input takes a text file (UTF-8)';

/** The input text: --text, --input FILE, or standard input when it is piped. */
async function inputText(flags: InputFlags): Promise<string> {
  if (flags.text !== undefined && flags.input !== undefined) throw usageError('give --text or --input, not both');
  if (flags.text !== undefined) return flags.text;
  if (flags.input !== undefined) return readTextFile(flags.input, '--input', INPUT_HINT);
  if (process.stdin.isTTY) throw usageError('no input: give --text TEXT, --input FILE, or pipe text in');
  return readStream(process.stdin);
}

/** Token ids from text: `1 2 3`, `1,2,3`, a JSON array, or `encode --json`'s `{"ids":[…]}`. */
function parseIds(text: string): number[] {
  const trimmed = text.trim();
  let values: unknown[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let data: unknown;
    try {
      data = JSON.parse(trimmed);
    } catch {
      throw usageError('the ids look like JSON but do not parse', 'give ids as `1 2 3`, a JSON array, or {"ids":[…]}');
    }
    const list = Array.isArray(data) ? data : (data as { ids?: unknown }).ids;
    if (!Array.isArray(list)) throw usageError('the JSON has no "ids" array');
    values = list;
  } else {
    const pieces = trimmed === '' ? [] : trimmed.split(/[\s,]+/);
    const bad = pieces.findIndex((piece) => !/^\d+$/.test(piece));
    if (bad >= 0) throw notAnId(bad, `"${pieces[bad]!}"`);
    values = pieces.map(Number);
  }
  const at = values.findIndex((v) => !(typeof v === 'number' && Number.isSafeInteger(v) && v >= 0));
  if (at >= 0) throw notAnId(at, shownValue(values[at]));
  return values as number[];
}

// Not JSON.stringify: an "id" nested 100,000 arrays deep would overflow the stack.
function shownValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
  return value !== null && typeof value === 'object' ? 'an object' : String(value);
}

// The value comes first and the position second, so `-1` never reads as "token id 1".
function notAnId(index: number, shown: string): Error {
  return usageError(`${shown} (item ${index + 1} of the ids) is not a token id: ids are integers ≥ 0`, 'give ids as `1 2 3`, a JSON array, or {"ids":[…]}');
}

const tokenizerOption = (): Option => new Option('--tokenizer <file|name>', `our tokenizer JSON, a Hugging Face tokenizer.json, a .tiktoken file, or ${TOKENIZER_NAMES.join(', ')}`).makeOptionMandatory();
const patternOption = (): Option => new Option('--pattern <name|regex>', 'split pattern of a .tiktoken file: gpt2, cl100k, o200k or a regex (default: from the file name)');

function registerTrain(parent: Command): void {
  const command = parent
    .command('train')
    .description('train a tokenizer on a text file and save it as JSON')
    .addOption(new Option('--type <type>', 'kind of tokenizer').choices([...TRAINABLE]).makeOptionMandatory())
    .requiredOption('--input <file>', 'training text')
    .requiredOption('--out <file>', 'where to write the tokenizer JSON')
    .option('--vocab-size <n>', 'vocabulary size (bpe: 256 bytes + merges + specials, default 512; word: the most frequent pieces)', integerAtLeast(1))
    .option('--pattern <name|regex>', 'pre-split pattern (bpe, word): none, gpt2, gpt4 or a regex (bpe default gpt4)')
    .option('--special <token>', 'a special token (repeat for more); ids follow the others', collect, []);
  withOutputFlags(command, 'print {"out":…,"vocab_size":…,"seconds":…}');
  command.addHelpText('after', examples('microgpt tokenizer train --type bpe --input shakespeare.txt --out bpe.json --vocab-size 512 --special "<|endoftext|>"', 'microgpt tokenizer train --type char --input names.txt --out chars.json'));
  command.action(async (flags: { type: TrainableKind; input: string; out: string; vocabSize?: number; pattern?: string; special: string[] }) => {
    const out = outputOf(command);
    const text = await readTextFile(flags.input, '--input', INPUT_HINT);
    const started = performance.now();
    const tokenizer = trainTokenizer(flags.type, text, { special: flags.special, ...(flags.vocabSize === undefined ? {} : { vocabSize: flags.vocabSize }), ...(flags.pattern === undefined ? {} : { pattern: flags.pattern }) });
    const seconds = (performance.now() - started) / 1000;
    await mkdir(dirname(flags.out), { recursive: true });
    await writeFileAtomic(flags.out, `${JSON.stringify(tokenizer.toJSON())}\n`);
    out.result(`${flags.type} tokenizer with ${tokenizer.vocabSize} ids saved to ${flags.out} (${seconds.toFixed(2)} s)`);
    out.record({ out: flags.out, type: flags.type, vocab_size: tokenizer.vocabSize, seconds });
  });
}

function registerEncode(parent: Command): void {
  const command = parent
    .command('encode')
    .description('text → token ids')
    .addOption(tokenizerOption())
    .addOption(patternOption())
    .option('--text <text>', 'the text (else --input or standard input)')
    .option('--input <file>', 'read the text from a file')
    .option('--allow-special', 'encode special tokens written in the text (e.g. <|endoftext|>) as their ids');
  withOutputFlags(command, 'print {"ids":[…],"count":N}');
  command.addHelpText('after', examples('microgpt tokenizer encode --tokenizer gpt2 --text "hello world"', 'echo "hello" | microgpt tokenizer encode --tokenizer bpe.json --json'));
  command.action(async (flags: InputFlags & { tokenizer: string; pattern?: string; allowSpecial?: boolean }) => {
    const out = outputOf(command);
    const tokenizer = await loadTokenizer(flags.tokenizer, flags.pattern, (line) => {
      out.note(line);
    });
    const ids = tokenizer.encode(await inputText(flags), flags.allowSpecial ? { allowedSpecial: 'all' } : {});
    out.result(ids.join(' '));
    out.record({ ids, count: ids.length });
  });
}

function registerDecode(parent: Command): void {
  const command = parent
    .command('decode')
    .description('token ids → text')
    .addOption(tokenizerOption())
    .addOption(patternOption())
    .option('--text <ids>', 'the ids: "1 2 3", a JSON array or {"ids":[…]} (else --input or standard input)')
    .option('--input <file>', 'read the ids from a file');
  withOutputFlags(command, 'print {"text":…}');
  command.addHelpText('after', examples('microgpt tokenizer decode --tokenizer gpt2 --text "31373 995"', 'microgpt tokenizer encode --tokenizer bpe.json --text hi --json | microgpt tokenizer decode --tokenizer bpe.json'));
  command.action(async (flags: InputFlags & { tokenizer: string; pattern?: string }) => {
    const out = outputOf(command);
    const tokenizer = await loadTokenizer(flags.tokenizer, flags.pattern, (line) => {
      out.note(line);
    });
    const ids = parseIds(await inputText(flags));
    let text: string;
    try {
      text = tokenizer.decode(ids);
    } catch (error) {
      if (!(error instanceof TokenizerError)) throw error;
      throw runtimeError(error.message, `give ids this tokenizer made (\`microgpt tokenizer encode --tokenizer ${flags.tokenizer}\`): ${tokenizer.vocabSize} ids, 0 to ${tokenizer.vocabSize - 1}`);
    }
    if (!out.json) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    out.record({ text });
  });
}

/** Adds `tokenizer train|encode|decode` to `program`. */
export function registerTokenizer(program: Command): void {
  const parent = program.command('tokenizer').description('train a tokenizer, or encode and decode with one');
  registerTrain(parent);
  registerEncode(parent);
  registerDecode(parent);
}
