// Peak memory of a component process, as the kernel counts it.
import { readFileSync } from 'node:fs';

/**
 * The peak resident set size of process `pid` in MB: the kernel's high-water mark (`VmHWM` in
 * `/proc/<pid>/status`), so no sampling interval can miss a spike. NaN once the process is gone or off Linux.
 */
export function peakRssMb(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024;
  } catch {
    return Number.NaN;
  }
}
