import { describe, expect, it } from 'vitest';
import {
  credentialPattern,
  InvalidPullSecretError,
  parseDockerConfig,
  parsePullSecret,
  patternMatches,
  type SecretLike,
  selectCredentials,
} from '../../src/credentials.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

function configJsonSecret(name: string, auths: Record<string, unknown>): SecretLike {
  return {
    metadata: { name, namespace: 'ns' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
  };
}

/** One entry per registry key, with `auth` (as `kubectl create secret docker-registry` writes). */
function secretFor(name: string, keys: Record<string, string>): SecretLike {
  return configJsonSecret(
    name,
    Object.fromEntries(Object.entries(keys).map(([key, user]) => [key, { auth: b64(`${user}:pw-${user}`) }])),
  );
}

describe('credentialPattern: registry keys as the kubelet normalises them', () => {
  it.each([
    ['https://index.docker.io/v1/', 'index.docker.io'],
    ['index.docker.io', 'index.docker.io'],
    ['docker.io', 'docker.io'],
    ['http://localhost:5000', 'localhost:5000'],
    ['https://ghcr.io/v2/', 'ghcr.io'],
    ['quay.io/coreos', 'quay.io/coreos'],
    ['https://quay.io/v1/coreos/etcd', 'quay.io/coreos/etcd'],
    ['GHCR.io/Org', 'ghcr.io/Org'],
    ['*.example.com:5000/', '*.example.com:5000'],
    ['registry.example/?x=1', 'registry.example'],
  ])('%s → %s', (key, pattern) => {
    expect(credentialPattern(key)).toBe(pattern);
  });
});

describe('patternMatches', () => {
  it.each([
    ['quay.io', 'quay.io/coreos/etcd', true],
    ['quay.io/coreos', 'quay.io/coreos/etcd', true],
    ['quay.io/coreos/etcd', 'quay.io/coreos/etcd', true],
    ['quay.io/other', 'quay.io/coreos/etcd', false],
    // A plain string prefix, as the kubelet compares paths.
    ['quay.io/core', 'quay.io/coreos/etcd', true],
    ['*.example.com', 'registry.example.com/app', true],
    ['*.example.com', 'example.com/app', false],
    ['*.example.com', 'a.b.example.com/app', false],
    ['reg?.example.com', 'reg1.example.com/app', true],
    ['reg[0-9].example.com', 'reg7.example.com/app', true],
    ['reg[^0-9].example.com', 'reg7.example.com/app', false],
    ['localhost:5000', 'localhost:5000/app', true],
    ['localhost:5000', 'localhost:5001/app', false],
    ['localhost', 'localhost:5000/app', false],
    ['docker.io', 'docker.io/library/nginx', true],
    ['index.docker.io', 'docker.io/library/nginx', false],
    ['GHCR.IO', 'ghcr.io/org/app', true],
  ])('%s covers %s: %s', (pattern, image, expected) => {
    expect(patternMatches(pattern, image)).toBe(expected);
  });
});

describe('parsePullSecret and parseDockerConfig', () => {
  it('reads .dockerconfigjson entries with auth, or username and password', () => {
    const secret = configJsonSecret('regcred', {
      'https://index.docker.io/v1/': { auth: b64('hub-user:p:a:ss') },
      'ghcr.io': { username: 'gh', password: 'token' },
      // `auth` wins over separate fields, as in the kubelet.
      'quay.io': { username: 'ignored', password: 'ignored', auth: b64('robot:secret') },
    });
    expect(parsePullSecret(secret)).toEqual([
      {
        key: 'https://index.docker.io/v1/',
        pattern: 'index.docker.io',
        secret: 'ns/regcred',
        username: 'hub-user',
        password: 'p:a:ss',
      },
      { key: 'ghcr.io', pattern: 'ghcr.io', secret: 'ns/regcred', username: 'gh', password: 'token' },
      { key: 'quay.io', pattern: 'quay.io', secret: 'ns/regcred', username: 'robot', password: 'secret' },
    ]);
  });

  it('reads the legacy .dockercfg map', () => {
    const secret: SecretLike = {
      metadata: { name: 'old', namespace: 'ns' },
      type: 'kubernetes.io/dockercfg',
      data: {
        '.dockercfg': b64(JSON.stringify({ 'registry.example:5000': { auth: b64('u:p'), email: 'x@y' } })),
      },
    };
    expect(parsePullSecret(secret)).toEqual([
      {
        key: 'registry.example:5000',
        pattern: 'registry.example:5000',
        secret: 'ns/old',
        username: 'u',
        password: 'p',
      },
    ]);
  });

  it.each<[string, SecretLike]>([
    ['an Opaque secret', { type: 'Opaque', data: { '.dockerconfigjson': b64('{}') } }],
    ['a dockerconfigjson secret without its key', { type: 'kubernetes.io/dockerconfigjson', data: {} }],
    [
      'a dockercfg secret holding .dockerconfigjson',
      { type: 'kubernetes.io/dockercfg', data: { '.dockerconfigjson': b64('{}') } },
    ],
    [
      'a config without auths',
      { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{}') } },
    ],
  ])('finds no credentials in %s', (_what, secret) => {
    expect(parsePullSecret(secret)).toEqual([]);
  });

  it.each([
    ['not JSON', '{', false, /not JSON/],
    ['an array', '[]', false, /not a JSON object/],
    ['auths not an object', '{"auths": []}', false, /"auths" is not a JSON object/],
    ['an entry not an object', '{"auths": {"x": 1}}', false, /entry for "x" is not an object/],
    [
      'auth without a colon',
      JSON.stringify({ auths: { x: { auth: b64('nocolon') } } }),
      false,
      /base64 of username:password/,
    ],
    ['legacy entry not an object', '{"x": "y"}', true, /entry for "x" is not an object/],
  ])('refuses %s', (_what, json, legacy, message) => {
    expect(() => parseDockerConfig(json, 'ns/bad', legacy)).toThrow(InvalidPullSecretError);
    expect(() => parseDockerConfig(json, 'ns/bad', legacy)).toThrow(message);
    expect(() => parseDockerConfig(json, 'ns/bad', legacy)).toThrow(/^image pull secret ns\/bad: /);
  });
});

describe('selectCredentials: the kubelet order', () => {
  const users = (image: string, podSecrets: SecretLike[], serviceAccountSecrets: SecretLike[] = []) =>
    selectCredentials(image, { podSecrets, serviceAccountSecrets }).candidates.map((c) => c.username);

  it.each<[string, string, SecretLike[], SecretLike[], string[]]>([
    ['exact host', 'ghcr.io/org/app:1', [secretFor('a', { 'ghcr.io': 'gh' })], [], ['gh']],
    ['no match: anonymous', 'ghcr.io/org/app:1', [secretFor('a', { 'quay.io': 'q' })], [], []],
    [
      'the most specific key first, across secrets',
      'quay.io/coreos/etcd',
      [secretFor('a', { 'quay.io': 'whole' }), secretFor('b', { 'quay.io/coreos': 'team' })],
      [],
      ['team', 'whole'],
    ],
    [
      'same key in two secrets: secret order',
      'quay.io/x/y',
      [secretFor('a', { 'quay.io': 'first' }), secretFor('b', { 'https://quay.io/v2/': 'second' })],
      [],
      ['first', 'second'],
    ],
    [
      'Docker Hub by its legacy key',
      'nginx',
      [secretFor('a', { 'https://index.docker.io/v1/': 'hub' })],
      [],
      ['hub'],
    ],
    ['Docker Hub by docker.io', 'user/app', [secretFor('a', { 'docker.io': 'hub' })], [], ['hub']],
    [
      'the legacy Docker Hub key only when nothing else matches',
      'user/app',
      [secretFor('a', { 'https://index.docker.io/v1/': 'legacy', 'docker.io/user': 'scoped' })],
      [],
      ['scoped'],
    ],
    [
      'the legacy Docker Hub key is not for other registries',
      'ghcr.io/a/b',
      [secretFor('a', { 'index.docker.io': 'hub' })],
      [],
      [],
    ],
    [
      'registry with a port',
      `127.0.0.1:5000/app@sha256:${'0'.repeat(64)}`,
      [secretFor('a', { 'http://127.0.0.1:5000': 'local' })],
      [],
      ['local'],
    ],
    ['wildcard', 'eu.registry.example/app', [secretFor('a', { '*.registry.example': 'wild' })], [], ['wild']],
    [
      'pod secrets before the service account’s',
      'ghcr.io/org/app',
      [secretFor('pod', { 'ghcr.io': 'pod' })],
      [secretFor('sa', { 'ghcr.io/org': 'sa' })],
      ['pod', 'sa'],
    ],
    [
      'service account secrets when the pod has none',
      'ghcr.io/org/app',
      [],
      [secretFor('sa', { 'ghcr.io': 'sa' })],
      ['sa'],
    ],
    [
      'identical credentials once',
      'ghcr.io/org/app',
      [secretFor('a', { 'ghcr.io': 'same' })],
      [secretFor('b', { 'ghcr.io': 'same' })],
      ['same'],
    ],
  ])('%s', (_what, image, podSecrets, saSecrets, expected) => {
    expect(users(image, podSecrets, saSecrets)).toEqual(expected);
  });

  it('skips unreadable secrets and reports them', () => {
    const broken: SecretLike = {
      metadata: { name: 'broken', namespace: 'ns' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': b64('{nope') },
    };
    const selection = selectCredentials('ghcr.io/a/b', {
      podSecrets: [broken, secretFor('ok', { 'ghcr.io': 'gh' })],
    });
    expect(selection.candidates.map((c) => c.secret)).toEqual(['ns/ok']);
    expect(selection.problems).toHaveLength(1);
    expect(selection.problems[0]?.secret).toBe('ns/broken');
  });
});
