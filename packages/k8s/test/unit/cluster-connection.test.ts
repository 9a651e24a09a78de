import { mkdtemp, writeFile } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { connectionFromKubeconfig, loadClusterConnection } from '../../src/cluster-connection.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'ctx',
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
  });
}

async function applied(conn: { applyToHTTPSOptions(o: RequestOptions): Promise<void> }) {
  const options: RequestOptions = { headers: { accept: 'application/json' } };
  await conn.applyToHTTPSOptions(options);
  return options;
}

describe('connectionFromKubeconfig', () => {
  it('reads embedded certificate data', async () => {
    const conn = connectionFromKubeconfig(
      kubeconfig(
        { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
        { 'certificate-authority-data': b64('CA') },
      ),
      '/x/config',
    );
    expect(conn.getCurrentCluster()).toEqual({ server: 'https://10.0.0.1:6443' });
    const o = await applied(conn);
    expect([o.ca?.toString(), o.cert?.toString(), o.key?.toString()]).toEqual(['CA', 'CERT', 'KEY']);
    expect(o.headers).toEqual({ accept: 'application/json' });
  });

  it('resolves file paths relative to the kubeconfig and sends a token as a Bearer header', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kc-'));
    await writeFile(join(dir, 'ca.crt'), 'FILE-CA');
    await writeFile(join(dir, 'token'), 'from-file\n');
    const withToken = connectionFromKubeconfig(
      kubeconfig({ token: 'abc' }, { 'certificate-authority': 'ca.crt' }),
      join(dir, 'config'),
    );
    const o = await applied(withToken);
    expect(o.ca?.toString()).toBe('FILE-CA');
    expect(o.headers).toMatchObject({ authorization: 'Bearer abc', accept: 'application/json' });
    const fromFile = connectionFromKubeconfig(kubeconfig({ tokenFile: 'token' }), join(dir, 'config'));
    expect((await applied(fromFile)).headers).toMatchObject({ authorization: 'Bearer from-file' });
  });

  it('honours insecure-skip-tls-verify', async () => {
    const conn = connectionFromKubeconfig(
      kubeconfig({ token: 't' }, { 'insecure-skip-tls-verify': true }),
      '/x',
    );
    expect((await applied(conn)).rejectUnauthorized).toBe(false);
  });

  it.each([
    [
      kubeconfig({ 'auth-provider': { name: 'oidc' } }),
      /auth-provider "oidc", which Kubernetes has replaced by exec credential plugins. Fix: switch/,
    ],
    [
      kubeconfig({ exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1alpha1' } }),
      /user "u": exec apiVersion "client.authentication.k8s.io\/v1alpha1" is not supported; use client.authentication.k8s.io\/v1 or/,
    ],
    [
      kubeconfig({
        exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Always' },
      }),
      /interactiveMode is Always, but nimbus-ts never has a terminal/,
    ],
    [kubeconfig({}).replace('current-context: ctx', 'current-context: other'), /context "other" not found/],
    [kubeconfig({}, { server: '' }), /cluster "c" has no server/],
  ])('explains what is wrong (%#)', (text, message) => {
    expect(() => connectionFromKubeconfig(text, '/x/config')).toThrow(message);
  });
});

describe('loadClusterConnection', () => {
  it('prefers an explicit file, then KUBECONFIG, then the in-cluster service account', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sa-'));
    await writeFile(join(dir, 'token'), 'sa-token');
    await writeFile(join(dir, 'ca.crt'), 'SA-CA');
    const kcPath = join(dir, 'config');
    await writeFile(kcPath, kubeconfig({ token: 'kc' }));
    const inCluster = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443', HOME: dir };

    expect(loadClusterConnection({ kubeconfig: kcPath, env: inCluster, serviceAccountDir: dir }).server).toBe(
      'https://10.0.0.1:6443',
    );
    expect(
      loadClusterConnection({ env: { ...inCluster, KUBECONFIG: `${kcPath}:/other` }, serviceAccountDir: dir })
        .server,
    ).toBe('https://10.0.0.1:6443');
    const sa = loadClusterConnection({ env: inCluster, serviceAccountDir: dir });
    expect(sa.server).toBe('https://[fd00::1]:443');
    const o = await applied(sa);
    expect(o.ca?.toString()).toBe('SA-CA');
    expect(o.headers).toMatchObject({ authorization: 'Bearer sa-token' });
  });

  it('merges every file of KUBECONFIG, the first to set a value winning, and honours --context', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'merge-'));
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    // The first file names the contexts and users; the second holds the clusters (and a current-context that
    // loses), as when a cloud CLI writes its own file next to ~/.kube/config.
    await writeFile(
      first,
      dump({
        'current-context': 'dev',
        contexts: [
          { name: 'dev', context: { cluster: 'dev-c', user: 'dev-u', namespace: 'team-a' } },
          { name: 'prod', context: { cluster: 'prod-c', user: 'prod-u' } },
        ],
        users: [
          { name: 'dev-u', user: { token: 'dev-token' } },
          { name: 'prod-u', user: { tokenFile: 'prod-token' } },
        ],
      }),
    );
    await writeFile(join(dir, 'prod-token'), 'prod-token-from-file');
    await writeFile(
      second,
      dump({
        'current-context': 'prod',
        clusters: [
          { name: 'dev-c', cluster: { server: 'https://dev:6443' } },
          { name: 'prod-c', cluster: { server: 'https://prod:6443' } },
        ],
        users: [{ name: 'dev-u', user: { token: 'loses' } }],
      }),
    );
    const env = { KUBECONFIG: `${first}:${join(dir, 'missing')}:${second}`, HOME: dir };
    const dev = loadClusterConnection({ env });
    expect([dev.server, dev.namespace]).toEqual(['https://dev:6443', 'team-a']);
    expect((await applied(dev)).headers).toMatchObject({ authorization: 'Bearer dev-token' });
    const prod = loadClusterConnection({ env, context: 'prod' });
    expect([prod.server, prod.namespace]).toEqual(['https://prod:6443', undefined]);
    expect((await applied(prod)).headers).toMatchObject({ authorization: 'Bearer prod-token-from-file' });
    expect(() => loadClusterConnection({ env, context: 'staging' })).toThrow(
      /context "staging" not found \(contexts: dev, prod\)/,
    );
    expect(() => loadClusterConnection({ env: { KUBECONFIG: join(dir, 'nope'), HOME: dir } })).toThrow(
      /none of these files exists/,
    );
  });

  it('says how to fix it when there is nothing to connect to', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'none-'));
    expect(() => loadClusterConnection({ env: { HOME: empty }, serviceAccountDir: empty })).toThrow(
      /no API server to talk to.*Fix: pass --kubeconfig PATH or set KUBECONFIG/,
    );
  });
});
