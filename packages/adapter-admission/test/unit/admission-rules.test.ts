import { parseImageReference } from '@nimbus-ts/registry';
import { describe, expect, it } from 'vitest';
import {
  type BlockVulnerableImagesRule,
  judgeVulnerabilities,
  latestTagReason,
  normaliseRegistryHost,
  parseRegistryPattern,
  registryAllows,
  resolveImages,
  selectPolicies,
  type VulnerabilityVerdict,
  verdictRequest,
} from '../../src/admission/index.js';
import { policy } from './admission-fixtures.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('latestTagReason', () => {
  it.each([
    ['nginx', /has no tag, so it runs the mutable tag latest; pin a version or a digest/],
    ['ghcr.io/org/app', /has no tag/],
    ['127.0.0.1:5000/app', /has no tag/],
    ['nginx:latest', /^uses the mutable tag latest; pin a version or a digest$/],
    ['docker.io/library/nginx:latest', /^uses the mutable tag latest/],
    ['localhost:5000/team/app:latest', /^uses the mutable tag latest/],
    ['nginx:1.27', undefined],
    ['nginx:Latest', undefined], // tags are case-sensitive: this is another tag
    ['nginx:latest-alpine', undefined],
    [`nginx@${DIGEST}`, undefined],
    [`nginx:latest@${DIGEST}`, undefined], // the digest pins the content whatever the tag
    ['127.0.0.1:5000/app:v2', undefined], // the registry port is not a tag
  ])('%s → %s', (image, expected) => {
    const reason = latestTagReason(parseImageReference(image));
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(expected);
  });
});

describe('allowedRegistries matching', () => {
  it.each([
    ['docker.io', 'docker.io'],
    ['index.docker.io', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['Docker.IO', 'docker.io'],
    ['GHCR.io', 'ghcr.io'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
  ])('host %s normalises to %s', (host, expected) => {
    expect(normaliseRegistryHost(host)).toBe(expected);
  });

  it.each([
    ['ghcr.io', { entry: 'ghcr.io', host: 'ghcr.io' }],
    ['ghcr.io/MyOrg/', { entry: 'ghcr.io/MyOrg/', host: 'ghcr.io', pathPrefix: 'myorg' }],
    ['https://ghcr.io/org', { entry: 'https://ghcr.io/org', host: 'ghcr.io', pathPrefix: 'org' }],
    [
      ' index.docker.io/library ',
      { entry: ' index.docker.io/library ', host: 'docker.io', pathPrefix: 'library' },
    ],
    ['localhost:5000//team', { entry: 'localhost:5000//team', host: 'localhost:5000', pathPrefix: 'team' }],
  ])('entry %j parses as %j', (entry, expected) => {
    expect(parseRegistryPattern(entry)).toEqual(expected);
  });

  it.each([
    // image, entries, allowed
    ['nginx', ['docker.io'], true],
    ['nginx', ['index.docker.io'], true],
    ['nginx', ['registry-1.docker.io'], true],
    ['index.docker.io/library/nginx', ['docker.io'], true],
    ['nginx', ['docker.io/library'], true],
    ['bitnami/redis', ['docker.io/library'], false],
    ['bitnami/redis', ['docker.io/bitnami'], true],
    ['quay.io/org/app', ['docker.io', 'ghcr.io'], false],
    ['ghcr.io/myorg/app:1', ['ghcr.io/myorg'], true],
    ['ghcr.io/myorg/team/app:1', ['ghcr.io/myorg'], true],
    ['ghcr.io/myorg-evil/app:1', ['ghcr.io/myorg'], false], // whole path components only
    ['ghcr.io/other/app:1', ['ghcr.io/myorg'], false],
    ['ghcr.io/myorg/app:1', ['ghcr.io/myorg/app'], true], // the prefix may be the whole repository
    ['GHCR.IO/myorg/app', ['ghcr.io'], true],
    ['127.0.0.1:5000/app', ['127.0.0.1:5000'], true],
    ['127.0.0.1:5000/app', ['127.0.0.1'], false], // ports compare as written
    ['127.0.0.1/app', ['127.0.0.1:5000'], false],
    ['localhost:5000/app', ['localhost'], false],
    ['nginx', [], false],
    ['evil.io/docker.io/nginx', ['docker.io'], false],
  ])('%s with [%s] → %s', (image, entries, allowed) => {
    expect(registryAllows(entries.map(parseRegistryPattern), parseImageReference(image))).toBe(allowed);
  });
});

describe('judgeVulnerabilities', () => {
  const rule = (over: Partial<BlockVulnerableImagesRule> = {}): BlockVulnerableImagesRule => ({
    action: 'Block',
    severityThreshold: 'High',
    unscannedImages: 'Deny',
    scanTimeoutSeconds: 5,
    ...over,
  });
  const scanned = (
    counts: Extract<VulnerabilityVerdict, { status: 'scanned' }>['counts'],
    worst: Extract<VulnerabilityVerdict, { status: 'scanned' }>['worst'] = [],
  ): VulnerabilityVerdict => ({ status: 'scanned', counts, worst });

  it.each([
    [
      'two Criticals at High',
      scanned({ Critical: 2, Medium: 4 }, [
        { id: 'CVE-1', severity: 'Critical' },
        { id: 'CVE-2', severity: 'Critical' },
        { id: 'CVE-3', severity: 'Medium' },
      ]),
      rule(),
      {
        outcome: 'violation',
        reason: 'has 2 Critical vulnerabilities (CVE-1, CVE-2) at or above the threshold High',
      },
    ],
    [
      'one vulnerability in two packages: its ID named once',
      scanned({ Critical: 2 }, [
        { id: 'CVE-9', severity: 'Critical' },
        { id: 'CVE-9', severity: 'Critical' },
      ]),
      rule(),
      {
        outcome: 'violation',
        reason: 'has 2 Critical vulnerabilities (CVE-9) at or above the threshold High',
      },
    ],
    [
      'one High: singular, and only the findings that count are named',
      scanned({ High: 1, Low: 3 }, [
        { id: 'CVE-L', severity: 'Low' },
        { id: 'CVE-H', severity: 'High' },
      ]),
      rule(),
      { outcome: 'violation', reason: 'has 1 High vulnerability (CVE-H) at or above the threshold High' },
    ],
    [
      'several severities, more findings than named',
      scanned({ Critical: 1, High: 4 }, [
        { id: 'CVE-C', severity: 'Critical' },
        { id: 'CVE-H1', severity: 'High' },
        { id: 'CVE-H2', severity: 'High' },
        { id: 'CVE-H3', severity: 'High' },
      ]),
      rule(),
      {
        outcome: 'violation',
        reason:
          'has 1 Critical and 4 High vulnerabilities (CVE-C, CVE-H1, CVE-H2, …) at or above the threshold High',
      },
    ],
    [
      'counts without named findings',
      scanned({ Critical: 3 }),
      rule({ severityThreshold: 'Critical' }),
      { outcome: 'violation', reason: 'has 3 Critical vulnerabilities at or above the threshold Critical' },
    ],
    ['nothing at or above High', scanned({ Medium: 9, Low: 2, Negligible: 40 }), rule(), { outcome: 'pass' }],
    ['a clean image', scanned({}), rule(), { outcome: 'pass' }],
    ['zero counts', scanned({ Critical: 0 }), rule(), { outcome: 'pass' }],
    [
      'Negligible counts at threshold Negligible',
      scanned({ Negligible: 2 }),
      rule({ severityThreshold: 'Negligible' }),
      {
        outcome: 'violation',
        reason: 'has 2 Negligible vulnerabilities at or above the threshold Negligible',
      },
    ],
    [
      'Unknown counts at every threshold, and the message says why',
      scanned({ Unknown: 2 }, [{ id: 'ALPINE-1', severity: 'Unknown' }]),
      rule({ severityThreshold: 'Critical' }),
      {
        outcome: 'violation',
        reason:
          'has 2 Unknown vulnerabilities (ALPINE-1, …) at or above the threshold Critical; unrated (Unknown) findings count at every threshold',
      },
    ],
    [
      'threshold Unknown counts everything without the note',
      scanned({ Low: 1, Unknown: 1 }),
      rule({ severityThreshold: 'Unknown' }),
      {
        outcome: 'violation',
        reason: 'has 1 Low and 1 Unknown vulnerabilities at or above the threshold Unknown',
      },
    ],
    [
      'unscanned, Deny',
      { status: 'unscanned', reason: 'no scan result within 3 s' },
      rule(),
      {
        outcome: 'violation',
        reason:
          'has not been scanned for vulnerabilities yet (no scan result within 3 s); unscannedImages is Deny, so retry once the scan has finished',
      },
    ],
    [
      'no verdict at all, Deny',
      undefined,
      rule(),
      {
        outcome: 'violation',
        reason: expect.stringMatching(/\(no scan result arrived\); unscannedImages is Deny/),
      },
    ],
    [
      'unscanned, Allow',
      { status: 'unscanned', reason: 'registry unreachable' },
      rule({ unscannedImages: 'Allow' }),
      {
        outcome: 'unscanned-allowed',
        reason: 'was admitted without a vulnerability scan (registry unreachable)',
      },
    ],
  ] as const)('%s', (_name, verdict, theRule, expected) => {
    expect(judgeVulnerabilities(verdict as VulnerabilityVerdict | undefined, theRule)).toEqual(expected);
  });
});

describe('selectPolicies', () => {
  const all = policy('all', { selector: {} });
  const noSelector = policy('no-selector', { selector: undefined as never });
  const web = policy('web', { selector: { matchLabels: { app: 'web' } } });
  const webFront = policy('web-front', { selector: { matchLabels: { app: 'web', tier: 'front' } } });
  const proto = policy('proto', { selector: { matchLabels: { constructor: 'x' } } });
  const policies = [all, noSelector, web, webFront, proto];

  it.each([
    ['no labels', {}, ['all', 'no-selector']],
    ['app=web', { app: 'web' }, ['all', 'no-selector', 'web']],
    [
      'app=web, tier=front',
      { app: 'web', tier: 'front', extra: 'y' },
      ['all', 'no-selector', 'web', 'web-front'],
    ],
    ['app=api', { app: 'api' }, ['all', 'no-selector']],
    ['a label value that is not a string', { app: ['web'] }, ['all', 'no-selector']],
    ['inherited keys never match', JSON.parse('{"__proto__": {"constructor": "x"}}'), ['all', 'no-selector']],
    [
      'unknown labels (ImageReview): every policy',
      undefined,
      ['all', 'no-selector', 'web', 'web-front', 'proto'],
    ],
  ])('%s', (_name, labels, expected) => {
    expect(selectPolicies(policies, labels).map((p) => p.metadata.name)).toEqual(expected);
  });
});

describe('verdictRequest', () => {
  const vulnerable = (name: string, scanTimeoutSeconds: number) =>
    policy(name, {
      blockVulnerableImages: {
        action: 'Block',
        severityThreshold: 'High',
        unscannedImages: 'Deny',
        scanTimeoutSeconds,
      },
    });
  const images = resolveImages([
    { image: 'nginx' },
    { image: 'docker.io/library/nginx:latest' },
    { image: 'Not Valid' },
    { image: 'ghcr.io/org/app:2' },
  ]);

  it.each([
    [
      'no vulnerability rule',
      [policy('latest', { disallowLatestTag: { action: 'Block' } })],
      8000,
      undefined,
    ],
    [
      'one policy: its budget, each canonical image once, invalid ones left out',
      [vulnerable('a', 3)],
      8000,
      { images: ['docker.io/library/nginx:latest', 'ghcr.io/org/app:2'], budgetMs: 3000 },
    ],
    [
      'the smallest budget wins',
      [vulnerable('a', 5), vulnerable('b', 2)],
      8000,
      expect.objectContaining({ budgetMs: 2000 }),
    ],
    [
      'capped by the webhook timeout',
      [vulnerable('a', 30)],
      8000,
      expect.objectContaining({ budgetMs: 8000 }),
    ],
    ['0 means cached verdicts only', [vulnerable('a', 0)], 8000, expect.objectContaining({ budgetMs: 0 })],
    ['negative is 0', [vulnerable('a', -4)], 8000, expect.objectContaining({ budgetMs: 0 })],
    ['NaN is 0', [vulnerable('a', Number.NaN)], 8000, expect.objectContaining({ budgetMs: 0 })],
  ])('%s', (_name, policies, max, expected) => {
    expect(verdictRequest(images, policies, max)).toEqual(expected);
  });
});
