import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExecCredentialSource, parseExecCredential } from '../../src/connection/exec-credential.js';

const V1 = 'client.authentication.k8s.io/v1';

describe('parseExecCredential', () => {
  it.each([
    {
      what: 'a token with an expiry',
      out: {
        kind: 'ExecCredential',
        apiVersion: V1,
        status: { token: 't', expirationTimestamp: '2030-01-01T00:00:00Z' },
      },
      credential: { token: 't', expiresAt: Date.parse('2030-01-01T00:00:00Z') },
    },
    {
      what: 'a client certificate',
      out: {
        kind: 'ExecCredential',
        apiVersion: V1,
        status: { clientCertificateData: 'C', clientKeyData: 'K' },
      },
      credential: { clientCertificateData: 'C', clientKeyData: 'K' },
    },
  ])('reads $what', ({ out, credential }) => {
    expect(parseExecCredential(JSON.stringify(out), V1, 'u')).toEqual(credential);
  });

  it.each([
    ['not json', /u: the exec plugin's output is not JSON/],
    [
      JSON.stringify({ kind: 'ExecCredential', apiVersion: 'client.authentication.k8s.io/v1beta1' }),
      /expected ExecCredential client.authentication.k8s.io\/v1/,
    ],
    [
      JSON.stringify({ kind: 'ExecCredential', apiVersion: V1, status: { clientCertificateData: 'C' } }),
      /neither status.token nor/,
    ],
    [
      JSON.stringify({
        kind: 'ExecCredential',
        apiVersion: V1,
        status: { token: 't', expirationTimestamp: 'soon' },
      }),
      /"soon" is not a time/,
    ],
  ])('refuses %j', (out, message) => {
    expect(() => parseExecCredential(out, V1, 'u')).toThrow(message);
  });
});

describe('ExecCredentialSource', () => {
  let dir: string;
  let plugin: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exec-plugin-'));
    plugin = join(dir, 'plugin.sh');
    // Counts its runs, records what it was given, and hands out token-<run> expiring at $EXPIRY.
    await writeFile(
      plugin,
      [
        '#!/bin/sh',
        'set -e',
        'n=$(($(cat "$STATE/runs" 2>/dev/null || echo 0) + 1))',
        'echo "$n" > "$STATE/runs"',
        'printf "%s" "$KUBERNETES_EXEC_INFO" > "$STATE/info"',
        'printf "%s" "$*" > "$STATE/args"',
        'if [ "$FAIL" = 1 ]; then echo "login expired: run sso login" >&2; exit 3; fi',
        'printf \'{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"token-%s","expirationTimestamp":"%s"}}\' "$API" "$n" "$EXPIRY"',
      ].join('\n'),
    );
    await chmod(plugin, 0o755);
  });

  const source = async (env: Record<string, string>, now: () => number, extra: object = {}) => {
    const state = await mkdtemp(join(dir, 'state-'));
    const exec = {
      apiVersion: V1,
      command: plugin,
      args: ['get-token', '--cluster', 'prod'],
      env: Object.entries({ STATE: state, API: V1, EXPIRY: '2030-01-01T00:00:00Z', ...env }).map(
        ([name, value]) => ({ name, value }),
      ),
      interactiveMode: 'Never' as const,
      ...extra,
    };
    const src = new ExecCredentialSource(exec, {
      where: 'user "u"',
      cluster: { server: 'https://s:6443' },
      now,
    });
    return { src, state };
  };

  it('runs the plugin once, caches until shortly before expiry, and again after a 401', async () => {
    let now = Date.parse('2029-12-31T23:00:00Z');
    const { src, state } = await source({}, () => now);
    const first = await Promise.all([src.credential(), src.credential(), src.credential()]);
    expect(first.map((c) => c.token)).toEqual(['token-1', 'token-1', 'token-1']);
    expect(await readFile(join(state, 'runs'), 'utf8')).toBe('1\n');
    expect(await readFile(join(state, 'args'), 'utf8')).toBe('get-token --cluster prod');
    expect(JSON.parse(await readFile(join(state, 'info'), 'utf8'))).toEqual({
      apiVersion: V1,
      kind: 'ExecCredential',
      spec: { interactive: false },
    });
    now = Date.parse('2029-12-31T23:59:55Z'); // within the renewal margin of the expiry
    expect((await src.credential()).token).toBe('token-2');
    src.invalidate();
    expect((await src.credential()).token).toBe('token-3');
    expect(src.runs).toBe(3);
  });

  it('tells the plugin about the cluster when provideClusterInfo is set', async () => {
    const { src, state } = await source({}, Date.now, { provideClusterInfo: true });
    await src.credential();
    expect(JSON.parse(await readFile(join(state, 'info'), 'utf8')).spec).toEqual({
      interactive: false,
      cluster: { server: 'https://s:6443' },
    });
  });

  it('reports a failing plugin with its exit code and stderr', async () => {
    const { src } = await source({ FAIL: '1' }, Date.now);
    await expect(src.credential()).rejects.toThrow(
      /user "u": exec plugin ".*plugin.sh" exited with code 3: login expired: run sso login/,
    );
  });

  it('names the install hint when the plugin is missing', async () => {
    const src = new ExecCredentialSource(
      { apiVersion: V1, command: 'nimbus-no-such-plugin', installHint: 'Install it with: brew install x' },
      { where: 'user "u"' },
    );
    await expect(src.credential()).rejects.toThrow(
      /exec plugin "nimbus-no-such-plugin" not found.\nInstall it with: brew install x/,
    );
  });
});
