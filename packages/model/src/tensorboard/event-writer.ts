// A TensorBoard event file on disk (Node.js only): `events.out.tfevents.<seconds>.<host>.<pid>.<n>` in a run's
// folder, opened with its file_version event, appended to as records are added and flushed on demand. A
// resumed run opens a new file; TensorBoard reads the files of a folder in order and drops the steps a restart
// repeats.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type EventRecorder, createEventLog } from './event-log';
import { fileVersionEvent } from './events';

/** An open event file. Records are kept in memory until `flush`. */
export interface EventWriter extends EventRecorder {
  /** The file's path. */
  readonly path: string;
  /** Appends what was added since the last flush. */
  flush(): Promise<void>;
}

let fileCount = 0;

/**
 * Creates folder `dir` if needed and a new event file in it, opened with its file_version event.
 * @param now seconds since the epoch (wall_time of each event); default the clock.
 * @throws the file-system error when the folder or file cannot be written.
 */
export async function createEventWriter(dir: string, now: () => number = () => Date.now() / 1000): Promise<EventWriter> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `events.out.tfevents.${Math.floor(now())}.${hostname()}.${process.pid}.${fileCount++}`);
  await writeFile(path, fileVersionEvent(now()), { flag: 'wx' });
  const log = createEventLog(now);
  return {
    path,
    scalars: log.scalars,
    histograms: log.histograms,
    text: log.text,
    hparams: log.hparams,
    flush: async () => {
      const bytes = log.take();
      if (bytes.length > 0) await appendFile(path, bytes);
    },
  };
}
