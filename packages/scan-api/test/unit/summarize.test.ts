import type { VulnerabilityReport as ClairApiVulnerabilityReport } from '@nimbus-ts/clair-client';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ScanReport, VulnerabilityReport } from '../../src/api/index.js';
import { findingOrder } from '../../src/findings.js';
import { SEVERITY_THRESHOLDS } from '../../src/severity.js';
import {
  type ClairVulnerabilityInput,
  type ClairVulnerabilityReportInput,
  cutText,
  DEFAULT_MAX_BYTES,
  inclusiveOptions,
  kubernetesTimestamp,
  type SummarizeOptions,
  summarizeReport,
} from '../../src/summarize.js';
import { prunedFields, storageSchema, validate } from '../../src/testing/index.js';

// The input types must accept what the Clair client produces: a type error (and tsc fails) if they drift apart;
// the test harness's records extend the input type (tools/scan-testenv/src/vulnerabilities.ts).

const NOW = new Date('2026-03-01T12:34:56.789Z');
const LATER = new Date('2026-03-02T00:00:00.000Z');

/** One vulnerability record; `name` doubles as Clair's ID unless given. */
function vuln(
  name: string,
  severity: string,
  fields: Partial<ClairVulnerabilityInput> = {},
): ClairVulnerabilityInput {
  return {
    id: `id-${name}-${severity}`,
    name,
    normalized_severity: severity,
    fixed_in_version: '',
    description: `${name} description`,
    links: `https://nvd.example/${name}`,
    ...fields,
  };
}

/** A package row: its name and version and the vulnerability records that affect it. */
type Row = [name: string, version: string, ...vulns: ClairVulnerabilityInput[]];

/** Clair's report for packages, with IDs as Clair would number them. */
function clair(...rows: Row[]): ClairVulnerabilityReportInput {
  const packages: Record<string, { name: string; version: string }> = {};
  const vulnerabilities: Record<string, ClairVulnerabilityInput> = {};
  const packageVulnerabilities: Record<string, string[]> = {};
  rows.forEach(([name, version, ...vulns], i) => {
    const packageId = String(100 + i);
    packages[packageId] = { name, version };
    packageVulnerabilities[packageId] = vulns.map((v) => {
      const id = v.id ?? '';
      vulnerabilities[id] = v;
      return id;
    });
  });
  return {
    manifest_hash: `sha256:${'a'.repeat(64)}`,
    packages,
    vulnerabilities,
    package_vulnerabilities: packageVulnerabilities,
  };
}

const summarize = (report: ClairVulnerabilityReportInput, options: Partial<SummarizeOptions> = {}) =>
  summarizeReport(report, { now: NOW, ...options });

/** id@package of each listed finding. */
const listedKeys = (report: ScanReport) => report.vulnerabilities.map((v) => `${v.id}@${v.package}`);

/** Reverses the insertion order of every map and list: the same report, as another Clair might write it. */
function reversed(report: ClairVulnerabilityReportInput): ClairVulnerabilityReportInput {
  const rev = <T>(map: Readonly<Record<string, T>> | null | undefined) =>
    Object.fromEntries(Object.entries(map ?? {}).reverse());
  return {
    packages: rev(report.packages),
    vulnerabilities: rev(report.vulnerabilities),
    package_vulnerabilities: Object.fromEntries(
      Object.entries(report.package_vulnerabilities ?? {})
        .reverse()
        .map(([k, ids]) => [k, [...(ids ?? [])].reverse()]),
    ),
  };
}

// A mixed image: every severity, fixable and not.
const MIXED = clair(
  ['libssl3', '3.0.11', vuln('CVE-1', 'Critical', { fixed_in_version: '3.0.15' }), vuln('CVE-2', 'Low')],
  ['bash', '5.2', vuln('CVE-3', 'High'), vuln('CVE-4', 'Medium', { fixed_in_version: '5.2.1' })],
  ['zlib', '1.2.13', vuln('CVE-5', 'Negligible'), vuln('CVE-6', 'Unknown', { fixed_in_version: '1.3' })],
  ['tar', '1.34', vuln('CVE-7', 'High', { fixed_in_version: '1.35' }), vuln('CVE-8', 'Bogus')],
);

describe('summarizeReport: counts', () => {
  it.each(SEVERITY_THRESHOLDS)(
    'counts every finding by severity, whatever the threshold (%s)',
    (threshold) => {
      const report = summarize(MIXED, { severityThreshold: threshold });
      expect(report.summary).toEqual({
        critical: 1,
        high: 2,
        medium: 1,
        low: 1,
        negligible: 1,
        unknown: 2,
        total: 8,
        fixable: 4,
      });
      expect(report.fixableSummary).toEqual({
        critical: 1,
        high: 1,
        medium: 1,
        low: 0,
        negligible: 0,
        unknown: 1,
      });
      expect(report.vulnerabilities).toHaveLength(8);
      expect(report.truncated).toBe(false);
      expect(report.ignoredUnfixed).toBe(0);
    },
  );

  it('leaves unfixed findings out with ignoreUnfixed, and says how many', () => {
    const report = summarize(MIXED, { ignoreUnfixed: true });
    expect(report.summary).toEqual({
      critical: 1,
      high: 1,
      medium: 1,
      low: 0,
      negligible: 0,
      unknown: 1,
      total: 4,
      fixable: 4,
    });
    expect(report.ignoredUnfixed).toBe(4);
    expect(report.vulnerabilities.every((v) => v.fixedVersion !== '')).toBe(true);
    expect(report.truncated).toBe(false);
  });

  it('reports an image without findings, or an empty or null report', () => {
    const empty = {
      summary: { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0, total: 0, fixable: 0 },
      fixableSummary: { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 },
      vulnerabilities: [],
      truncated: false,
      ignoredUnfixed: 0,
    };
    for (const input of [
      clair(['bash', '5.2']),
      {},
      { packages: null, vulnerabilities: null, package_vulnerabilities: null },
    ]) {
      expect(summarize(input)).toEqual({ updateTimestamp: '2026-03-01T12:34:56Z', ...empty });
    }
  });
});

describe('summarizeReport: order', () => {
  it.each([
    {
      threshold: 'Low',
      order: ['CVE-1', 'CVE-7', 'CVE-3', 'CVE-4', 'CVE-2', 'CVE-6', 'CVE-8', 'CVE-5'],
    },
    // Unknown meets every threshold, so it moves ahead of the rated findings below it.
    {
      threshold: 'High',
      order: ['CVE-1', 'CVE-7', 'CVE-3', 'CVE-6', 'CVE-8', 'CVE-4', 'CVE-2', 'CVE-5'],
    },
    {
      threshold: 'Critical',
      order: ['CVE-1', 'CVE-6', 'CVE-8', 'CVE-7', 'CVE-3', 'CVE-4', 'CVE-2', 'CVE-5'],
    },
  ] as const)(
    'lists findings meeting $threshold first, then most severe, fixable, by id',
    ({ threshold, order }) => {
      expect(summarize(MIXED, { severityThreshold: threshold }).vulnerabilities.map((v) => v.id)).toEqual(
        order,
      );
    },
  );

  it('breaks ties by id, then package', () => {
    const report = summarize(
      clair(
        ['b-pkg', '1', vuln('CVE-2', 'High'), vuln('CVE-1', 'High')],
        ['a-pkg', '1', vuln('CVE-2', 'High'), vuln('CVE-10', 'High')],
      ),
    );
    expect(listedKeys(report)).toEqual(['CVE-1@b-pkg', 'CVE-10@a-pkg', 'CVE-2@a-pkg', 'CVE-2@b-pkg']);
  });

  it('is a total order that findingOrder reproduces', () => {
    const listed = summarize(MIXED).vulnerabilities;
    expect([...listed].reverse().sort(findingOrder('Low'))).toEqual(listed);
  });
});

describe('summarizeReport: findings', () => {
  it('shows the installed package and version, not the advisory package', () => {
    const report = summarize(
      clair([
        'libssl3',
        '3.0.11-1~deb12u2',
        vuln('CVE-1', 'High', { package: { name: 'openssl', version: '' } }),
      ]),
    );
    expect(report.vulnerabilities).toEqual([
      {
        id: 'CVE-1',
        severity: 'High',
        package: 'libssl3',
        installedVersion: '3.0.11-1~deb12u2',
        fixedVersion: '',
        links: ['https://nvd.example/CVE-1'],
        description: 'CVE-1 description',
      },
    ]);
  });

  it('merges the records of one (vulnerability, package) pair: highest severity, a fix if any, all links', () => {
    const report = summarize(
      clair([
        'libssl3',
        '3.0.11',
        vuln('CVE-1', 'Medium', { id: 'a', fixed_in_version: '3.0.15', links: 'https://a https://shared' }),
        vuln('CVE-1', 'High', { id: 'b', links: 'https://b https://shared', description: 'from b' }),
        vuln('CVE-1', 'Unknown', { id: 'c', links: '' }),
      ]),
    );
    expect(report.vulnerabilities).toEqual([
      {
        id: 'CVE-1',
        severity: 'High',
        package: 'libssl3',
        installedVersion: '3.0.11',
        fixedVersion: '3.0.15',
        links: ['https://b', 'https://shared', 'https://a'],
        description: 'from b',
      },
    ]);
    expect(report.summary.total).toBe(1);
    expect(report.summary.fixable).toBe(1);
  });

  it('keeps one finding per package when a vulnerability affects two, and counts a repeated ID once', () => {
    const cve = vuln('CVE-1', 'High');
    const report = summarize(clair(['libssl3', '3', cve, cve], ['openssl', '3', cve]));
    expect(listedKeys(report)).toEqual(['CVE-1@libssl3', 'CVE-1@openssl']);
    expect(report.summary.high).toBe(2);
  });

  it('fills gaps from what Clair gives', () => {
    const report = summarize({
      packages: {},
      vulnerabilities: {
        v1: {
          id: 'v1',
          name: '',
          normalized_severity: 'Low',
          package: { name: 'advisory-pkg', version: '0' },
        },
        v2: { id: 'v2' },
      },
      package_vulnerabilities: { missing: ['v1', 'v2', 'not-there'], other: null },
    });
    expect(report.vulnerabilities).toEqual([
      // No name: Clair's ID. No installed package: the advisory's.
      { id: 'v1', severity: 'Low', package: 'advisory-pkg', installedVersion: '0', fixedVersion: '' },
      { id: 'v2', severity: 'Unknown', package: '', installedVersion: '', fixedVersion: '' },
    ]);
  });

  it('cuts texts to the CRD limits by characters, and keeps at most five links that fit', () => {
    const long = `${'😀'.repeat(600)}`;
    const links = [
      'https://1',
      `https://${'x'.repeat(600)}`,
      'https://2',
      'https://3',
      'https://4',
      'https://5',
      'https://6',
    ];
    const [finding] = summarize(
      clair([
        'p'.repeat(300),
        'v'.repeat(300),
        vuln(`CVE-${'9'.repeat(200)}`, 'High', {
          description: long,
          links: links.join('\n \t'),
          fixed_in_version: 'f'.repeat(300),
        }),
      ]),
    ).vulnerabilities;
    expect(Array.from(finding?.description ?? '')).toHaveLength(512);
    expect(finding?.description?.endsWith('😀…')).toBe(true);
    expect(finding?.id).toHaveLength(128);
    expect(finding?.package).toBe(`${'p'.repeat(255)}…`);
    expect(finding?.installedVersion).toHaveLength(256);
    expect(finding?.fixedVersion).toHaveLength(256);
    expect(finding?.links).toEqual(['https://1', 'https://2', 'https://3', 'https://4', 'https://5']);
  });

  it('leaves out empty links and descriptions', () => {
    const [finding] = summarize(
      clair(['p', '1', vuln('CVE-1', 'Low', { links: '  ', description: ' ' })]),
    ).vulnerabilities;
    expect(finding).toEqual({
      id: 'CVE-1',
      severity: 'Low',
      package: 'p',
      installedVersion: '1',
      fixedVersion: '',
    });
  });
});

describe('cutText', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['eleven chars', 10, 'eleven ch…'],
    ['🙂🙂🙂', 2, '🙂…'],
    ['abc', 1, '…'],
  ])('%s to %i → %s', (text, max, expected) => {
    expect(cutText(text, max)).toBe(expected);
  });
});

describe('summarizeReport: bounds', () => {
  // 40 findings with long descriptions, 10 of each rated severity.
  const BIG = clair(
    ...Array.from({ length: 40 }, (_, i): Row => {
      const severity = (['Critical', 'High', 'Medium', 'Low'] as const)[i % 4] ?? 'Low';
      return [`pkg-${i}`, '1.0', vuln(`CVE-${1000 + i}`, severity, { description: 'd'.repeat(400) })];
    }),
  );
  const full = summarize(BIG, { maxVulnerabilities: 500 });
  const size = (report: ScanReport) => Buffer.byteLength(JSON.stringify(report), 'utf8');

  it.each([0, 1, 3, 39])('lists the first %i findings when told so, and says it cut', (max) => {
    const report = summarize(BIG, { maxVulnerabilities: max });
    expect(report.vulnerabilities).toEqual(full.vulnerabilities.slice(0, max));
    expect(report.truncated).toBe(true);
    expect(report.summary).toEqual(full.summary);
  });

  it('does not cut when everything fits', () => {
    expect(summarize(BIG, { maxVulnerabilities: 40 }).truncated).toBe(false);
  });

  it('lists 100 findings by default', () => {
    const many = clair(
      ...Array.from({ length: 150 }, (_, i): Row => [`p${i}`, '1', vuln(`CVE-${i}`, 'Low')]),
    );
    const report = summarize(many);
    expect(report.vulnerabilities).toHaveLength(100);
    expect(report.truncated).toBe(true);
    expect(report.summary.total).toBe(150);
  });

  it.each([0, 500, 1000, 2000, 5000, 10_000, 15_000])(
    'stays within maxBytes %i with as many findings as fit, in order',
    (maxBytes) => {
      const report = summarize(BIG, { maxVulnerabilities: 500, maxBytes });
      const n = report.vulnerabilities.length;
      expect(report.vulnerabilities).toEqual(full.vulnerabilities.slice(0, n));
      if (n > 0) expect(size(report)).toBeLessThanOrEqual(maxBytes);
      expect(report.truncated).toBe(n < 40);
      // One more would not have fitted. The budget is measured with room for the longest timestamp (15
      // characters more than this one) and for `truncated: false` (one more than `true`).
      if (n < 40) {
        const more = { ...report, vulnerabilities: full.vulnerabilities.slice(0, n + 1) };
        expect(size(more) + 16).toBeGreaterThan(maxBytes);
      }
    },
  );

  it.each([
    { maxVulnerabilities: 501 },
    { maxVulnerabilities: -1 },
    { maxVulnerabilities: 1.5 },
    { maxBytes: -1 },
    { maxBytes: Number.NaN },
  ])('rejects %j', (options) => {
    expect(() => summarize(MIXED, options)).toThrow(RangeError);
  });

  it('writes a report the API server accepts for a huge, messy image, within the default size', () => {
    const huge = clair(
      ...Array.from(
        { length: 1500 },
        (_, i): Row => [
          `package-with-a-long-name-${i}`,
          `${i}.0.0-${'r'.repeat(50)}`,
          vuln(`CVE-2024-${i}`, ['Critical', 'High', 'Unknown', 'Bogus'][i % 4] ?? '', {
            description: `${'Ünïcödé '.repeat(200)}`,
            links: Array.from({ length: 8 }, (_, j) => `https://example.com/${i}/${j}`).join(' '),
            fixed_in_version: i % 3 === 0 ? '' : `${i}.0.1`,
          }),
        ],
      ),
    );
    const report = summarize(huge, { maxVulnerabilities: 500 });
    const object: VulnerabilityReport = {
      apiVersion: 'scanning.nimbus-ts.io/v1alpha1',
      kind: 'VulnerabilityReport',
      metadata: { name: 'huge-aaaaaaaaaaaa' },
      image: {
        registry: 'r.example',
        repository: 'huge',
        digest: `sha256:${'a'.repeat(64)}`,
        platform: { os: 'linux', architecture: 'amd64' },
      },
      scanner: { name: 'Clair' },
      report,
    };
    expect(validate(object).errors).toEqual([]);
    expect(prunedFields(storageSchema('VulnerabilityReport'), object)).toEqual([]);
    expect(size(report)).toBeLessThanOrEqual(DEFAULT_MAX_BYTES);
    expect(report.truncated).toBe(true);
    expect(report.summary.total).toBe(1500);
  });
});

describe('summarizeReport: determinism and updateTimestamp', () => {
  it('gives the same result for the same findings in another order', () => {
    const a = summarize(MIXED);
    const b = summarize(reversed(MIXED));
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('merges duplicates the same way in any order', () => {
    const dupes = clair([
      'p',
      '1',
      vuln('CVE-1', 'High', { id: 'x', links: 'https://x', description: 'x' }),
      vuln('CVE-1', 'High', { id: 'y', links: 'https://y', description: 'y', fixed_in_version: '2' }),
      vuln('CVE-1', 'High', { id: 'z', links: 'https://z', description: 'z', fixed_in_version: '1' }),
    ]);
    expect(summarize(reversed(dupes))).toEqual(summarize(dupes));
    expect(summarize(dupes).vulnerabilities[0]).toMatchObject({ fixedVersion: '1', description: 'z' });
  });

  it('writes now, in whole seconds, when there is no previous report', () => {
    expect(summarize(MIXED).updateTimestamp).toBe('2026-03-01T12:34:56Z');
    expect(kubernetesTimestamp(new Date('2026-01-02T03:04:05Z'))).toBe('2026-01-02T03:04:05Z');
  });

  it('keeps the previous timestamp when nothing else changed, also after a round trip through the API', () => {
    const previous = summarize(MIXED);
    // The API server hands the object back with its map keys sorted.
    const sortKeys = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(sortKeys)
        : typeof value === 'object' && value !== null
          ? Object.fromEntries(
              Object.entries(value)
                .sort(([a], [b]) => (a < b ? -1 : 1))
                .map(([k, v]) => [k, sortKeys(v)]),
            )
          : value;
    const stored = sortKeys(JSON.parse(JSON.stringify(previous))) as ScanReport;
    expect(summarize(reversed(MIXED), { now: LATER, previous: stored })).toEqual(previous);
  });

  it.each([
    ['a finding is added', clair(['p', '1', vuln('CVE-1', 'High'), vuln('CVE-2', 'Low')])],
    ['a fix is published', clair(['p', '1', vuln('CVE-1', 'High', { fixed_in_version: '2' })])],
    ['a severity changes', clair(['p', '1', vuln('CVE-1', 'Critical')])],
  ])('writes the new time when %s', (_what, next) => {
    const previous = summarize(clair(['p', '1', vuln('CVE-1', 'High')]));
    expect(summarize(next, { now: LATER, previous }).updateTimestamp).toBe('2026-03-02T00:00:00Z');
  });

  it('writes the new time when only the options changed what is listed', () => {
    const previous = summarize(MIXED);
    expect(summarize(MIXED, { now: LATER, previous, ignoreUnfixed: true }).updateTimestamp).toBe(
      '2026-03-02T00:00:00Z',
    );
  });
});

describe('inclusiveOptions', () => {
  it.each([
    { specs: [], expected: { severityThreshold: 'Low', ignoreUnfixed: false } },
    { specs: [{}], expected: { severityThreshold: 'Low', ignoreUnfixed: false } },
    {
      specs: [{ severityThreshold: 'High', ignoreUnfixed: true }],
      expected: { severityThreshold: 'High', ignoreUnfixed: true },
    },
    {
      specs: [
        { severityThreshold: 'Critical', ignoreUnfixed: true },
        { severityThreshold: 'Medium', ignoreUnfixed: false },
      ],
      expected: { severityThreshold: 'Medium', ignoreUnfixed: false },
    },
    {
      specs: [
        { severityThreshold: 'High', ignoreUnfixed: true },
        { severityThreshold: 'Critical', ignoreUnfixed: true },
      ],
      expected: { severityThreshold: 'High', ignoreUnfixed: true },
    },
  ] as const)('$specs → $expected', ({ specs, expected }) => {
    expect(inclusiveOptions(specs)).toEqual(expected);
  });
});

describe('the input types (checked by tsc when the tests type-check)', () => {
  it('accept what the Clair client returns', () => {
    expectTypeOf<ClairApiVulnerabilityReport>().toExtend<ClairVulnerabilityReportInput>();
  });
});
