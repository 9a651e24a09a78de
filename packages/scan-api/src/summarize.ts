// Turns Clair's VulnerabilityReport for one image into the `report` field of our VulnerabilityReport: counts,
// and a bounded list of findings. Pure and deterministic: equal input gives equal output whatever the order of
// Clair's maps, so a rescan that finds the same writes nothing.

import { semanticEqual } from '@nimbus-ts/k8s';
import type { ImageScanPolicySpec } from './api/generated.js';
import type {
  ReportedVulnerability,
  ReportSummary,
  ScanReport,
  SeverityCounts,
  SeverityThreshold,
} from './api/types.js';
import { compareText, findingOrder } from './findings.js';
import {
  DEFAULT_SEVERITY_THRESHOLD,
  moreSevere,
  normalizeSeverity,
  type Severity,
  severityRank,
} from './severity.js';

// ---------------------------------------------------------------------------------------------------------
// Input: the parts of Clair's VulnerabilityReport (claircore's JSON) that are read here. Every field is
// optional and read-only, and maps may be null (a nil Go map is written as null), so that the Clair client's
// complete types are assignable to these.

/** A package as Clair reports it: the installed one, found in the image. */
export interface ClairPackageInput {
  readonly name?: string;
  readonly version?: string;
}

/** A vulnerability as Clair reports it. */
export interface ClairVulnerabilityInput {
  /** Clair's own ID of the record; used only when `name` is empty. */
  readonly id?: string;
  /** The advisory's name, usually a CVE ID. */
  readonly name?: string;
  readonly description?: string;
  /** Space-separated URLs. */
  readonly links?: string;
  /** One of Clair's six normalized severities; anything else counts as Unknown. */
  readonly normalized_severity?: string;
  /** The first fixed version; empty when no fix is known. */
  readonly fixed_in_version?: string;
  /** The package named by the advisory (often the source package); used only when the installed one is missing. */
  readonly package?: ClairPackageInput | null;
}

/** Clair's VulnerabilityReport (`GET /matcher/api/v1/vulnerability_report/{digest}`), the parts read here. */
export interface ClairVulnerabilityReportInput {
  readonly manifest_hash?: string;
  /** The installed packages, by Clair's package ID. */
  readonly packages?: Readonly<Record<string, ClairPackageInput>> | null;
  /** The vulnerabilities, by Clair's vulnerability ID. */
  readonly vulnerabilities?: Readonly<Record<string, ClairVulnerabilityInput>> | null;
  /** Which vulnerabilities affect which installed package: package ID → vulnerability IDs. */
  readonly package_vulnerabilities?: Readonly<Record<string, readonly string[] | null>> | null;
}

// ---------------------------------------------------------------------------------------------------------
// Limits. The CRD's maxItems and maxLength say the same (the unit tests compare them).

/** The most findings a report may list: the CRD's maxItems. */
export const MAX_VULNERABILITIES_LIMIT = 500;
/** How many findings a report lists unless told otherwise. */
export const DEFAULT_MAX_VULNERABILITIES = 100;
/**
 * How large the `report` field may be unless told otherwise, in bytes of compact UTF-8 JSON: far below etcd's
 * limit of about 1.5 MiB per object, which trivy-operator's reports run into.
 */
export const DEFAULT_MAX_BYTES = 256 * 1024;

/** The longest texts a finding holds, in characters (code points), and how many links it keeps. */
export const FINDING_LIMITS = Object.freeze({
  id: 128,
  package: 256,
  version: 256,
  description: 512,
  link: 512,
  links: 5,
});

/** What {@link summarizeReport} needs besides Clair's report. */
export interface SummarizeOptions {
  /** The time to write as `updateTimestamp` when the content changed. */
  readonly now: Date;
  /**
   * Leave findings without a fixed version out of the counts and the list, counting them in
   * `ignoredUnfixed` instead. Default false.
   */
  readonly ignoreUnfixed?: boolean | undefined;
  /**
   * The findings that meet it (see `atLeast`) are listed first, so they are the last to be cut. It decides
   * nothing else here: the counts cover every finding whatever the threshold, which decides notifications and
   * conditions, not what a report holds. Default Low.
   */
  readonly severityThreshold?: Severity | undefined;
  /** How many findings to list at most, 0 to {@link MAX_VULNERABILITIES_LIMIT}. Default 100. */
  readonly maxVulnerabilities?: number | undefined;
  /** How large the result may be as compact UTF-8 JSON, in bytes. Default 256 KiB. */
  readonly maxBytes?: number | undefined;
  /**
   * The report as stored now, if there is one: when nothing but the time would change, its `updateTimestamp`
   * is kept, so the result equals it and nothing is written.
   */
  readonly previous?: ScanReport | undefined;
}

/**
 * The options for one image that several ImageScanPolicies of a namespace select: the report is one per image
 * and namespace, so it is written for the most inclusive of them — the lowest threshold, and unfixed findings
 * left out only when every policy leaves them out.
 */
export function inclusiveOptions(
  specs: readonly Pick<ImageScanPolicySpec, 'severityThreshold' | 'ignoreUnfixed'>[],
): { severityThreshold: SeverityThreshold; ignoreUnfixed: boolean } {
  if (specs.length === 0) return { severityThreshold: DEFAULT_SEVERITY_THRESHOLD, ignoreUnfixed: false };
  const thresholds = specs.map((spec) => spec.severityThreshold ?? DEFAULT_SEVERITY_THRESHOLD);
  const lowest = thresholds.reduce((a, b) => (severityRank(b) < severityRank(a) ? b : a));
  return { severityThreshold: lowest, ignoreUnfixed: specs.every((spec) => spec.ignoreUnfixed === true) };
}

// ---------------------------------------------------------------------------------------------------------

/** One finding as read from Clair, texts at full length: one before duplicates are merged, one after. */
interface Finding {
  readonly id: string;
  readonly severity: Severity;
  readonly package: string;
  readonly installedVersion: string;
  readonly fixedVersion: string;
  readonly links: readonly string[];
  readonly description: string;
}

/** `text` cut to `max` code points, the last of them an ellipsis when it was cut. */
export function cutText(text: string, max: number): string {
  const points = Array.from(text);
  if (points.length <= max) return text;
  return `${points.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Every finding in Clair's report: one per (installed package, vulnerability) pair. */
function rawFindings(report: ClairVulnerabilityReportInput): Finding[] {
  const packages = report.packages ?? {};
  const vulnerabilities = report.vulnerabilities ?? {};
  const found: Finding[] = [];
  for (const [packageId, vulnerabilityIds] of Object.entries(report.package_vulnerabilities ?? {})) {
    const installed = Object.hasOwn(packages, packageId) ? packages[packageId] : undefined;
    for (const vulnerabilityId of new Set(vulnerabilityIds ?? [])) {
      if (!Object.hasOwn(vulnerabilities, vulnerabilityId)) continue;
      const v = vulnerabilities[vulnerabilityId];
      if (!v) continue;
      const pkg = installed ?? v.package ?? {};
      found.push({
        id: v.name || v.id || vulnerabilityId,
        severity: normalizeSeverity(v.normalized_severity),
        package: pkg.name ?? '',
        installedVersion: pkg.version ?? '',
        fixedVersion: v.fixed_in_version ?? '',
        links: (v.links ?? '').split(/\s+/).filter((link) => link !== ''),
        description: (v.description ?? '').trim(),
      });
    }
  }
  return found;
}

/** Orders the records of one (vulnerability, package) pair: the first is the one a merged finding shows. */
function byPreference(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    Number(b.fixedVersion !== '') - Number(a.fixedVersion !== '') ||
    compareText(a.fixedVersion, b.fixedVersion) ||
    compareText(a.installedVersion, b.installedVersion) ||
    compareText(a.description, b.description) ||
    compareText(a.links.join(' '), b.links.join(' '))
  );
}

/**
 * One finding per (vulnerability name, package name). Clair can report a pair more than once (from two
 * sources, or for a package installed twice); the merged finding takes the highest severity, a fixed version
 * if any record has one, and the links of all of them.
 */
function mergeDuplicates(raw: readonly Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  for (const finding of raw) {
    const key = `${finding.id}\u0000${finding.package}`;
    const group = groups.get(key);
    if (group) group.push(finding);
    else groups.set(key, [finding]);
  }
  const merged: Finding[] = [];
  for (const group of groups.values()) {
    group.sort(byPreference);
    const [first, ...rest] = group as [Finding, ...Finding[]];
    merged.push({
      ...first,
      severity: rest.reduce<Severity>((worst, r) => moreSevere(worst, r.severity), first.severity),
      fixedVersion: group.find((r) => r.fixedVersion !== '')?.fixedVersion ?? '',
      description: group.find((r) => r.description !== '')?.description ?? '',
      links: [...new Set(group.flatMap((r) => r.links))],
    });
  }
  return merged;
}

/** A finding as the report lists it: texts cut to the CRD's limits, empty optional fields left out. */
function listed(finding: Finding): ReportedVulnerability {
  const links = finding.links.filter((link) => Array.from(link).length <= FINDING_LIMITS.link);
  const description = cutText(finding.description, FINDING_LIMITS.description);
  return {
    id: cutText(finding.id, FINDING_LIMITS.id),
    severity: finding.severity,
    package: cutText(finding.package, FINDING_LIMITS.package),
    installedVersion: cutText(finding.installedVersion, FINDING_LIMITS.version),
    fixedVersion: cutText(finding.fixedVersion, FINDING_LIMITS.version),
    ...(links.length > 0 ? { links: links.slice(0, FINDING_LIMITS.links) } : {}),
    ...(description !== '' ? { description } : {}),
  };
}

const SEVERITY_FIELDS: Readonly<Record<Severity, keyof SeverityCounts>> = {
  Critical: 'critical',
  High: 'high',
  Medium: 'medium',
  Low: 'low',
  Negligible: 'negligible',
  Unknown: 'unknown',
};

const zeroCounts = (): SeverityCounts => ({
  critical: 0,
  high: 0,
  medium: 0,
  low: 0,
  negligible: 0,
  unknown: 0,
});

function counts(findings: readonly Finding[]): { summary: ReportSummary; fixableSummary: SeverityCounts } {
  const all = zeroCounts();
  const fixable = zeroCounts();
  for (const finding of findings) {
    const field = SEVERITY_FIELDS[finding.severity];
    all[field]++;
    if (finding.fixedVersion !== '') fixable[field]++;
  }
  const fixableTotal = Object.values(fixable).reduce((a, b) => a + b, 0);
  return { summary: { ...all, total: findings.length, fixable: fixableTotal }, fixableSummary: fixable };
}

/** Kubernetes' own timestamp format: RFC 3339 in UTC, whole seconds. */
export function kubernetesTimestamp(time: Date): string {
  return time.toISOString().replace(/\.\d+Z$/, 'Z');
}

// The longest RFC 3339 timestamp (nanoseconds and an offset), so that the size budget holds whatever
// updateTimestamp ends up in the result, a kept one included.
const LONGEST_TIMESTAMP = '2006-01-02T15:04:05.999999999+07:00';

const byteLength = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

function checkedInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
  return value;
}

/**
 * The `report` field of a VulnerabilityReport for Clair's report of one image.
 *
 * - Findings are (vulnerability name, installed package) pairs, duplicates merged (see the CRD).
 * - `summary` and `fixableSummary` count every finding, whatever the threshold; with `ignoreUnfixed` the
 *   findings without a fixed version are left out of them and of the list, and counted in `ignoredUnfixed`.
 * - `vulnerabilities` is a prefix of all findings in {@link findingOrder}: at most `maxVulnerabilities`, and
 *   no more than fit in `maxBytes` with the rest of the field. `truncated` is true when findings were left out.
 * - `updateTimestamp` is `now`, unless `previous` has the same content, whose timestamp is then kept.
 *
 * @throws RangeError for a `maxVulnerabilities` or `maxBytes` out of range.
 */
export function summarizeReport(
  report: ClairVulnerabilityReportInput,
  options: SummarizeOptions,
): ScanReport {
  const threshold = options.severityThreshold ?? DEFAULT_SEVERITY_THRESHOLD;
  const maxCount = checkedInteger(
    'maxVulnerabilities',
    options.maxVulnerabilities ?? DEFAULT_MAX_VULNERABILITIES,
    0,
    MAX_VULNERABILITIES_LIMIT,
  );
  const maxBytes = checkedInteger(
    'maxBytes',
    options.maxBytes ?? DEFAULT_MAX_BYTES,
    0,
    Number.MAX_SAFE_INTEGER,
  );

  const all = mergeDuplicates(rawFindings(report));
  const kept = options.ignoreUnfixed ? all.filter((finding) => finding.fixedVersion !== '') : all;
  const ignoredUnfixed = all.length - kept.length;
  const { summary, fixableSummary } = counts(kept);

  // Sorted at full length, where (id, package) is unique, so that the order is total.
  const ordered = [...kept].sort(findingOrder(threshold)).map(listed);
  const candidates = ordered.slice(0, maxCount);
  const vulnerabilities: ReportedVulnerability[] = [];
  let size = byteLength({
    updateTimestamp: LONGEST_TIMESTAMP,
    summary,
    fixableSummary,
    vulnerabilities: [],
    truncated: false,
    ignoredUnfixed,
  });
  for (const item of candidates) {
    const added = byteLength(item) + (vulnerabilities.length > 0 ? 1 : 0);
    if (size + added > maxBytes) break;
    vulnerabilities.push(item);
    size += added;
  }

  const content = {
    summary,
    fixableSummary,
    vulnerabilities,
    truncated: vulnerabilities.length < ordered.length,
    ignoredUnfixed,
  };
  const previous = options.previous;
  const unchanged =
    previous !== undefined && semanticEqual({ ...previous, updateTimestamp: undefined }, content);
  return {
    updateTimestamp: unchanged ? previous.updateTimestamp : kubernetesTimestamp(options.now),
    ...content,
  };
}
