// KubeArmor grades alerts 1 (lowest) to 10; SecurityIntents grade them with words (default Low) or, for authors
// who know KubeArmor, with its numbers. The words map onto the scale at evenly spread points.

const SEVERITY_BY_NAME: ReadonlyMap<string, number> = new Map([
  ['info', 1],
  ['informational', 1],
  ['low', 3],
  ['medium', 5],
  ['high', 7],
  ['critical', 10],
]);

// Only the canonical spellings "1".."10": "05", "5.0" or " 5" are more likely mistakes than intent.
const NUMERIC_SEVERITY = /^(?:[1-9]|10)$/;

/**
 * The KubeArmor severity (1–10) for an intent's severity: `"1"`–`"10"` as numbers, and the names Info or
 * Informational (1), Low (3), Medium (5), High (7) and Critical (10) in any letter case.
 *
 * @returns `undefined` for anything else, so the field is left out rather than sent with a value the CRD rejects.
 */
export function kubeArmorSeverity(severity: string | undefined): number | undefined {
  if (severity === undefined) return undefined;
  if (NUMERIC_SEVERITY.test(severity)) return Number(severity);
  return SEVERITY_BY_NAME.get(severity.toLowerCase());
}
