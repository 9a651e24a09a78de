import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '@nimbus-ts/k8s';
import { createCertificateAuthority, type KeyPairPem, pollUntil } from '@nimbus-ts/k8s/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCertificates } from '../../src/file-certificates.js';
import type { TlsMaterial } from '../../src/tls-material.js';

/** Replaces a file the way the kubelet updates a mounted Secret: write aside, then rename over. */
async function replaceFile(path: string, content: string): Promise<void> {
  await writeFile(`${path}.tmp`, content);
  await rename(`${path}.tmp`, path);
}

describe('FileCertificates', () => {
  let dir: string;
  let files: { certFile: string; keyFile: string; caFile: string };
  let caPem: string;
  let first: KeyPairPem;
  let second: KeyPairPem;
  let certs: FileCertificates | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'webhook-files-'));
    files = { certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: join(dir, 'ca.crt') };
    const ca = await createCertificateAuthority('files CA');
    caPem = ca.certPem;
    first = await ca.issueServing(['localhost']);
    second = await ca.issueServing(['localhost', '127.0.0.1']);
    await replaceFile(files.certFile, first.certPem);
    await replaceFile(files.keyFile, first.keyPem);
    await replaceFile(files.caFile, caPem);
  });
  afterEach(async () => {
    await certs?.stop();
    certs = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the files on start and reloads them when they are replaced', async () => {
    const seen: TlsMaterial[] = [];
    certs = new FileCertificates({ ...files, pollIntervalMs: 20, onChange: (m) => void seen.push(m) });
    expect(certs.ready).toBe(false);
    await certs.start();
    expect(certs.ready).toBe(true);
    expect(certs.current()).toEqual({ cert: first.certPem, key: first.keyPem, caBundle: caPem });
    expect(seen).toHaveLength(1);

    await replaceFile(files.certFile, second.certPem);
    await replaceFile(files.keyFile, second.keyPem);
    await pollUntil('the new certificate', 10_000, () => certs?.current()?.cert === second.certPem);
    expect(certs.current()).toEqual({ cert: second.certPem, key: second.keyPem, caBundle: caPem });
    expect(seen.at(-1)).toEqual(certs.current());
  });

  it('skips a half-finished update (new certificate, old key) and takes the pair once complete', async () => {
    const seen: TlsMaterial[] = [];
    let log = '';
    const stream = new PassThrough().on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    const logger = createLogger('test', { stream, level: 'warn' });
    certs = new FileCertificates({
      ...files,
      pollIntervalMs: 20,
      logger,
      onChange: (m) => void seen.push(m),
    });
    await certs.start();
    await replaceFile(files.certFile, second.certPem);
    await pollUntil('a poll to see the mismatched pair', 10_000, () => log.includes('not usable yet'));
    expect(log).toContain('is not the private key of the certificate');
    expect(certs.current()?.cert).toBe(first.certPem);
    await replaceFile(files.keyFile, second.keyPem);
    await pollUntil('the completed update', 10_000, () => certs?.current()?.key === second.keyPem);
    expect(seen.map((m) => m.cert)).toEqual([first.certPem, second.certPem]);
  });

  it('works without a CA file', async () => {
    certs = new FileCertificates({ certFile: files.certFile, keyFile: files.keyFile });
    await certs.start();
    expect(certs.current()).toEqual({ cert: first.certPem, key: first.keyPem });
  });

  it.each([
    [
      'a missing file',
      async () => rm(join(dir, 'tls.key')),
      /cannot read the webhook's certificate files.*tls\.key.*Fix:/,
    ],
    [
      'a key of another certificate',
      async () => replaceFile(join(dir, 'tls.key'), second.keyPem),
      /tls\.key is not the private key of the certificate in .*tls\.crt.*Fix:/,
    ],
    [
      'a certificate file without a certificate',
      async () => replaceFile(join(dir, 'tls.crt'), 'nothing'),
      /tls\.crt holds no PEM certificate/,
    ],
    [
      'a CA file without a certificate',
      async () => replaceFile(join(dir, 'ca.crt'), ''),
      /ca\.crt holds no PEM certificate/,
    ],
  ])('refuses to start on %s, naming the file and the fix', async (_what, breakFiles, message) => {
    await breakFiles();
    certs = new FileCertificates(files);
    await expect(certs.start()).rejects.toThrow(message);
  });
});
