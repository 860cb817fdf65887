// Whether the process that wrote a lock or a temp file can still be running. Node.js only.
import { readFileSync } from 'node:fs';

/**
 * The identity of a running process beyond its pid, where the system gives one: the boot id and the process's
 * start time in clock ticks since boot (Linux `/proc`). A pid that is alive but has another start time was reused.
 */
export function processStart(pid: number): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces; field 22 (start time) counts from after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = fields[19];
    return start === undefined ? null : `${boot}:${start}`;
  } catch {
    return null;
  }
}

/**
 * Whether process `pid` on this machine is alive, and (when `start` from {@link processStart} is given and the
 * system can tell) is the same process that recorded it.
 */
export function isProcessAlive(pid: number, start: string | null = null): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'EPERM') return false; // ESRCH: no such process
  }
  if (start === null) return true;
  const now = processStart(pid);
  return now === null || now === start;
}
