import { request } from 'node:https';
import {
  type CertificateAuthority,
  createCertificateAuthority,
  type KeyPairPem,
} from '@nimbus-ts/k8s/testing';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdmissionServer,
  type AdmissionTlsMaterial,
  createAdmissionHandler,
  startAdmissionServer,
} from '../../src/admission/index.js';
import { admissionRequest, admissionReview, pod, policy } from './admission-fixtures.js';

/**
 * POSTs or GETs over a new TLS connection that trusts only `ca`, presenting `client` when given; resolves to the
 * status and body.
 */
function call(
  url: string,
  ca: string,
  path: string,
  body?: unknown,
  client?: KeyPairPem,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: body === undefined ? 'GET' : 'POST',
        ca,
        ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
        agent: false,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('startAdmissionServer', () => {
  let firstCa: CertificateAuthority;
  let secondCa: CertificateAuthority;
  let firstCert: KeyPairPem;
  let secondCert: KeyPairPem;
  let server: AdmissionServer | undefined;

  beforeAll(async () => {
    firstCa = await createCertificateAuthority('admission test CA 1');
    secondCa = await createCertificateAuthority('admission test CA 2');
    firstCert = await firstCa.issueServing(['127.0.0.1', 'localhost']);
    secondCert = await secondCa.issueServing(['127.0.0.1', 'localhost']);
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const handler = createAdmissionHandler({
    policiesIn: () => [policy('no-latest', { disallowLatestTag: { action: 'Block' } })],
    verdicts: async () => new Map(),
  });

  it('serves the handler over HTTPS on loopback', async () => {
    server = await startAdmissionServer({
      host: '127.0.0.1',
      tls: () => ({ key: firstCert.keyPem, cert: firstCert.certPem }),
      handler,
    });
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    expect(await call(server.url, firstCa.certPem, '/healthz')).toEqual({ status: 200, text: 'ok' });
    const answer = await call(
      server.url,
      firstCa.certPem,
      '/validate?timeout=10s',
      admissionReview(admissionRequest({ object: pod(['nginx:latest']) })),
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ response: { allowed: false, status: { code: 403 } } });
  });

  it('rotates its certificate without a restart: new connections get the new one', async () => {
    let current: AdmissionTlsMaterial = { key: firstCert.keyPem, cert: firstCert.certPem };
    server = await startAdmissionServer({ host: '127.0.0.1', tls: () => current, handler });
    await expect(call(server.url, secondCa.certPem, '/healthz')).rejects.toThrow(
      /self.signed|unable to verify|certificate/i,
    );

    current = { key: secondCert.keyPem, cert: secondCert.certPem };
    server.reloadTls();
    expect(await call(server.url, secondCa.certPem, '/healthz')).toEqual({ status: 200, text: 'ok' });
    await expect(call(server.url, firstCa.certPem, '/healthz')).rejects.toThrow(
      /self.signed|unable to verify|certificate/i,
    );
  });

  it('keeps the current certificate when the new one is not valid, and says so', async () => {
    let current: AdmissionTlsMaterial = { key: firstCert.keyPem, cert: firstCert.certPem };
    server = await startAdmissionServer({ host: '127.0.0.1', tls: () => current, handler });
    current = { key: 'not a key', cert: 'not a certificate' };
    expect(() => server?.reloadTls()).toThrow();
    expect(await call(server.url, firstCa.certPem, '/healthz')).toEqual({ status: 200, text: 'ok' });
  });

  it('with client authentication, serves only callers whose certificate the client CA signed and whose name is allowed', async () => {
    const apiServer = await secondCa.issueClient('kube-apiserver', []);
    const otherName = await secondCa.issueClient('some-pod', []);
    const otherCa = await firstCa.issueClient('kube-apiserver', []);
    server = await startAdmissionServer({
      host: '127.0.0.1',
      tls: () => ({ key: firstCert.keyPem, cert: firstCert.certPem }),
      clientAuth: { ca: () => secondCa.certPem, names: ['kube-apiserver'] },
      handler,
    });
    const review = admissionReview(admissionRequest({ object: pod(['nginx:1.27']) }));
    const url = server.url;
    expect((await call(url, firstCa.certPem, '/validate', review, apiServer)).status).toBe(200);
    // No certificate, or one another CA signed: the handshake fails (TLS 1.3 reports it on the first read).
    await expect(call(url, firstCa.certPem, '/validate', review)).rejects.toThrow(
      /certificate|socket hang up|ECONNRESET/i,
    );
    await expect(call(url, firstCa.certPem, '/validate', review, otherCa)).rejects.toThrow(
      /certificate|unknown ca|socket hang up|ECONNRESET/i,
    );
    const refused = await call(url, firstCa.certPem, '/validate', review, otherName);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).message).toBe(
      'client certificate "some-pod" is not one of the allowed callers',
    );
  });

  it('refuses to start without a valid certificate', async () => {
    await expect(
      startAdmissionServer({ host: '127.0.0.1', tls: () => ({ key: 'x', cert: 'y' }), handler }),
    ).rejects.toThrow();
  });

  it('stops accepting connections once closed', async () => {
    const started = await startAdmissionServer({
      host: '127.0.0.1',
      tls: () => ({ key: firstCert.keyPem, cert: firstCert.certPem }),
      handler,
    });
    expect((await call(started.url, firstCa.certPem, '/healthz')).status).toBe(200);
    await started.close();
    await started.close(); // idempotent
    await expect(call(started.url, firstCa.certPem, '/healthz')).rejects.toThrow(/ECONNREFUSED/);
  });
});
