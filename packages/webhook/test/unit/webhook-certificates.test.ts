import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { normalizeHost, splitPemCertificates } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import { certificatePlan } from '../../src/certificate-plan.js';
import { issuePlannedCertificates } from '../../src/issue-planned-certificates.js';
import { CERTIFICATE_SECRET_KEYS, readStoredCertificates } from '../../src/stored-certificates.js';

const DAY = 24 * 3600 * 1000;
const HOSTS = ['localhost', '127.0.0.1', '::1'];
const LIFETIMES = { caLifetimeMs: 300 * DAY, servingLifetimeMs: 90 * DAY, caCommonName: 'unit webhook CA' };

const text = (data: Record<string, string>, key: string) => Buffer.from(data[key] ?? '', 'base64').toString();
const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Plans and issues at `now`, as SelfManagedCertificates does, and returns the new Secret data. */
async function renew(data: Record<string, string> | undefined, now: number) {
  const stored = readStoredCertificates(data);
  const plan = certificatePlan(stored, { now, hosts: HOSTS });
  return { plan, data: await issuePlannedCertificates(stored, plan, { now, hosts: HOSTS, ...LIFETIMES }) };
}

describe('issuing and reading certificate Secrets', () => {
  it('issues a CA and a serving certificate that verify, cover the hosts and need nothing more', async () => {
    const now = Date.now();
    const { data } = await renew(undefined, now);
    const caCert = new X509Certificate(text(data, CERTIFICATE_SECRET_KEYS.caBundle));
    const cert = new X509Certificate(text(data, CERTIFICATE_SECRET_KEYS.cert));
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe('CN=unit webhook CA');
    expect(cert.checkIssued(caCert) && cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');

    const stored = readStoredCertificates(data);
    expect(stored.problems).toEqual([]);
    expect(stored.serving?.signer).toBe(stored.ca?.facts.fingerprint);
    expect(stored.bundle).toEqual([stored.ca?.facts.fingerprint]);
    expect(stored.serving?.facts.notAfter).toBe(Math.floor((now + 90 * DAY) / 1000) * 1000);
    expect(certificatePlan(stored, { now, hosts: HOSTS }).changed).toBe(false);
  });

  it('never lets a serving certificate outlive its CA', async () => {
    const now = Date.now();
    const stored = readStoredCertificates(undefined);
    const plan = certificatePlan(stored, { now, hosts: HOSTS });
    const data = await issuePlannedCertificates(stored, plan, {
      now,
      hosts: HOSTS,
      ...LIFETIMES,
      servingLifetimeMs: 1000 * DAY,
    });
    const read = readStoredCertificates(data);
    expect(read.serving?.facts.notAfter).toBe(read.ca?.facts.notAfter);
  });

  it('rolls the CA over: new CA first, old CA still trusted, serving certificate unchanged until the grace ends', async () => {
    const start = Date.now();
    const first = await renew(undefined, start);
    // Day 180: the first serving certificate is renewed, from the first CA.
    const before = await renew(first.data, start + 180 * DAY);
    expect(before.plan).toMatchObject({ ca: 'keep', serving: 'issue' });
    // Day 201: the CA (300 days) has passed two thirds of its lifetime.
    const rotationDay = start + 201 * DAY;
    const rotated = await renew(before.data, rotationDay);
    expect(rotated.plan).toMatchObject({ ca: 'rotate', serving: 'keep' });

    const bundle = splitPemCertificates(text(rotated.data, CERTIFICATE_SECRET_KEYS.caBundle));
    const oldCa = text(first.data, CERTIFICATE_SECRET_KEYS.caBundle);
    expect(bundle).toHaveLength(2);
    expect(bundle[1]).toBe(oldCa);
    expect(bundle[0]).not.toBe(oldCa);
    expect(rotated.data[CERTIFICATE_SECRET_KEYS.cert]).toBe(before.data[CERTIFICATE_SECRET_KEYS.cert]);
    expect(rotated.data[CERTIFICATE_SECRET_KEYS.caKey]).not.toBe(first.data[CERTIFICATE_SECRET_KEYS.caKey]);
    expect(
      certificatePlan(readStoredCertificates(rotated.data), { now: rotationDay, hosts: HOSTS }).changed,
    ).toBe(false);

    // Day 241: the serving certificate of day 180 is due and is renewed from the new CA.
    const renewed = await renew(rotated.data, start + 241 * DAY);
    expect(renewed.plan).toMatchObject({ ca: 'keep', serving: 'issue' });
    const cert = new X509Certificate(text(renewed.data, CERTIFICATE_SECRET_KEYS.cert));
    expect(cert.checkIssued(new X509Certificate(bundle[0] ?? ''))).toBe(true);
    expect(splitPemCertificates(text(renewed.data, CERTIFICATE_SECRET_KEYS.caBundle))).toEqual(bundle);
  });

  it('ignores, and reports, parts that do not fit together', async () => {
    const { data } = await renew(undefined, Date.now());
    const otherCurve = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const cases: [Record<string, string>, RegExp][] = [
      [
        { ...data, [CERTIFICATE_SECRET_KEYS.key]: data[CERTIFICATE_SECRET_KEYS.caKey] ?? '' },
        /tls.key does not belong/,
      ],
      [
        {
          ...data,
          [CERTIFICATE_SECRET_KEYS.cert]: b64(
            '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
          ),
        },
        /tls.crt is not a valid certificate/,
      ],
      [{ ...data, [CERTIFICATE_SECRET_KEYS.caKey]: b64(String(otherCurve)) }, /ca.key is not an ECDSA P-256/],
      [
        { ...data, [CERTIFICATE_SECRET_KEYS.caKey]: data[CERTIFICATE_SECRET_KEYS.key] ?? '' },
        /no CA certificate in ca.crt matches/,
      ],
    ];
    for (const [broken, problem] of cases) {
      const stored = readStoredCertificates(broken);
      expect(stored.problems.join('; ')).toMatch(problem);
      expect(certificatePlan(stored, { now: Date.now(), hosts: HOSTS }).changed).toBe(true);
    }
  });

  it.each([
    ['Example.COM.', 'example.com'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['[::1]', '::1'],
    ['FE80:0:0:0:0:0:0:1', 'fe80::1'],
    ['10.0.0.1', '10.0.0.1'],
  ])('normalises host %s to %s', (host, expected) => expect(normalizeHost(host)).toBe(expected));
});
