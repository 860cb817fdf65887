// `microgpt data get`: a dataset into the cache, checked by SHA-256.
import { stat } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import { DATASETS, type DatasetName } from '../datasets';
import { cacheDir, download, findCached } from '../downloads';
import { registerDataPrepare } from './data-prepare';

/** Adds `data get` to `program`. */
export function registerData(program: Command): void {
  const parent = program.command('data').description('datasets: download into the cache (~/.cache/microgpt or $MICROGPT_CACHE), or tokenize a corpus into a token file');
  const command = parent
    .command('get')
    .description('download a dataset into the cache (once), check its SHA-256 and print its path')
    .addArgument(parent.createArgument('<name>', Object.entries(DATASETS).map(([name, d]) => `${name}: ${d.description}`).join('; ')).choices(Object.keys(DATASETS)))
    .addOption(new Option('--force', 'download again even when the cache has it'));
  withOutputFlags(command, 'print {"name":…,"path":…,"bytes":…,"sha256":…,"downloaded":…}');
  command.addHelpText('after', examples('microgpt data get names', 'MICROGPT_CACHE=/tmp/mg microgpt data get shakespeare --json'));
  command.action(async (name: DatasetName, flags: { force?: boolean }) => {
    const out = outputOf(command);
    const remote = DATASETS[name];
    const cached = flags.force ? null : await findCached(remote);
    const path = cached ?? (await download(remote, (line) => {
      out.note(line);
    }));
    const bytes = (await stat(path)).size;
    out.result(path);
    out.note(cached ? `${name} was already in ${cacheDir()}` : `saved ${bytes.toLocaleString('en-US')} bytes, SHA-256 ${remote.sha256}`);
    out.record({ name, path, bytes, sha256: remote.sha256, downloaded: cached === null });
  });
  registerDataPrepare(parent);
}
