import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createCertificateAuthority,
  createSigningKeyPair,
  importCertificateAuthority,
} from '../../src/testing/pki.js';

describe('certificate authority', () => {
  it('issues a serving certificate for DNS names and IPs, signed by the CA', async () => {
    const ca = await createCertificateAuthority('unit CA');
    const serving = await ca.issueServing(['localhost', '127.0.0.1', 'svc.ns.svc']);
    const cert = new X509Certificate(serving.certPem);
    const caCert = new X509Certificate(ca.certPem);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('DNS:svc.ns.svc');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
  });

  it('puts the user in CN and every group in its own O attribute', async () => {
    const ca = await createCertificateAuthority();
    const client = await ca.issueClient('alice', ['system:masters', 'devs']);
    const cert = new X509Certificate(client.certPem);
    expect(cert.subject.split('\n')).toEqual(
      expect.arrayContaining(['CN=alice', 'O=system:masters', 'O=devs']),
    );
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.2');
    expect(cert.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
  });

  it('rejects a serving certificate without hosts', async () => {
    const ca = await createCertificateAuthority();
    await expect(ca.issueServing([])).rejects.toThrow(/at least one host/);
  });

  it('round-trips through PEM: an imported CA signs certificates the original CA verifies', async () => {
    const ca = await createCertificateAuthority();
    const again = await importCertificateAuthority({ certPem: ca.certPem, keyPem: ca.keyPem });
    const client = await again.issueClient('bob', []);
    expect(new X509Certificate(client.certPem).checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(new X509Certificate(client.certPem).verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
  });

  it('creates a PEM signing key pair whose halves match', async () => {
    const { createPrivateKey, createPublicKey, sign, verify } = await import('node:crypto');
    const pair = await createSigningKeyPair();
    expect(pair.certPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const data = Buffer.from('token');
    const signature = sign('sha256', data, createPrivateKey(pair.keyPem));
    expect(verify('sha256', data, createPublicKey(pair.certPem), signature)).toBe(true);
  });
});
