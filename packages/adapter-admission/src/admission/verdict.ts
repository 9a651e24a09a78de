/**
 * What the scanner knows about an image's vulnerabilities at admission time, and the part of it a decision
 * depends on (for the decision cache).
 */
import { SEVERITIES, type Severity } from '@nimbus-ts/scan-api';

/** One finding, enough to name it in a message. */
export interface VerdictFinding {
  /** Usually a CVE ID. */
  readonly id: string;
  readonly severity: Severity;
}

/** The scanner's answer for one image. */
export type VulnerabilityVerdict =
  | {
      readonly status: 'scanned';
      /** Findings by severity; a severity left out counts 0. */
      readonly counts: Readonly<Partial<Record<Severity, number>>>;
      /** The most severe findings, most severe first; messages name the first few that meet a threshold. */
      readonly worst: readonly VerdictFinding[];
    }
  | {
      readonly status: 'unscanned';
      /** Why there is no result, e.g. `the scan did not finish within 3 s`. */
      readonly reason: string;
      /**
       * The registry that refused to serve the image with the credentials the pod would pull with (401, 403):
       * a retry will not help, a pull secret will.
       */
      readonly unreadableFrom?: string;
    };

/**
 * A string that differs exactly when what a decision reads from `verdict` differs: counts, named findings,
 * or the reason for having none. So a rescan that finds the same keeps cached decisions, and one that
 * finds more does not.
 */
export function verdictFingerprint(verdict: VulnerabilityVerdict | undefined): string {
  if (verdict === undefined) return '-';
  if (verdict.status === 'unscanned') {
    return verdict.unreadableFrom === undefined
      ? `u:${verdict.reason}`
      : `r:${verdict.unreadableFrom}:${verdict.reason}`;
  }
  const counts = SEVERITIES.map((severity) => verdict.counts[severity] ?? 0).join(',');
  const worst = verdict.worst.map((finding) => `${finding.id}=${finding.severity}`).join(',');
  return `s:${counts}:${worst}`;
}
