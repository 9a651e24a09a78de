// Which findings of a new report to notify about: those at or above the threshold that were not notified
// before. A notification is about one (digest, vulnerability) pair, so a vulnerability affecting two packages of
// an image is one notification, and the same vulnerability in another image is another.

import type { ReportedVulnerability, ScanReport } from '@nimbus-ts/scan-api';
import { atLeast, findingOrder, moreSevere, type Severity } from '@nimbus-ts/scan-api';

/** The parts of a VulnerabilityReport read here. */
export interface ReportOfImage {
  readonly image: { readonly digest: string };
  readonly report: Pick<ScanReport, 'vulnerabilities' | 'truncated'>;
}

/** One vulnerability of one image to notify about. */
export interface NewFinding {
  /** {@link findingKey} of the image's digest and the vulnerability. */
  readonly key: string;
  /** The vulnerability's name, e.g. a CVE ID. */
  readonly id: string;
  /** The highest severity among its findings. */
  readonly severity: Severity;
  /** Its findings in the report (one per affected package), in report order. */
  readonly findings: readonly ReportedVulnerability[];
}

/** The key of a (digest, vulnerability) pair: `<digest>/<vulnerability id>`. */
export function findingKey(digest: string, vulnerabilityId: string): string {
  return `${digest}/${vulnerabilityId}`;
}

/** The keys of a report's listed findings at or above `threshold`: what notifying it in full covers. */
export function notifiableKeys(report: ReportOfImage, threshold: Severity): Set<string> {
  const keys = new Set<string>();
  for (const finding of report.report.vulnerabilities) {
    if (atLeast(finding.severity, threshold)) keys.add(findingKey(report.image.digest, finding.id));
  }
  return keys;
}

/**
 * Whether a finding may be in the previous report's findings although its list does not show it: a list is
 * a prefix of all findings in {@link findingOrder}, so once it was truncated, whatever sorts after its last
 * entry may have been left out.
 */
function mayHaveBeenLeftOut(previous: ReportOfImage, threshold: Severity) {
  if (!previous.report.truncated) return () => false;
  const last = previous.report.vulnerabilities.at(-1);
  if (last === undefined) return () => true;
  const order = findingOrder(threshold);
  return (finding: ReportedVulnerability) => order(finding, last) > 0;
}

/**
 * The findings of `next` to notify about: listed, at or above `threshold` (Unknown always is, see `atLeast`),
 * and not already covered by `previous`, grouped per vulnerability in report order (most relevant first).
 *
 * `previous` is either
 * - the report as it was before (of the same digest; one of another digest covers nothing): a finding counts
 *   as notified when it was listed at or above the threshold. When that report was truncated, a finding that
 *   sorts after its last listed one may merely have been left out, and is not reported, since notifying the
 *   same finding twice is worse than waiting for it to surface; a new finding that sorts before it, such as a
 *   new Critical one, is reported. A finding whose severity went up to the threshold counts as new;
 * - or the set of {@link findingKey}s notified so far (for a caller that keeps one), which is exact;
 * - or undefined for an image's first report: everything at or above the threshold is new. A caller that
 *   does not want to announce an image's existing findings passes `notifiableKeys(next, threshold)` instead.
 *
 * Findings `next` does not list (it was truncated) are not considered; they are notified if they ever come
 * into its list.
 */
export function newFindings(
  previous: ReportOfImage | ReadonlySet<string> | undefined,
  next: ReportOfImage,
  threshold: Severity,
): NewFinding[] {
  const digest = next.image.digest;
  let notified: ReadonlySet<string> = new Set();
  let leftOut: (finding: ReportedVulnerability) => boolean = () => false;
  if (previous !== undefined && !('image' in previous)) {
    notified = previous;
  } else if (previous !== undefined && previous.image.digest === digest) {
    notified = notifiableKeys(previous, threshold);
    leftOut = mayHaveBeenLeftOut(previous, threshold);
  }

  const found = new Map<string, { id: string; findings: ReportedVulnerability[] }>();
  for (const finding of next.report.vulnerabilities) {
    if (!atLeast(finding.severity, threshold)) continue;
    const key = findingKey(digest, finding.id);
    if (notified.has(key) || leftOut(finding)) continue;
    const entry = found.get(key);
    if (entry) entry.findings.push(finding);
    else found.set(key, { id: finding.id, findings: [finding] });
  }
  return [...found].map(([key, { id, findings }]) => ({
    key,
    id,
    severity: findings.map((f) => f.severity).reduce(moreSevere),
    findings,
  }));
}
