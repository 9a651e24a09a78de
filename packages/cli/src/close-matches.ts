// Edit distance over lower-cased text, counting a swap of neighbouring letters as one edit (optimal string
// alignment): the usual mistakes in hand-written IDs and field names are a dropped, doubled or swapped letter
// and wrong letter case.
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const rows: number[][] = [Array.from({ length: y.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      const above = rows[i - 1] ?? [];
      let best = Math.min(
        (above[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (above[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[x.length]?.[y.length] ?? 0;
}

/**
 * The candidates that look like a misspelling of `wanted`, closest first (at most `limit`): those within a
 * quarter of its length in edit distance (at least one edit), letter case ignored; failing those, the ones that contain it or that it
 * contains (a word left out or added).
 */
export function closeMatches(wanted: string, candidates: Iterable<string>, limit = 3): string[] {
  const budget = Math.max(1, Math.floor(wanted.length / 4));
  const lower = wanted.toLowerCase();
  const near: [string, number][] = [];
  const containing: [string, number][] = [];
  for (const candidate of new Set(candidates)) {
    if (candidate === wanted) continue;
    const d = distance(wanted, candidate);
    const c = candidate.toLowerCase();
    if (d <= budget) near.push([candidate, d]);
    else if (lower.length >= 4 && (c.includes(lower) || lower.includes(c))) containing.push([candidate, d]);
  }
  const scored = near.length > 0 ? near : containing;
  scored.sort(([a, da], [b, db]) => da - db || (a < b ? -1 : a > b ? 1 : 0));
  return scored.slice(0, limit).map(([candidate]) => candidate);
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`: a list of suggestions for a message. */
export function quotedAlternatives(items: readonly string[]): string {
  const quoted = items.map((item) => `"${item}"`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}
