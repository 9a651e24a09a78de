// Clair's normalized severities and what a severity threshold means for them.
//
// Where Unknown sits: it ranks lowest, so in a list sorted by severity the findings whose severity is known come
// first. For thresholds, though, Unknown meets every threshold. Clair says Unknown when the source gives no
// severity, and for some sources that is every finding: Alpine's SecDB publishes none, so every vulnerability
// in an Alpine image is Unknown. Were Unknown below Low, a policy with any threshold would never notify or flag
// anything in an Alpine image, however serious — a silent gap. Treating "not rated" as "possibly serious" makes
// the gap visible instead, at the price of noise for Alpine images; a threshold cannot name Unknown, so no
// policy can opt out of it by accident either.
//
// Negligible is a rating (Debian's "unimportant", for instance) and ranks below Low, so it meets no threshold
// a policy can set.

import type { SeverityThreshold } from './api/types.js';

/** Clair's normalized severities, lowest rank first. */
export const SEVERITIES = ['Unknown', 'Negligible', 'Low', 'Medium', 'High', 'Critical'] as const;

/** One of Clair's normalized severities. */
export type Severity = (typeof SEVERITIES)[number];

/** The severities an ImageScanPolicy's severityThreshold may name, lowest first (the CRD's enum). */
export const SEVERITY_THRESHOLDS = [
  'Low',
  'Medium',
  'High',
  'Critical',
] as const satisfies readonly (Severity & SeverityThreshold)[];

/** The threshold of an ImageScanPolicy that does not name one (the CRD's default). */
export const DEFAULT_SEVERITY_THRESHOLD: SeverityThreshold = 'Low';

const RANK: Readonly<Record<Severity, number>> = {
  Unknown: 0,
  Negligible: 1,
  Low: 2,
  Medium: 3,
  High: 4,
  Critical: 5,
};

/** Whether `text` is exactly one of {@link SEVERITIES} (case-sensitive, as Clair writes them). */
export function isSeverity(text: string): text is Severity {
  return Object.hasOwn(RANK, text);
}

/**
 * The severity for a `normalized_severity` from Clair. Anything that is not one of the six names, a missing
 * value included, is Unknown: it gives no rating either.
 */
export function normalizeSeverity(text: string | null | undefined): Severity {
  return typeof text === 'string' && isSeverity(text) ? text : 'Unknown';
}

/** The rank of a severity: 0 for Unknown up to 5 for Critical. */
export function severityRank(severity: Severity): number {
  return RANK[severity];
}

/** Orders severities from the most to the least severe, Unknown last; for `Array.prototype.sort`. */
export function bySeverityDescending(a: Severity, b: Severity): number {
  return RANK[b] - RANK[a];
}

/** The more severe of two severities (a rating wins over Unknown). */
export function moreSevere(a: Severity, b: Severity): Severity {
  return RANK[b] > RANK[a] ? b : a;
}

/**
 * Whether a finding of `severity` counts for `threshold`: for conditions and notifications.
 *
 * A rated finding counts when it ranks at or above the threshold; an Unknown one counts for every threshold
 * (see the top of this module).
 */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return severity === 'Unknown' || RANK[severity] >= RANK[threshold];
}
