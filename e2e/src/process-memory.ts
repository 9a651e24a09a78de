import { readFileSync, writeFileSync } from 'node:fs';

/**
 * The peak resident set size (VmHWM) of a running process in MiB, or undefined once it has exited: the figure
 * a memory limit is enforced against.
 */
export function peakRssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

/**
 * Resets a process's peak RSS to its current RSS (`5` into /proc/PID/clear_refs, Linux ≥ 4.0), so the next
 * {@link peakRssMiB} is the peak of what happened since: one fault case's peak, not the process's lifetime one.
 * A process that has exited is left alone.
 */
export function resetPeakRss(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ESRCH')
      throw err;
  }
}
