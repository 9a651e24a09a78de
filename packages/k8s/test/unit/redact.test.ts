import { describe, expect, it } from 'vitest';
import { redactSecrets, redactValue } from '../../src/redact.js';

describe('redactSecrets', () => {
  it.each([
    ['URL userinfo', 'http://user:pw@clair:6060/x', 'http://[redacted]@clair:6060/x'],
    ['a user without a password', 'https://token@host/', 'https://[redacted]@host/'],
    ['several URLs', 'a http://a:b@h1 b https://c:d@h2', 'a http://[redacted]@h1 b https://[redacted]@h2'],
    [
      'a quoted URL',
      'CLAIR_URL "http://u:p@clair:6060" is wrong',
      'CLAIR_URL "http://[redacted]@clair:6060" is wrong',
    ],
    ['a Bearer token', 'authorization: Bearer abcdefgh.ijk', 'authorization: Bearer [redacted]'],
    ['Basic credentials', 'Basic dXNlcjpwYXNzd29yZA==', 'Basic [redacted]'],
    ['a JWT', 'token eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.sig', 'token [redacted]'],
  ])('scrubs %s', (_what, text, scrubbed) => {
    expect(redactSecrets(text)).toBe(scrubbed);
  });

  it.each([
    'http://clair:6060/indexer/api/v1/index_report',
    'registry.example/shop/web@sha256:0123',
    'user@example.com wrote it',
    'Secret team-a/pull-secret',
    'the Basic realm',
  ])('keeps %s', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('redactValue', () => {
  it('writes what JSON would for values with toJSON: a Date as its ISO string, a URL without its userinfo', () => {
    const at = new Date('2026-12-07T06:00:00Z');
    expect(redactValue({ at, url: new URL('https://u:p@registry.example/v2/') })).toEqual({
      at: '2026-12-07T06:00:00.000Z',
      url: 'https://[redacted]@registry.example/v2/',
    });
  });

  it('scrubs every string however nested, and keeps other values', () => {
    expect(redactValue({ a: ['http://u:p@h', 3, null, { b: 'Bearer 0123456789' }], c: true })).toEqual({
      a: ['http://[redacted]@h', 3, null, { b: 'Bearer [redacted]' }],
      c: true,
    });
  });
});
