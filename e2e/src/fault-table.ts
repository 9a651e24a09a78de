import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What one fault case measured, whether or not its assertions held. */
export interface FaultRow {
  /** The case, e.g. `redos-cel`. */
  readonly name: string;
  /** `pass`, or `FAIL` with the first line of the failure. */
  readonly outcome: string;
  /** From the start of the fault to the converged state observed; undefined when it never converged. */
  readonly convergeMs: number | undefined;
  /** Peak RSS in MiB of each role during the case (over every process of that role, killed ones included). */
  readonly peakRssMiB: Readonly<Record<string, number | undefined>>;
  /** Create, update and patch requests the API server served during the case. */
  readonly writes: number | undefined;
  /** Replicas that exited on their own and were started again, as the kubelet would, during the case. */
  readonly restarts: number;
}

const fixed = (n: number | undefined, digits: number) => (n === undefined ? '-' : n.toFixed(digits));

/**
 * Renders the fault suite's table: one line per case with its outcome, time to converge, peak RSS per role
 * against its deployed limit, and writes.
 *
 * @param limits - each role's deployed memory limit in MiB; the roles are the table's RSS columns.
 */
export function renderFaultTable(
  rows: readonly FaultRow[],
  limits: Readonly<Record<string, number>>,
): string {
  const roles = Object.keys(limits);
  const header = [
    'case',
    'converge s',
    ...roles.map((r) => `${r} peak/limit MiB`),
    'writes',
    'restarts',
    'outcome',
  ];
  const lines = rows.map((row) => [
    row.name,
    fixed(row.convergeMs === undefined ? undefined : row.convergeMs / 1000, 1),
    ...roles.map((r) => `${fixed(row.peakRssMiB[r], 0)}/${fixed(limits[r], 0)}`),
    fixed(row.writes, 0),
    String(row.restarts),
    row.outcome,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [format(header), format(widths.map((w) => '-'.repeat(w))), ...lines.map(format), ''].join('\n');
}

/** Writes the table to `file`, creating its directory. */
export function writeFaultTable(table: string, file: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, table);
}

/** Prints the table to stdout and writes it to `file` (its directory is created). */
export function publishFaultTable(table: string, file: string): void {
  writeFaultTable(table, file);
  process.stdout.write(`\nfault suite (${file}):\n${table}`);
}
