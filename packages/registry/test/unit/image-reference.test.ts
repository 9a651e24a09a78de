import { describe, expect, it } from 'vitest';
import {
  type ImageReference,
  InvalidImageReferenceError,
  parseImageReference,
  registryApiHost,
  withDigest,
} from '../../src/image-reference.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseImageReference', () => {
  const valid: [string, Partial<ImageReference>][] = [
    [
      'nginx',
      {
        registry: 'docker.io',
        repository: 'library/nginx',
        tag: 'latest',
        tagImplied: true,
        name: 'docker.io/library/nginx',
        familiarName: 'nginx',
        familiar: 'nginx:latest',
        canonical: 'docker.io/library/nginx:latest',
      },
    ],
    ['nginx:1.25', { repository: 'library/nginx', tag: '1.25', tagImplied: false, familiar: 'nginx:1.25' }],
    [
      'user/app',
      {
        registry: 'docker.io',
        repository: 'user/app',
        familiar: 'user/app:latest',
        canonical: 'docker.io/user/app:latest',
      },
    ],
    ['docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx', familiarName: 'nginx' }],
    ['index.docker.io/library/nginx:1', { registry: 'docker.io', repository: 'library/nginx', tag: '1' }],
    ['index.docker.io/nginx', { registry: 'docker.io', repository: 'library/nginx' }],
    ['docker.io/library/a/b', { repository: 'library/a/b', familiarName: 'library/a/b' }],
    ['localhost/app', { registry: 'localhost', repository: 'app', familiarName: 'localhost/app' }],
    [
      'localhost:5000/x',
      { registry: 'localhost:5000', repository: 'x', canonical: 'localhost:5000/x:latest' },
    ],
    ['127.0.0.1:5000/a/b:tag', { registry: '127.0.0.1:5000', repository: 'a/b', tag: 'tag' }],
    ['[::1]:5000/app:1', { registry: '[::1]:5000', repository: 'app', tag: '1' }],
    ['[fe80::1]/app', { registry: '[fe80::1]', repository: 'app' }],
    ['ghcr.io/org/team/app:v1.2.3', { registry: 'ghcr.io', repository: 'org/team/app', tag: 'v1.2.3' }],
    // A first component with an uppercase letter can only be a host.
    ['Registry.Example.com/app', { registry: 'Registry.Example.com', repository: 'app' }],
    ['Foo/bar', { registry: 'Foo', repository: 'bar' }],
    [
      `nginx@${D}`,
      {
        repository: 'library/nginx',
        digest: D,
        tagImplied: false,
        familiar: `nginx@${D}`,
        canonical: `docker.io/library/nginx@${D}`,
      },
    ],
    [`nginx:1.25@${D}`, { tag: '1.25', digest: D, canonical: `docker.io/library/nginx:1.25@${D}` }],
    [
      'my.registry:443/a_b/c__d/e-f--g/h.i:tag_1.0-rc',
      { registry: 'my.registry:443', repository: 'a_b/c__d/e-f--g/h.i', tag: 'tag_1.0-rc' },
    ],
    // Docker's own quirks: without a slash, `localhost` is a Docker Hub repository and `:5000` a tag.
    ['localhost', { registry: 'docker.io', repository: 'library/localhost' }],
    ['localhost:5000', { registry: 'docker.io', repository: 'library/localhost', tag: '5000' }],
    [`sha512-image@sha512:${'0'.repeat(128)}`, { digest: `sha512:${'0'.repeat(128)}` }],
  ];
  it.each(valid)('parses %s', (input, expected) => {
    expect(parseImageReference(input)).toMatchObject(expected);
  });

  it('leaves tag out of a digest-only reference', () => {
    const ref = parseImageReference(`ghcr.io/a/b@${D}`);
    expect(ref.tag).toBeUndefined();
    expect('tag' in ref).toBe(false);
  });

  const invalid: [string, RegExp][] = [
    ['', /it is empty/],
    [' nginx', /white space/],
    ['Nginx', /repository name "Nginx" must be lowercase/],
    ['user/App', /"user\/App" must be lowercase/],
    ['nginx:', /tag "" is invalid/],
    ['nginx:-bad', /tag "-bad" is invalid/],
    [`nginx:${'a'.repeat(129)}`, /tag "a+" is invalid/],
    ['nginx@sha256:abc', /digest "sha256:abc" is not of the form algorithm:hex/],
    [`nginx@sha256:${'a'.repeat(40)}`, /a sha256 digest has 64 lowercase hex characters/],
    [`nginx@sha256:${'AB'.repeat(32)}`, /lowercase hex/],
    [`nginx@md5:${'a'.repeat(32)}`, /digest algorithm "md5" is not supported/],
    ['nginx@latest', /digest "latest" is not of the form algorithm:hex/],
    [`nginx@${D}@${D}`, /is not of the form/],
    ['a//b', /empty component/],
    ['a/b/', /empty component/],
    ['/a', /empty component/],
    ['localhost:port/x', /registry port "port" is not a number/],
    ['exa_mple.com/x', /registry "exa_mple.com" is not a valid host name/],
    ['-bad.example/x', /is not a valid host name/],
    ['ghcr.io/a/-b', /path component "-b" is invalid/],
    ['ghcr.io/a/b.', /path component "b." is invalid/],
    ['a'.repeat(64), /image ID, not a repository name/],
    [`ghcr.io/${'a'.repeat(250)}`, /longer than 255/],
    [':tag', /repository name is empty/],
  ];
  it.each(invalid)('refuses %j naming the problem', (input, message) => {
    const error = (() => {
      try {
        parseImageReference(input);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(InvalidImageReferenceError);
    expect((error as Error).message).toMatch(message);
    expect((error as InvalidImageReferenceError).reference).toBe(input);
  });
});

describe('withDigest and registryApiHost', () => {
  it('pins a repository to a digest, dropping the tag', () => {
    const pinned = withDigest(parseImageReference('nginx:1.25'), D);
    expect(pinned).toMatchObject({ canonical: `docker.io/library/nginx@${D}`, digest: D, tagImplied: false });
    expect(pinned.tag).toBeUndefined();
    expect(() => withDigest(pinned, 'sha256:nope')).toThrow(InvalidImageReferenceError);
  });

  it.each([
    ['docker.io', 'registry-1.docker.io'],
    ['index.docker.io', 'registry-1.docker.io'],
    ['ghcr.io', 'ghcr.io'],
    ['localhost:5000', 'localhost:5000'],
  ])('serves %s from %s', (registry, host) => {
    expect(registryApiHost(registry)).toBe(host);
  });
});

/** mulberry32: a tiny seeded generator, so a failure reproduces from the printed seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('parseImageReference, property: generated valid references round-trip', () => {
  const SEED = 20_261_126;
  const next = random(SEED);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chars = (alphabet: string, min: number, max: number) =>
    Array.from({ length: min + int(max - min + 1) }, () => alphabet[int(alphabet.length)]).join('');
  const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';

  /** A path component; `dots` false keeps it from looking like a host when it comes first. */
  const component = (dots: boolean) => {
    let out = chars(alnum, 1, 5);
    for (let i = int(3); i > 0; i--)
      out += pick(dots ? ['.', '_', '__', '-', '--'] : ['_', '__', '-']) + chars(alnum, 1, 4);
    return out;
  };
  const label = () => {
    const inner = chars(`${alnum}-`, 0, 4);
    return inner === '' ? chars(alnum, 1, 3) : `${chars(alnum, 1, 1)}${inner}${chars(alnum, 1, 1)}`;
  };
  const registry = (): string | undefined => {
    const host = pick([
      undefined,
      'docker.io',
      'index.docker.io',
      'localhost',
      `${int(256)}.${int(256)}.${int(256)}.${int(256)}`,
      `${label()}.${label()}`,
      `${label()}.${label()}.${pick(['io', 'com', 'example'])}`,
      '[::1]',
    ]);
    if (host === undefined) return undefined;
    return next() < 0.4 ? `${host}:${1 + int(65535)}` : host;
  };

  it('for 500 generated references (seed printed on failure)', () => {
    for (let i = 0; i < 500; i++) {
      const reg = registry();
      const path = Array.from({ length: 1 + int(3) }, (_, k) => component(reg !== undefined || k > 0));
      const tag = next() < 0.6 ? `${pick(['v', 'A', '_', '1'])}${chars(`${alnum}ABC_.-`, 0, 20)}` : undefined;
      const digest =
        next() < 0.4
          ? `sha256:${Array.from({ length: 64 }, () => '0123456789abcdef'[int(16)]).join('')}`
          : undefined;
      const input = `${reg ? `${reg}/` : ''}${path.join('/')}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;

      const context = `seed ${SEED}, case ${i}: ${input}`;
      const parsed = parseImageReference(input);
      const hub = reg === undefined || reg === 'docker.io' || reg === 'index.docker.io';
      const repository = hub && path.length === 1 ? `library/${path[0]}` : path.join('/');
      expect(parsed.registry, context).toBe(hub ? 'docker.io' : reg);
      expect(parsed.repository, context).toBe(repository);
      expect(parsed.digest, context).toBe(digest);
      expect(parsed.tag, context).toBe(tag ?? (digest ? undefined : 'latest'));
      // Normalising is idempotent: the canonical and the familiar forms parse back to the same reference.
      expect(parseImageReference(parsed.canonical), context).toEqual({ ...parsed, tagImplied: false });
      expect(parseImageReference(parsed.familiar), context).toEqual({ ...parsed, tagImplied: false });
    }
  });
});
