import { managerName } from '@nimbus-ts/api';
import { describe, expect, it } from 'vitest';
import {
  DIGEST_LABEL,
  digestSelector,
  IMAGE_LABEL,
  imageName,
  MANAGED_BY_LABEL,
  REPORT_MANAGER,
  reportLabels,
  reportName,
  shortDigest,
} from '../../src/report/report-name.js';

const HEX = '3f2a9c0d1e4b5a6978877665544332211000ffeeddccbbaa9988776655443322';
const DIGEST = `sha256:${HEX}`;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

describe('reportName', () => {
  it.each([
    ['library/nginx', 'nginx-3f2a9c0d1e4b'],
    ['nginx', 'nginx-3f2a9c0d1e4b'],
    ['shop/web-frontend', 'web-frontend-3f2a9c0d1e4b'],
    ['team/sub/group/api_server', 'api-server-3f2a9c0d1e4b'],
    ['org/my.app', 'my-app-3f2a9c0d1e4b'],
    ['org/a__b--c', 'a-b-c-3f2a9c0d1e4b'],
    // Registry-invalid input is still made valid: upper case, leading and trailing separators.
    ['org/-Web-', 'web-3f2a9c0d1e4b'],
    ['org/___', 'image-3f2a9c0d1e4b'],
    ['', 'image-3f2a9c0d1e4b'],
    // Cut to 50 characters, with no dash left at the cut.
    [`org/${'a'.repeat(80)}`, `${'a'.repeat(50)}-3f2a9c0d1e4b`],
    [`org/${'a'.repeat(49)}-b`, `${'a'.repeat(49)}-3f2a9c0d1e4b`],
  ])('%s → %s', (repository, expected) => {
    expect(reportName(repository, DIGEST)).toBe(expected);
  });

  it('is a DNS-1123 label of at most 63 characters, usable as a label value too', () => {
    for (const repository of ['x', `a/${'b-'.repeat(100)}`, 'UPPER/Case.Name', 'a/1.2.3', 'a/_x_']) {
      const name = reportName(repository, DIGEST);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(DNS_LABEL);
      expect(name).toMatch(LABEL_VALUE);
    }
  });

  it('depends only on the last repository segment and the digest', () => {
    expect(reportName('a/web', DIGEST)).toBe(reportName('b/c/web', DIGEST));
    expect(reportName('a/web', DIGEST)).not.toBe(reportName('a/web', `sha256:${'0'.repeat(64)}`));
    expect(reportName('a/web', DIGEST)).not.toBe(reportName('a/api', DIGEST));
  });

  it.each(['sha256:abc', `sha512:${'a'.repeat(128)}`, `sha256:${HEX.toUpperCase()}`, HEX, ` ${DIGEST}`])(
    'rejects the digest %s',
    (digest) => {
      expect(() => reportName('web', digest)).toThrow(/not a sha256 digest/);
    },
  );
});

describe('imageName and shortDigest', () => {
  it('are the two parts of the name', () => {
    expect(imageName('library/redis')).toBe('redis');
    expect(shortDigest(DIGEST)).toBe('3f2a9c0d1e4b');
  });
});

describe('reportLabels', () => {
  it('labels the short digest, the image name and the manager', () => {
    expect(reportLabels({ repository: 'shop/web-frontend', digest: DIGEST })).toEqual({
      [DIGEST_LABEL]: '3f2a9c0d1e4b',
      [IMAGE_LABEL]: 'web-frontend',
      [MANAGED_BY_LABEL]: 'nimbus-clair',
    });
  });

  it('uses the SDK spelling of the manager', () => {
    expect(REPORT_MANAGER).toBe(managerName('clair'));
  });

  it('keeps every value a valid label value', () => {
    for (const repository of ['a', `x/${'Y.'.repeat(60)}`, 'x/__']) {
      for (const value of Object.values(reportLabels({ repository, digest: DIGEST }))) {
        expect(value.length).toBeLessThanOrEqual(63);
        expect(value).toMatch(LABEL_VALUE);
      }
    }
  });

  it('selects by the short digest', () => {
    expect(digestSelector(DIGEST)).toBe('scanning.nimbus-ts.io/digest=3f2a9c0d1e4b');
  });
});
