import { createHmac } from 'node:crypto';
import { decodePskKey } from '@nimbus-ts/clair-client';
import { generatePskKey, mintClairToken } from '@nimbus-ts/scan-testenv';
import { describe, expect, it } from 'vitest';
import { bearerToken, type ClairJwtRejection, verifyClairJwt } from '../../src/index.js';

const PSK = generatePskKey();
const KEY = decodePskKey(PSK);
const NOW = 1_800_000_000;

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token with any header and claims, signed HS256 with `key` (or with the signature given). */
function token(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  key: Uint8Array = KEY,
  signature?: string,
): string {
  const signingInput = `${b64(header)}.${b64(claims)}`;
  const sig = signature ?? createHmac('sha256', key).update(signingInput).digest('base64url');
  return `${signingInput}.${sig}`;
}

const HS256 = { alg: 'HS256' };
const valid = { iss: 'clair-notifier', iat: NOW, nbf: NOW - 60, exp: NOW + 60 };

describe('verifyClairJwt', () => {
  const cases: {
    name: string;
    token: string;
    now?: number;
    issuers?: string[];
    reason?: ClairJwtRejection;
  }[] = [
    { name: 'a token as Clair signs it', token: token(HS256, valid) },
    {
      name: 'a token minted by the harness helper',
      token: mintClairToken(PSK, 'clair-notifier', { now: NOW }),
    },
    { name: 'typ JWT in the header', token: token({ alg: 'HS256', typ: 'JWT' }, valid) },
    { name: 'no nbf', token: token(HS256, { iss: 'clair-notifier', exp: NOW + 60 }) },
    { name: 'exp passed by less than the leeway', token: token(HS256, valid), now: NOW + 60 + 15 },
    { name: 'nbf ahead by less than the leeway', token: token(HS256, { ...valid, nbf: NOW + 15 }) },
    {
      name: 'another allowed issuer',
      token: token(HS256, { ...valid, iss: 'mine' }),
      issuers: ['x', 'mine'],
    },
    {
      name: 'a signature made with another key',
      token: token(HS256, valid, decodePskKey(generatePskKey())),
      reason: 'signature',
    },
    {
      name: 'claims changed after signing',
      token: (() => {
        const [h, , s] = token(HS256, valid).split('.');
        return `${h}.${b64({ ...valid, iss: 'clair-notifier', exp: NOW + 99_999 })}.${s}`;
      })(),
      reason: 'signature',
    },
    { name: 'a truncated signature', token: token(HS256, valid, KEY, 'abc'), reason: 'signature' },
    { name: 'an issuer not allowed', token: token(HS256, { ...valid, iss: 'clairctl' }), reason: 'issuer' },
    { name: 'no issuer', token: token(HS256, { exp: NOW + 60 }), reason: 'issuer' },
    {
      name: 'an issuer that is not a string',
      token: token(HS256, { ...valid, iss: ['clair-notifier'] }),
      reason: 'issuer',
    },
    { name: 'expired beyond the leeway', token: token(HS256, valid), now: NOW + 60 + 16, reason: 'expired' },
    {
      name: 'nbf beyond the leeway in the future',
      token: token(HS256, { ...valid, nbf: NOW + 16 }),
      reason: 'not-yet-valid',
    },
    { name: 'no exp', token: token(HS256, { iss: 'clair-notifier', nbf: NOW - 60 }), reason: 'no-expiry' },
    {
      name: 'exp as a string',
      token: token(HS256, { ...valid, exp: String(NOW + 60) }),
      reason: 'malformed',
    },
    { name: 'alg none, unsigned', token: `${b64({ alg: 'none' })}.${b64(valid)}.`, reason: 'malformed' },
    {
      name: 'alg none, with a valid HS256 signature',
      token: token({ alg: 'none' }, valid),
      reason: 'algorithm',
    },
    { name: 'alg HS512', token: token({ alg: 'HS512' }, valid), reason: 'algorithm' },
    { name: 'alg RS256', token: token({ alg: 'RS256' }, valid), reason: 'algorithm' },
    { name: 'alg in lower case', token: token({ alg: 'hs256' }, valid), reason: 'algorithm' },
    { name: 'a critical header', token: token({ alg: 'HS256', crit: ['b64'] }, valid), reason: 'malformed' },
    { name: 'two parts', token: `${b64(HS256)}.${b64(valid)}`, reason: 'malformed' },
    { name: 'four parts', token: `${token(HS256, valid)}.x`, reason: 'malformed' },
    { name: 'not base64url', token: `${b64(HS256)}.${b64(valid)}.a+b/c=`, reason: 'malformed' },
    { name: 'a header that is not JSON', token: `bm90IGpzb24.${b64(valid)}.abc`, reason: 'malformed' },
    {
      name: 'a payload that is an array',
      token: token(HS256, [] as unknown as Record<string, unknown>),
      reason: 'malformed',
    },
    { name: 'the empty string', token: '', reason: 'malformed' },
  ];

  it.each(cases)('$name', ({ token: jwt, now, issuers, reason }) => {
    const result = verifyClairJwt(jwt, { key: KEY, now: now ?? NOW, ...(issuers ? { issuers } : {}) });
    if (reason === undefined) expect(result).toMatchObject({ ok: true });
    else expect(result).toEqual({ ok: false, reason });
  });

  it('accepts what the notifier signs right now, with the default clock', () => {
    expect(verifyClairJwt(mintClairToken(PSK, 'clair-notifier'), { key: KEY }).ok).toBe(true);
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['Bearer  abc ', 'abc'],
    ['Basic dXNlcjpwYXNz', undefined],
    ['Bearer', undefined],
    ['Bearer a b', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j', (header, expected) => {
    expect(bearerToken(header)).toBe(expected);
  });
});
