// `--profile [trace]` on train, sample and eval: records every kernel call of the command (@microgpt/tensor's
// profiler, started before the model is loaded so that planned passes record too), then prints the table of
// kernels on stderr and writes the Chrome trace (Trace Event Format) that Perfetto and chrome://tracing open.
import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@microgpt/model/node';
import { type Profile, chromeTrace, profileRows, profileTable, startProfile } from '@microgpt/tensor';
import type { Command } from 'commander';
import { usageError } from './errors';
import type { Output } from './output';

/** The flag's value: absent, given bare (`trace.json`), or a path. */
export interface ProfileFlag {
  readonly profile?: string | true;
}

/** Adds `--profile [trace]`. */
export function withProfileFlag(command: Command): Command {
  return command.option('--profile [trace]', 'record every kernel call: print a table (kernel, calls, total ms, share, GFLOP/s) on stderr and write a Chrome trace to trace (default trace.json)');
}

/**
 * The trace's path, once its folder is known to exist (checked before the work, not after a long run).
 * @throws {CliError} (exit 2) when the folder is missing or the path is a folder.
 */
async function tracePath(flag: string | true): Promise<string> {
  const path = flag === true ? 'trace.json' : flag;
  const folder = await stat(dirname(path)).catch(() => null);
  if (!folder?.isDirectory()) throw usageError(`--profile ${path}: the folder ${dirname(path)} does not exist`, 'create it first, or give a path in an existing folder');
  if ((await stat(path).catch(() => null))?.isDirectory()) throw usageError(`--profile ${path} is a folder`, 'give a file path, e.g. --profile trace.json');
  return path;
}

/** The profile for --json. */
function profileRecord(profile: Profile, trace: string): object {
  const kernels = profileRows(profile).map((r) => ({ kernel: r.kernel, calls: r.calls, total_ms: r.totalMs, share: r.share, gflops: r.gflops }));
  return { profile: { trace, wall_ms: profile.wallMs, recorded_calls: profile.calls.length, dropped_calls: profile.dropped, kernels } };
}

/**
 * Runs `work`, profiled when `flag` is given: the table is printed and the trace written after it succeeds.
 * @param name the command (`microgpt train`), the trace's process name.
 */
export async function withProfile<T>(flag: string | true | undefined, name: string, out: Output, work: () => Promise<T>): Promise<T> {
  if (flag === undefined) return work();
  const path = await tracePath(flag);
  const profiler = startProfile();
  let result: T;
  let profile: Profile;
  try {
    result = await work();
  } finally {
    profile = profiler.stop();
  }
  await writeFileAtomic(path, JSON.stringify(chromeTrace(profile, name)));
  const dropped = profile.dropped > 0 ? `; it holds the first ${profile.calls.length} of ${profile.calls.length + profile.dropped} calls (the table counts all)` : '';
  out.note(`kernel profile of ${name}:\n${profileTable(profile)}\ntrace: ${path} (open it in https://ui.perfetto.dev or chrome://tracing)${dropped}`);
  out.record(profileRecord(profile, path));
  return result;
}
