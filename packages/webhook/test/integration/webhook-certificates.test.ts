import { X509Certificate } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { V1Secret } from '@kubernetes/client-node';
import { createLogger, ObjectClient, SECRETS, splitPemCertificates } from '@nimbus-ts/k8s';
import type { TestNamespace } from '@nimbus-ts/k8s/testing';
import { pollUntil } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CERTIFICATE_SECRET_LABEL,
  SelfManagedCertificates,
  type SelfManagedCertificatesOptions,
} from '../../src/self-managed-certificates.js';
import type { TlsMaterial } from '../../src/tls-material.js';

const DAY = 24 * 3600 * 1000;
const HOSTS = ['127.0.0.1', 'localhost'];

/** One replica's certificates, with everything its onChange saw. */
interface Replica {
  readonly certs: SelfManagedCertificates;
  readonly seen: TlsMaterial[];
}

describe('SelfManagedCertificates against the real API server', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'webhook-certificates-test');
  const logger = createLogger('test', { level: 'error' });
  const replicas: Replica[] = [];
  let ns: TestNamespace;

  function replica(name: string, extra: Partial<SelfManagedCertificatesOptions> = {}): Replica {
    const seen: TlsMaterial[] = [];
    const certs = new SelfManagedCertificates(new ObjectClient(env.kubeConfig, 'webhook-test'), {
      namespace: ns.name,
      name,
      hosts: HOSTS,
      logger,
      onChange: (m) => void seen.push(m),
      ...extra,
    });
    const r = { certs, seen };
    replicas.push(r);
    return r;
  }

  const secretOf = (name: string) => admin.get<V1Secret>(SECRETS, { namespace: ns.name, name });
  const pem = (secret: V1Secret | undefined, key: string) =>
    Buffer.from(secret?.data?.[key] ?? '', 'base64').toString();

  beforeAll(async () => {
    ns = await env.namespace('webhook-certs');
  });
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((r) => r.certs.stop()));
  });
  afterAll(() => ns?.delete());

  it('two replicas racing to create the Secret end up serving the same certificate', async () => {
    const a = replica('race');
    const b = replica('race');
    await Promise.all([a.certs.start(), b.certs.start()]);
    expect(a.certs.ready && b.certs.ready).toBe(true);

    const secret = await secretOf('race');
    expect(secret?.type).toBe('kubernetes.io/tls');
    expect(secret?.metadata?.labels?.[CERTIFICATE_SECRET_LABEL]).toBe('race');
    expect(Object.keys(secret?.data ?? {}).sort()).toEqual(['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    const stored: TlsMaterial = {
      cert: pem(secret, 'tls.crt'),
      key: pem(secret, 'tls.key'),
      caBundle: pem(secret, 'ca.crt'),
    };
    // The loser of the race never serves what it issued: it re-reads and takes the winner's.
    expect(a.seen).toEqual([stored]);
    expect(b.seen).toEqual([stored]);
    expect(a.certs.current()).toEqual(stored);
    expect(splitPemCertificates(stored.caBundle ?? '')).toHaveLength(1);
    const cert = new X509Certificate(stored.cert);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
  });

  it('rotates the CA when the clock says so, keeping the old CA trusted, and every replica follows', async () => {
    let offset = 0;
    const lifetimes = { caLifetimeMs: 30 * DAY, servingLifetimeMs: 30 * DAY };
    const a = replica('rotation', { ...lifetimes, now: () => Date.now() + offset, resyncIntervalMs: 200 });
    const b = replica('rotation', lifetimes);
    await a.certs.start();
    await b.certs.start();
    const original = a.certs.current();
    const originalCa = original?.caBundle ?? '';
    expect(b.certs.current()).toEqual(original);

    // Day 21: past two thirds of the CA's 30 days. The serving certificate (also due) stays for the grace.
    offset = 21 * DAY;
    await pollUntil(
      'the CA rotation to reach the other replica',
      30_000,
      () => splitPemCertificates(b.certs.current()?.caBundle ?? '').length === 2,
    );
    const rotatedBundle = splitPemCertificates(b.certs.current()?.caBundle ?? '');
    expect(rotatedBundle[1]).toBe(originalCa);
    expect(rotatedBundle[0]).not.toBe(originalCa);
    expect(b.certs.current()?.cert).toBe(original?.cert);

    // A day later the grace is long over: the serving certificate now comes from the new CA.
    offset = 22 * DAY;
    await pollUntil(
      'the serving certificate from the new CA',
      30_000,
      () => b.certs.current()?.cert !== original?.cert,
    );
    const renewed = b.certs.current();
    expect(splitPemCertificates(renewed?.caBundle ?? '')).toEqual(rotatedBundle);
    const newCa = new X509Certificate(rotatedBundle[0] ?? '');
    expect(new X509Certificate(renewed?.cert ?? '').checkIssued(newCa)).toBe(true);
    expect(a.certs.current()).toEqual(renewed);
    expect(b.seen.map((m) => m.cert)).toEqual([original?.cert, original?.cert, renewed?.cert]);
  });

  it('re-creates a deleted Secret and repairs a broken one', async () => {
    const a = replica('repair', { resyncIntervalMs: 60_000 });
    await a.certs.start();
    const before = a.certs.current();

    await admin.delete(SECRETS, { namespace: ns.name, name: 'repair' });
    await pollUntil('a new Secret', 30_000, async () => {
      const secret = await secretOf('repair');
      return secret !== undefined && pem(secret, 'tls.crt') !== before?.cert;
    });
    await pollUntil('the replica to serve it', 30_000, async () => {
      return a.certs.current()?.cert === pem(await secretOf('repair'), 'tls.crt');
    });

    const live = await secretOf('repair');
    const afterRecreate = a.certs.current();
    await admin.replace<V1Secret>(SECRETS, {
      ...(live as V1Secret),
      data: { ...live?.data, 'tls.key': live?.data?.['ca.key'] ?? '' },
    });
    await pollUntil('the broken key pair to be replaced', 30_000, async () => {
      const secret = await secretOf('repair');
      return (
        pem(secret, 'tls.key') !== pem(secret, 'ca.key') && a.certs.current()?.cert !== afterRecreate?.cert
      );
    });
    // The CA survived: only the serving pair was unusable.
    expect(a.certs.current()?.caBundle).toBe(afterRecreate?.caBundle);
  });

  it('refuses to take over a Secret of another type, saying how to fix it', async () => {
    await admin.create<V1Secret>(SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'opaque', namespace: ns.name, labels: { [CERTIFICATE_SECRET_LABEL]: 'opaque' } },
      type: 'Opaque',
      data: {},
    });
    let log = '';
    const stream = new PassThrough().on('data', (c: Buffer) => {
      log += c.toString();
    });
    const a = replica('opaque', { logger: createLogger('test', { stream, level: 'error' }) });
    void a.certs.start().catch(() => undefined);
    await pollUntil('the error to be logged', 30_000, () => log.includes('has type Opaque'));
    expect(log).toContain('Fix: delete the Secret');
    expect(a.certs.ready).toBe(false);
  });
});
