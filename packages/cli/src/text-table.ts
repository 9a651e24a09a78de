/**
 * Lays out rows in columns separated by three spaces, like kubectl's tables. Cells may carry ANSI colour; widths
 * are measured without it.
 */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is being removed.
  const visible = (text: string) => text.replace(/\u001b\[[0-9;]*m/g, '').length;
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => visible(row[i] ?? ''))));
  return all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visible(cell))))
        .join('   ')
        .trimEnd(),
    )
    .join('\n');
}
