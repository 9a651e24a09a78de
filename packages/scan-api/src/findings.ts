// The order of findings in a VulnerabilityReport, shared by the summary (which keeps a prefix of it) and the
// new-finding check (which must know what such a prefix can have left out).

import type { ReportedVulnerability } from './api/types.js';
import { atLeast, type Severity, severityRank } from './severity.js';

/** The fields of a finding its place in the order depends on. */
export type FindingOrderKey = Pick<
  ReportedVulnerability,
  'id' | 'severity' | 'package' | 'installedVersion' | 'fixedVersion'
>;

/** Compares strings by UTF-16 code units: the same everywhere, unlike `localeCompare`. */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/**
 * The order of findings in a report, most relevant first, for `Array.prototype.sort`:
 *
 * 1. findings that meet `threshold` (see {@link atLeast}; Unknown always does) before those that do not;
 * 2. more severe first (Unknown ranks lowest);
 * 3. fixable (a fixed version is known) before unfixable;
 * 4. then by id, package and installed version, so that the order is total and equal input sorts equally.
 *
 * With the default threshold Low this reads Critical, High, Medium, Low, Unknown, Negligible.
 */
export function findingOrder(threshold: Severity): (a: FindingOrderKey, b: FindingOrderKey) => number {
  return (a, b) =>
    Number(atLeast(b.severity, threshold)) - Number(atLeast(a.severity, threshold)) ||
    severityRank(b.severity) - severityRank(a.severity) ||
    Number(b.fixedVersion !== '') - Number(a.fixedVersion !== '') ||
    compareText(a.id, b.id) ||
    compareText(a.package, b.package) ||
    compareText(a.installedVersion, b.installedVersion);
}
