import { describe, expect, it } from 'vitest';
import { type Kubeconfig, mergeKubeconfigs, parseKubeconfig } from '../../src/connection/kubeconfig-file.js';

const config = (
  current: string | undefined,
  names: { clusters?: [string, string][]; users?: [string, string][]; contexts?: string[] },
): Kubeconfig => ({
  ...(current ? { 'current-context': current } : {}),
  clusters: (names.clusters ?? []).map(([name, server]) => ({ name, cluster: { server } })),
  users: (names.users ?? []).map(([name, token]) => ({ name, user: { token } })),
  contexts: (names.contexts ?? []).map((name) => ({ name, context: { cluster: name, user: name } })),
});

describe('mergeKubeconfigs', () => {
  it.each([
    {
      what: 'the first current-context wins, even over a later one',
      configs: [config(undefined, {}), config('a', {}), config('b', {})],
      current: 'a',
      servers: [],
      tokens: [],
    },
    {
      what: 'the first entry of a name wins; later names are added',
      configs: [
        config('x', { clusters: [['c', 'https://first']], users: [['u', 'first']] }),
        config(undefined, {
          clusters: [
            ['c', 'https://second'],
            ['d', 'https://d'],
          ],
          users: [['u', 'second']],
        }),
      ],
      current: 'x',
      servers: ['https://first', 'https://d'],
      tokens: ['first'],
    },
    { what: 'no files, nothing', configs: [], current: undefined, servers: [], tokens: [] },
  ])('$what', ({ configs, current, servers, tokens }) => {
    const merged = mergeKubeconfigs(configs);
    expect(merged['current-context']).toBe(current);
    expect(merged.clusters.map((c) => c.cluster?.server)).toEqual(servers);
    expect(merged.users.map((u) => u.user?.token)).toEqual(tokens);
  });
});

describe('parseKubeconfig', () => {
  it('makes paths absolute against the file that names them, and exec commands only when they are paths', () => {
    const parsed = parseKubeconfig(
      [
        'clusters: [{name: c, cluster: {server: "https://s", certificate-authority: ca.crt}}]',
        'users:',
        '  - {name: a, user: {client-certificate: certs/a.crt, client-key: /abs/a.key, tokenFile: t}}',
        '  - {name: b, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./bin/plugin}}}',
        '  - {name: c, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: aws}}}',
      ].join('\n'),
      '/home/me/.kube/config',
    );
    expect(parsed.clusters[0]?.cluster?.['certificate-authority']).toBe('/home/me/.kube/ca.crt');
    expect(parsed.users.map((u) => u.user)).toEqual([
      {
        'client-certificate': '/home/me/.kube/certs/a.crt',
        'client-key': '/abs/a.key',
        tokenFile: '/home/me/.kube/t',
      },
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: '/home/me/.kube/bin/plugin' } },
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws' } },
    ]);
  });

  it.each([['- a list'], ['just text']])('refuses %j with the file named', (text) => {
    expect(() => parseKubeconfig(text, '/k')).toThrow(/kubeconfig \/k: not a kubeconfig/);
  });

  it('skips entries without a name and tolerates empty lists', () => {
    const parsed = parseKubeconfig('clusters: null\nusers: [{user: {token: x}}]\n', '/k');
    expect(parsed).toEqual({ clusters: [], contexts: [], users: [] });
  });
});
