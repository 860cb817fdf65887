// The progress line of `data prepare` on stderr: bytes read of the total, percent and MB/s. On a terminal it is
// redrawn in place (at most 5 times a second); piped, a line is printed every 10% so logs stay short.
import type { Output } from '../output';

/** Counts bytes and shows the rate. */
export interface RateLine {
  add(bytes: number): void;
  /** Ends the line; returns the seconds since the start and the overall MB/s. */
  finish(): { seconds: number; mbPerSecond: number };
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

/** A rate line for `total` bytes labelled `what` (`tokenizing`); silent with --json or --quiet. */
export function createRateLine(out: Output, what: string, total: number): RateLine {
  const started = performance.now();
  let done = 0;
  let shown = 0;
  let nextTenth = 0.1;
  const seconds = (): number => (performance.now() - started) / 1000;
  const text = (): string => `${what}: ${mb(done)} / ${mb(total)} MB (${((100 * done) / total).toFixed(0)}%) | ${(done / 1e6 / Math.max(seconds(), 1e-9)).toFixed(1)} MB/s | ${seconds().toFixed(1)} s`;
  const silent = out.json || out.quiet;
  return {
    add(bytes) {
      done += bytes;
      if (silent) return;
      if (out.interactive) {
        const now = performance.now();
        if (now - shown < 200 && done < total) return;
        shown = now;
        process.stderr.write(`\r${text()}\x1b[K`);
      } else if (done >= nextTenth * total) {
        while (done >= nextTenth * total) nextTenth += 0.1;
        out.note(text());
      }
    },
    finish() {
      if (!silent && out.interactive) process.stderr.write(`\r${text()}\x1b[K\n`);
      const s = seconds();
      return { seconds: s, mbPerSecond: done / 1e6 / Math.max(s, 1e-9) };
    },
  };
}
