import type { ReportedVulnerability, Severity } from '@nimbus-ts/scan-api';
import { type ClairVulnerabilityReportInput, summarizeReport } from '@nimbus-ts/scan-api';
import { describe, expect, it } from 'vitest';
import {
  findingKey,
  newFindings,
  notifiableKeys,
  type ReportOfImage,
} from '../../src/report/new-findings.js';

const DIGEST = `sha256:${'1'.repeat(64)}`;
const OTHER_DIGEST = `sha256:${'2'.repeat(64)}`;

/** A listed finding: `CVE-x` of package `p`, fixable when `fixed` is given. */
function f(id: string, severity: Severity, pkg = 'p', fixed = ''): ReportedVulnerability {
  return { id, severity, package: pkg, installedVersion: '1', fixedVersion: fixed };
}

/** A report of DIGEST (or `digest`) listing `findings` as given. */
function report(findings: ReportedVulnerability[], truncated = false, digest = DIGEST): ReportOfImage {
  return { image: { digest }, report: { vulnerabilities: findings, truncated } };
}

/** The IDs newFindings returns. */
const ids = (...args: Parameters<typeof newFindings>) => newFindings(...args).map((n) => n.id);

describe('newFindings', () => {
  const current = report([
    f('CVE-C', 'Critical'),
    f('CVE-H', 'High', 'p', '2'),
    f('CVE-M', 'Medium'),
    f('CVE-L', 'Low'),
    f('CVE-U', 'Unknown'),
    f('CVE-N', 'Negligible'),
  ]);

  it.each([
    { threshold: 'Low', expected: ['CVE-C', 'CVE-H', 'CVE-M', 'CVE-L', 'CVE-U'] },
    { threshold: 'Medium', expected: ['CVE-C', 'CVE-H', 'CVE-M', 'CVE-U'] },
    { threshold: 'High', expected: ['CVE-C', 'CVE-H', 'CVE-U'] },
    { threshold: 'Critical', expected: ['CVE-C', 'CVE-U'] },
  ] as const)(
    "an image's first report: everything at or above $threshold, Unknown included, Negligible never",
    ({ threshold, expected }) => {
      expect(ids(undefined, current, threshold)).toEqual(expected);
    },
  );

  it.each([
    {
      what: 'the same report again',
      previous: current,
      next: current,
      expected: [],
    },
    {
      what: 'a new Critical finding',
      previous: report([f('CVE-H', 'High')]),
      next: report([f('CVE-NEW', 'Critical'), f('CVE-H', 'High')]),
      expected: ['CVE-NEW'],
    },
    {
      what: 'a new finding below the threshold',
      previous: report([f('CVE-H', 'High')]),
      next: report([f('CVE-H', 'High'), f('CVE-NEW', 'Medium')]),
      expected: [],
    },
    {
      what: 'a finding whose severity rose to the threshold',
      previous: report([f('CVE-H', 'High'), f('CVE-X', 'Medium')]),
      next: report([f('CVE-H', 'High'), f('CVE-X', 'High')]),
      expected: ['CVE-X'],
    },
    {
      what: 'a notified finding whose severity rose further',
      previous: report([f('CVE-X', 'High')]),
      next: report([f('CVE-X', 'Critical')]),
      expected: [],
    },
    {
      what: 'a notified finding that got a fix',
      previous: report([f('CVE-X', 'High')]),
      next: report([f('CVE-X', 'High', 'p', '2')]),
      expected: [],
    },
    {
      what: 'an Unknown finding (every Alpine finding)',
      previous: report([f('CVE-H', 'High')]),
      next: report([f('CVE-H', 'High'), f('CVE-ALPINE', 'Unknown')]),
      expected: ['CVE-ALPINE'],
    },
    {
      what: 'a previous report of another digest',
      previous: report([f('CVE-H', 'High')], false, OTHER_DIGEST),
      next: report([f('CVE-H', 'High')]),
      expected: ['CVE-H'],
    },
    {
      what: 'a finding an untruncated previous report did not list',
      previous: report([]),
      next: report([f('CVE-H', 'High')]),
      expected: ['CVE-H'],
    },
  ] as const)('$what at High → $expected', ({ previous, next, expected }) => {
    expect(ids(previous, next, 'High')).toEqual(expected);
  });

  it('notifies a vulnerability of two packages once, with both findings and the highest severity', () => {
    const next = report([
      f('CVE-1', 'Critical', 'libssl3'),
      f('CVE-1', 'High', 'openssl'),
      f('CVE-2', 'High'),
    ]);
    expect(newFindings(undefined, next, 'High')).toEqual([
      {
        key: `${DIGEST}/CVE-1`,
        id: 'CVE-1',
        severity: 'Critical',
        findings: [f('CVE-1', 'Critical', 'libssl3'), f('CVE-1', 'High', 'openssl')],
      },
      { key: `${DIGEST}/CVE-2`, id: 'CVE-2', severity: 'High', findings: [f('CVE-2', 'High')] },
    ]);
  });

  it('prefers a rating over Unknown for the severity of a vulnerability', () => {
    const next = report([f('CVE-1', 'Unknown', 'a'), f('CVE-1', 'Low', 'b')]);
    expect(newFindings(undefined, next, 'Low')[0]?.severity).toBe('Low');
  });

  it('takes a set of notified keys instead of a report, exactly', () => {
    const notified = new Set([findingKey(DIGEST, 'CVE-C'), findingKey(OTHER_DIGEST, 'CVE-H')]);
    expect(ids(notified, current, 'High')).toEqual(['CVE-H', 'CVE-U']);
    expect(ids(new Set(), current, 'Critical')).toEqual(['CVE-C', 'CVE-U']);
  });

  describe('after a truncated report', () => {
    // The previous list stopped at CVE-B (High, unfixed): whatever sorts after it may have been left out.
    const previous = report([f('CVE-Z', 'Critical'), f('CVE-B', 'High')], true);

    it.each([
      { finding: f('CVE-NEW', 'Critical'), isNew: true, why: 'more severe than the last listed' },
      { finding: f('CVE-X', 'High', 'p', '1'), isNew: true, why: 'as severe, but fixable' },
      { finding: f('CVE-A', 'High'), isNew: true, why: 'as severe, and sorts before it by id' },
      { finding: f('CVE-C', 'High'), isNew: false, why: 'sorts after it by id' },
      { finding: f('CVE-M', 'Medium'), isNew: false, why: 'less severe' },
      { finding: f('CVE-U', 'Unknown'), isNew: false, why: 'Unknown sorts after rated findings at Low' },
    ])('$finding.id is new: $isNew ($why)', ({ finding, isNew }) => {
      const next = report([f('CVE-Z', 'Critical'), f('CVE-B', 'High'), finding]);
      expect(ids(previous, next, 'Low')).toEqual(isNew ? [finding.id] : []);
    });

    it('knows nothing new when the previous list was cut to nothing', () => {
      expect(ids(report([], true), current, 'Low')).toEqual([]);
    });
  });

  it('follows a rescan history of summarized reports: each vulnerability notified once', () => {
    const clair = (...vulns: [string, Severity][]): ClairVulnerabilityReportInput => ({
      packages: { '1': { name: 'libfoo', version: '1.0' } },
      vulnerabilities: Object.fromEntries(
        vulns.map(([name, sev]) => [name, { name, normalized_severity: sev }]),
      ),
      package_vulnerabilities: { '1': vulns.map(([name]) => name) },
    });
    const scans = [
      clair(['CVE-1', 'High'], ['CVE-2', 'Low']),
      clair(['CVE-1', 'High'], ['CVE-2', 'Low']),
      clair(['CVE-1', 'High'], ['CVE-2', 'Low'], ['CVE-3', 'Critical']),
      clair(['CVE-1', 'High'], ['CVE-2', 'High'], ['CVE-3', 'Critical']),
      clair(['CVE-3', 'Critical']),
    ];
    let previous: ReportOfImage | undefined;
    const notified: string[][] = [];
    for (const scan of scans) {
      const next = { image: { digest: DIGEST }, report: summarizeReport(scan, { now: new Date(0) }) };
      notified.push(ids(previous, next, 'High'));
      previous = next;
    }
    expect(notified).toEqual([['CVE-1'], [], ['CVE-3'], ['CVE-2'], []]);
  });
});

describe('notifiableKeys', () => {
  it('keys the listed findings at or above the threshold by digest and vulnerability', () => {
    const r = report([
      f('CVE-1', 'High', 'a'),
      f('CVE-1', 'High', 'b'),
      f('CVE-2', 'Low'),
      f('CVE-3', 'Unknown'),
    ]);
    expect([...notifiableKeys(r, 'Medium')]).toEqual([`${DIGEST}/CVE-1`, `${DIGEST}/CVE-3`]);
  });

  it('lets a caller start quietly: passing them as the previous keys announces nothing', () => {
    const r = report([f('CVE-1', 'Critical')]);
    expect(newFindings(notifiableKeys(r, 'Low'), r, 'Low')).toEqual([]);
  });
});
