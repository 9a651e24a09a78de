import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OP1, OP1_FILE, OP2, OP2_FILE } from '../../src/bookworm.js';
import {
  BOOKWORM,
  CLAIR_SEVERITIES,
  DEBIAN_UPDATER,
  debianDistribution,
  debianNormalizedSeverity,
  debianUpdateOperation,
  parseNdjson,
  toNdjson,
  uuidFrom,
} from '../../src/index.js';

describe('Debian update operations in jsonblob format', () => {
  it('maps tracker urgencies one level up, as claircore does', () => {
    expect(debianNormalizedSeverity('unimportant')).toBe('Low');
    expect(debianNormalizedSeverity('low')).toBe('Medium');
    expect(debianNormalizedSeverity('medium')).toBe('High');
    expect(debianNormalizedSeverity('HIGH')).toBe('Critical');
    expect(debianNormalizedSeverity('not yet assigned')).toBe('Unknown');
    expect(CLAIR_SEVERITIES).toContain(debianNormalizedSeverity('end-of-life'));
  });

  it("derives the distribution claircore's Debian scanner reports for an os-release", () => {
    expect(debianDistribution(BOOKWORM)).toEqual({
      did: 'debian',
      name: 'Debian GNU/Linux',
      version: '12 (bookworm)',
      version_code_name: 'bookworm',
      version_id: '12',
      pretty_name: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('writes one record per advisory, all in one operation, keyed by source package', () => {
    const records = debianUpdateOperation({
      advisories: [
        { name: 'CVE-2099-1', sourcePackage: 'openssl', fixedVersion: '3.0.15-1', urgency: 'high' },
        {
          name: 'CVE-2099-2',
          sourcePackage: 'bash',
          fixedVersion: '',
          urgency: 'low',
          issued: '2025-05-05T00:00:00Z',
        },
      ],
      date: '2026-03-01T00:00:00Z',
    });
    expect(records).toHaveLength(2);
    const [first, second] = records;
    expect(new Set(records.map((r) => r.Ref)).size).toBe(1);
    expect(new Set(records.map((r) => r.Fingerprint)).size).toBe(1);
    expect(first).toMatchObject({
      Updater: DEBIAN_UPDATER,
      Kind: 'vulnerability',
      Date: '2026-03-01T00:00:00Z',
      Vuln: {
        updater: DEBIAN_UPDATER,
        name: 'CVE-2099-1',
        severity: 'high',
        normalized_severity: 'Critical',
        package: { name: 'openssl', kind: 'source' },
        distribution: { did: 'debian', version: '12 (bookworm)' },
        fixed_in_version: '3.0.15-1',
        links: 'https://security-tracker.debian.org/tracker/CVE-2099-1',
        issued: '2026-03-01T00:00:00Z',
      },
    });
    expect(second?.Vuln).toMatchObject({
      fixed_in_version: '',
      normalized_severity: 'Medium',
      issued: '2025-05-05T00:00:00Z',
    });
    expect(first?.Ref).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives different content a different fingerprint and ref, and the same content the same', () => {
    const a = debianUpdateOperation(OP1);
    const b = debianUpdateOperation(OP2);
    expect(a[0]?.Fingerprint).not.toBe(b[0]?.Fingerprint);
    expect(a[0]?.Ref).not.toBe(b[0]?.Ref);
    expect(debianUpdateOperation(OP1)).toEqual(a);
    expect(uuidFrom('x')).toBe(uuidFrom('x'));
    expect(debianUpdateOperation({ ...OP1, fingerprint: 'fp', ref: 'r' })[0]).toMatchObject({
      Fingerprint: 'fp',
      Ref: 'r',
    });
  });

  it('can put an advisory on another release', () => {
    const [record] = debianUpdateOperation({
      advisories: [
        {
          name: 'CVE-2099-3',
          sourcePackage: 'zlib',
          fixedVersion: '1',
          urgency: 'low',
          release: { versionId: '11', codename: 'bullseye' },
        },
      ],
    });
    expect(record?.Vuln.distribution.version).toBe('11 (bullseye)');
  });

  it('round-trips NDJSON', () => {
    const records = debianUpdateOperation(OP2);
    const text = toNdjson(records);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().split('\n')).toHaveLength(records.length);
    expect(parseNdjson(`${text}\n\n`)).toEqual(records);
  });

  it('matches the committed fixture files (UPDATE_FIXTURES=1 rewrites them)', () => {
    for (const [op, file] of [
      [OP1, OP1_FILE],
      [OP2, OP2_FILE],
    ] as const) {
      const expected = toNdjson(debianUpdateOperation(op));
      if (process.env.UPDATE_FIXTURES === '1') writeFileSync(file, expected);
      expect(readFileSync(file, 'utf8')).toBe(expected);
    }
  });
});
