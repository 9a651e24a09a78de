// The benchmark's printed comparison: each measure for the floor and for nimbus-ts, and their ratio.

/** One measure of a comparison, e.g. the operator's convergence time. */
export interface Measure {
  /** What is measured, with its unit, e.g. `converge time (s)`. */
  readonly label: string;
  /** The bare client's figure (NaN when not measured). */
  readonly floor: number;
  /** nimbus-ts's figure (NaN when not measured). */
  readonly nimbus: number;
  /** Decimal places to print the figures with. */
  readonly digits: number;
  /** The target for `nimbus / floor`, printed beside the ratio, e.g. 1.3. */
  readonly target?: number;
}

/** A heading row (a component's name) or a measure. */
export type Row = string | Measure;

/**
 * `value / floor` as printed, e.g. `1.23×`. A floor of zero has no ratio: `—` when nimbus-ts is zero too (the
 * same), else `+N` with the excess; a figure not measured gives `—`.
 */
export function formatRatio(floor: number, value: number): string {
  if (Number.isNaN(floor) || Number.isNaN(value)) return '—';
  if (floor === 0) return value === 0 ? '—' : `+${formatNumber(value, 0)}`;
  return `${(value / floor).toFixed(2)}×`;
}

/** `value` with `digits` decimals and thousands separators, `—` when not measured. */
export function formatNumber(value: number, digits: number): string {
  if (Number.isNaN(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Pads every column to its widest cell: the first left-aligned, the others right-aligned. */
export function alignColumns(lines: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const cells of lines) {
    for (const [i, c] of cells.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  return lines.map((cells) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** The comparison as text: `measure | floor | nimbus-ts | ratio | target`, headings on lines of their own. */
export function renderComparison(rows: readonly Row[]): string {
  const lines: string[][] = [['measure', 'floor', 'nimbus-ts', 'ratio', 'target']];
  for (const row of rows) {
    if (typeof row === 'string') lines.push([row]);
    else
      lines.push([
        `  ${row.label}`,
        formatNumber(row.floor, row.digits),
        formatNumber(row.nimbus, row.digits),
        formatRatio(row.floor, row.nimbus),
        row.target === undefined ? '' : `≤ ${row.target.toFixed(1)}×`,
      ]);
  }
  return `${alignColumns(lines).join('\n')}\n`;
}
