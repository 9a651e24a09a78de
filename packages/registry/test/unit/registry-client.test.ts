import { describe, expect, it } from 'vitest';
import { parseAuthChallenge } from '../../src/auth-challenge.js';
import { MANIFEST_MEDIA_TYPES } from '../../src/manifest-document.js';
import { blobUrl, RegistryClient, registryOrigin } from '../../src/registry-client.js';
import { RegistryError } from '../../src/registry-error.js';
import { fetchTokenGrant } from '../../src/registry-token.js';
import { fakeRegistry, sha256 } from '../../src/testing/fake-registry.js';
import { credentialIdentity, TokenCache, tokenCacheKey } from '../../src/token-cache.js';

const CREDS = { username: 'user', password: 'pass' };
const IMAGE_MANIFEST = {
  schemaVersion: 2,
  mediaType: MANIFEST_MEDIA_TYPES.ociManifest,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256('c'), size: 1 },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256('l'), size: 1 }],
};

/** A registry holding one image manifest in `app`, and a client for it. */
function setup(options: Parameters<typeof fakeRegistry>[0] = {}, clock?: { now: number }) {
  const registry = fakeRegistry(options);
  const digest = registry.putManifest('app', IMAGE_MANIFEST, MANIFEST_MEDIA_TYPES.ociManifest, '1.0');
  const tokens = new TokenCache(clock ? { now: () => clock.now } : {});
  const client = new RegistryClient(registry.origin, CREDS, { fetch: registry.fetch, tokenCache: tokens });
  return { registry, digest, tokens, client };
}

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryError);
  return err as RegistryError;
}

describe('parseAuthChallenge', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      {
        scheme: 'bearer',
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/nginx:pull',
      },
    ],
    [
      'Bearer realm="https://x/token",error="invalid_token"',
      { scheme: 'bearer', realm: 'https://x/token', error: 'invalid_token' },
    ],
    [
      'BEARER realm=https://x/token , service=svc',
      { scheme: 'bearer', realm: 'https://x/token', service: 'svc' },
    ],
    ['Basic realm="Registry Realm"', { scheme: 'basic', realm: 'Registry Realm' }],
    ['Basic', { scheme: 'basic' }],
    ['Bearer service="x"', undefined],
    ['Negotiate abc', undefined],
    ['', undefined],
    [null, undefined],
  ])('%s', (header, expected) => {
    expect(parseAuthChallenge(header)).toEqual(expected);
  });
});

describe('registryOrigin and blobUrl', () => {
  it.each([
    ['docker.io', [], 'https://registry-1.docker.io'],
    ['ghcr.io', [], 'https://ghcr.io'],
    ['localhost:5000', [], 'http://localhost:5000'],
    ['127.0.0.1:5000', [], 'http://127.0.0.1:5000'],
    ['127.8.9.10', [], 'http://127.8.9.10'],
    ['[::1]:5000', [], 'http://[::1]:5000'],
    ['registry.internal:5000', ['registry.internal:5000'], 'http://registry.internal:5000'],
    ['registry.internal:5000', ['registry.internal'], 'https://registry.internal:5000'],
    ['127.0.0.1.example.com', [], 'https://127.0.0.1.example.com'],
  ])('%s (insecure %j) → %s', (registry, insecure, origin) => {
    expect(registryOrigin(registry, insecure)).toBe(origin);
  });

  it('builds blob URLs', () => {
    expect(blobUrl('http://r:5000/', 'a/b', 'sha256:x')).toBe('http://r:5000/v2/a/b/blobs/sha256:x');
  });
});

describe('TokenCache', () => {
  it('keeps a token until the margin before it expires, 60 s by default', () => {
    const clock = { now: 0 };
    const cache = new TokenCache({ now: () => clock.now });
    cache.set('a', 't-a', 300);
    cache.set('b', 't-b');
    clock.now = 49_999;
    expect([cache.get('a'), cache.get('b')]).toEqual(['t-a', 't-b']);
    clock.now = 50_000;
    expect([cache.get('a'), cache.get('b')]).toEqual(['t-a', undefined]);
    clock.now = 290_000;
    expect(cache.get('a')).toBeUndefined();
  });

  it('never takes more than half a short lifetime as margin', () => {
    const clock = { now: 0 };
    const cache = new TokenCache({ now: () => clock.now, marginMs: 10_000 });
    cache.set('a', 't', 4);
    clock.now = 1_999;
    expect(cache.get('a')).toBe('t');
    clock.now = 2_000;
    expect(cache.get('a')).toBeUndefined();
  });

  it('evicts expired, then oldest tokens beyond its size', () => {
    const clock = { now: 0 };
    const cache = new TokenCache({ now: () => clock.now, maxEntries: 2 });
    cache.set('short', 's', 20);
    cache.set('old', 'o', 300);
    clock.now = 15_000;
    cache.set('new', 'n', 300);
    expect([cache.get('short'), cache.get('old'), cache.get('new')]).toEqual([undefined, 'o', 'n']);
    cache.set('newer', 'x', 300);
    expect(cache.size).toBe(2);
    expect(cache.get('old')).toBeUndefined();
  });

  it('keys by origin, identity and scope, never by the password in clear', () => {
    const key = tokenCacheKey('https://r', CREDS, 'repository:a:pull');
    expect(key).not.toContain('pass');
    expect(key).toBe(`https://r ${credentialIdentity(CREDS)} repository:a:pull`);
    expect(credentialIdentity(undefined)).toBe('anonymous');
    expect(credentialIdentity({ username: 'user', password: 'other' })).not.toBe(credentialIdentity(CREDS));
  });
});

describe('RegistryClient: the Bearer flow', () => {
  it('answers a challenge with a token fetched with Basic credentials, then reuses it', async () => {
    const { registry, digest, client } = setup();
    const first = await client.getManifest('app', digest);
    expect(first.digest).toBe(digest);
    expect(first.document).toMatchObject({ kind: 'image', layers: [{ digest: sha256('l') }] });
    const [tokenCall] = registry.tokenCalls();
    expect(tokenCall?.url.searchParams.get('service')).toBe('registry.example');
    expect(tokenCall?.url.searchParams.getAll('scope')).toEqual(['repository:app:pull']);
    expect(tokenCall?.headers.get('authorization')).toBe(
      `Basic ${Buffer.from('user:pass').toString('base64')}`,
    );
    // Accepts every OCI and Docker v2 type, so the registry never converts to schema 1.
    const accept = registry.calls[0]?.headers.get('accept') ?? '';
    for (const type of Object.values(MANIFEST_MEDIA_TYPES)) expect(accept).toContain(type);

    await client.getManifest('app', digest);
    await client.getManifest('app', '1.0');
    expect(registry.tokenCalls()).toHaveLength(1);
    expect(registry.count((c) => c.url.pathname.includes('/manifests/'))).toBe(4); // one 401, three 200
  });

  it('asks a known realm directly for a new scope, without another 401', async () => {
    const { registry, client } = setup();
    const other = registry.putManifest('other', IMAGE_MANIFEST, MANIFEST_MEDIA_TYPES.ociManifest);
    await client.getManifest('app', '1.0');
    await client.getManifest('other', other);
    expect(registry.tokenCalls().map((c) => c.url.searchParams.get('scope'))).toEqual([
      'repository:app:pull',
      'repository:other:pull',
    ]);
    expect(registry.count((c) => c.url.pathname.startsWith('/v2/other/'))).toBe(1);
  });

  it('shares the realm and tokens between clients of one cache, but not between identities', async () => {
    const { registry, digest, tokens, client } = setup();
    await client.getManifest('app', digest);
    const same = new RegistryClient(registry.origin, CREDS, { fetch: registry.fetch, tokenCache: tokens });
    await same.getManifest('app', digest);
    expect(registry.tokenCalls()).toHaveLength(1);
    const other = new RegistryClient(
      registry.origin,
      { ...CREDS },
      {
        fetch: registry.fetch,
        tokenCache: tokens,
      },
    );
    await other.getManifest('app', digest);
    expect(registry.tokenCalls()).toHaveLength(1); // same identity: same cache entry
    const anonymous = new RegistryClient(registry.origin, undefined, {
      fetch: registry.fetch,
      tokenCache: tokens,
    });
    const refused = await failure(anonymous.getManifest('app', digest));
    expect(refused.kind).toBe('unauthorized');
    expect(registry.tokenCalls()).toHaveLength(2);
  });

  it('honours expires_in with a margin, and 60 s when absent', async () => {
    const clock = { now: 1_000_000 };
    const short = setup({ expiresIn: 30 }, clock);
    await short.client.getManifest('app', short.digest);
    clock.now += 19_000;
    await short.client.getManifest('app', short.digest);
    expect(short.registry.tokenCalls()).toHaveLength(1);
    clock.now += 1_000; // 20 s = 30 s − 10 s margin
    await short.client.getManifest('app', short.digest);
    expect(short.registry.tokenCalls()).toHaveLength(2);

    const unspecified = setup({}, clock);
    await unspecified.client.getManifest('app', unspecified.digest);
    clock.now += 49_000;
    await unspecified.client.getManifest('app', unspecified.digest);
    expect(unspecified.registry.tokenCalls()).toHaveLength(1);
    clock.now += 1_000;
    await unspecified.client.getManifest('app', unspecified.digest);
    expect(unspecified.registry.tokenCalls()).toHaveLength(2);
  });

  it('reads access_token, and fetches a new token when the registry rejects a cached one', async () => {
    const { registry, digest, client } = setup({ tokenField: 'access_token', expiresIn: 3600 });
    await client.getManifest('app', digest);
    registry.revokeTokens();
    await client.getManifest('app', digest);
    expect(registry.tokenCalls()).toHaveLength(2);
  });

  it('mints a fresh token for a third party, and a cached one on request', async () => {
    const { registry, client } = setup({ expiresIn: 3600 });
    const probeBlob = { repository: 'app', digest: 'sha256:abc', image: 'registry.example/app@sha256:def' };
    const first = await client.authorization('repository:app:pull', { fresh: true, probeBlob });
    expect(first).toBe('Bearer token-1');
    // The probe was a HEAD of the blob: an open registry would otherwise start sending the layer.
    expect(registry.calls[0]).toMatchObject({ method: 'HEAD' });
    expect(await client.authorization('repository:app:pull', { fresh: true })).toBe('Bearer token-2');
    expect(await client.authorization('repository:app:pull')).toBe('Bearer token-2');
    expect(await client.token('repository:app:pull')).toBe('token-2');
  });
});

describe('RegistryClient: Basic and open registries', () => {
  it('retries a Basic challenge with the credentials, then sends them up front', async () => {
    const { registry, digest, client } = setup({ auth: 'basic' });
    await client.getManifest('app', digest);
    await client.getManifest('app', digest);
    expect(registry.calls.map((c) => c.headers.has('authorization'))).toEqual([false, true, true]);
    expect(await client.authorization('repository:app:pull')).toBe(
      `Basic ${Buffer.from('user:pass').toString('base64')}`,
    );
    await expect(client.token('repository:app:pull')).rejects.toThrow(/does not ask for a Bearer token/);
  });

  it('without credentials a Basic registry is a 401 naming the missing imagePullSecret', async () => {
    const registry = fakeRegistry({ auth: 'basic' });
    const client = RegistryClient.forRegistry('registry.example', undefined, { fetch: registry.fetch });
    const err = await failure(client.getManifest('app', '1'));
    expect(err).toMatchObject({ kind: 'unauthorized', status: 401, registry: 'registry.example' });
    expect(err.message).toContain('missing imagePullSecret');
    expect(err.message).toContain('registry.example/app:1');
  });

  it('sends nothing to an open registry and needs no header for a third party', async () => {
    const { registry, digest, client } = setup({ auth: 'none' });
    await client.getManifest('app', digest);
    expect(registry.calls.every((c) => !c.headers.has('authorization'))).toBe(true);
    expect(await client.authorization('repository:app:pull', { fresh: true })).toBeUndefined();
    expect(registry.calls).toHaveLength(1);
  });
});

describe('RegistryClient: errors that say what to fix', () => {
  it('a wrong password: the token endpoint refuses, naming the pull secret', async () => {
    const registry = fakeRegistry();
    const client = RegistryClient.forRegistry(
      'registry.example',
      { username: 'user', password: 'wrong' },
      {
        fetch: registry.fetch,
      },
    );
    const err = await failure(client.getManifest('app', '1'));
    expect(err).toMatchObject({ kind: 'unauthorized', status: 401 });
    expect(err.message).toMatch(/answered 401.*bad credentials/);
    expect(err.message).toContain('the imagePullSecret for registry.example is wrong or expired');
    expect(err.transient).toBe(false);
  });

  it.each([
    [403, 'forbidden', /may not pull app/, false],
    [404, 'not-found', /does not have it/, false],
    [429, 'rate-limited', /rate-limits pulls/, true],
    [503, 'unavailable', /answered 503/, true],
    [418, 'protocol', /answered 418/, false],
  ] as const)('%i is %s', async (status, kind, message, transient) => {
    const { registry, client } = setup({ auth: 'none' });
    registry.override('/v2/app/manifests/1', () =>
      Response.json(
        { errors: [{ code: 'CODE', message: 'said the registry' }] },
        { status, headers: status === 429 ? { 'retry-after': '7' } : {} },
      ),
    );
    const err = await failure(client.getManifest('app', '1'));
    expect(err).toMatchObject({ kind, status, details: [{ code: 'CODE', message: 'said the registry' }] });
    expect(err.message).toMatch(message);
    expect(err.message).toContain('CODE said the registry');
    // The parts a sentence that names the image and gives its own advice uses: what happened, and the fix.
    expect(err.problem).toBe(
      `reading the manifest failed, registry answered ${status} (CODE said the registry)`,
    );
    expect(err.message).toBe(`registry.example/app:1: ${err.problem}${err.fix ? `: ${err.fix}` : ''}`);
    expect(err.transient).toBe(transient);
    if (status === 429) expect(err.retryAfterMs).toBe(7000);
  });

  it('an unreachable registry and a slow one', async () => {
    const unreachable = new RegistryClient('https://nowhere.example', undefined, {
      fetch: async () => {
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        });
      },
    });
    const err = await failure(unreachable.getManifest('app', '1'));
    expect(err).toMatchObject({ kind: 'unavailable' });
    expect(err.message).toContain('cannot reach registry nowhere.example');
    expect(err.message).toContain('ECONNREFUSED');

    const slow = new RegistryClient('https://slow.example', undefined, {
      timeoutMs: 20,
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    });
    const timeout = await failure(slow.getManifest('app', '1'));
    expect(timeout).toMatchObject({ kind: 'timeout' });
    expect(timeout.message).toMatch(/did not answer GET \/v2\/app\/manifests\/1 within 20 ms/);
  });

  it('a manifest whose bytes do not hash to the digest asked for', async () => {
    const { registry, client } = setup({ auth: 'none' });
    const claimed = sha256('something else');
    registry.putRawManifest(
      'app',
      claimed,
      Buffer.from(JSON.stringify(IMAGE_MANIFEST)),
      MANIFEST_MEDIA_TYPES.ociManifest,
    );
    const err = await failure(client.getManifest('app', claimed));
    expect(err).toMatchObject({ kind: 'protocol' });
    expect(err.message).toContain('whose digest is sha256:');
  });

  it('a schema 1 manifest, and one too large to be a manifest', async () => {
    const { registry, client } = setup({ auth: 'none' });
    registry.putManifest(
      'app',
      { schemaVersion: 1, fsLayers: [] },
      'application/vnd.docker.distribution.manifest.v1+prettyjws',
      'old',
    );
    await expect(client.getManifest('app', 'old')).rejects.toThrow(
      /schema 1 manifest, which is not supported/,
    );
    registry.override('/v2/app/manifests/huge', () => new Response('x'.repeat(5 * 1024 * 1024)));
    await expect(client.getManifest('app', 'huge')).rejects.toThrow(/more than the 4194304 bytes allowed/);
  });

  it('refuses to send credentials to a plain-http realm of an https registry', async () => {
    const registry = fakeRegistry({ realm: 'http://auth.example/token' });
    const client = RegistryClient.forRegistry('registry.example', CREDS, { fetch: registry.fetch });
    const err = await failure(client.getManifest('app', '1'));
    expect(err).toMatchObject({ kind: 'protocol' });
    expect(err.message).toMatch(/refusing to send credentials in clear text/);
    expect(registry.tokenCalls()).toHaveLength(0);
    // Allowed when the registry is itself listed as insecure.
    const insecure = RegistryClient.forRegistry('registry.example', CREDS, {
      fetch: (input, init) =>
        registry.fetch(String(input).replace('http://registry', 'https://registry'), init),
      insecureRegistries: ['registry.example'],
    });
    await expect(insecure.getManifest('app', '1')).rejects.toMatchObject({ kind: 'not-found' });
    expect(registry.tokenCalls()).toHaveLength(1);
  });
});

describe('fetchTokenGrant', () => {
  const challenge = {
    realm: 'https://auth.example/token',
    service: 'svc',
    scope: 'repository:a:pull repository:b:pull',
  };

  it('sends every scope of a challenge, and anonymous requests without a header', async () => {
    const seen: URL[] = [];
    let header: string | null = 'unset';
    const grant = await fetchTokenGrant(challenge, undefined, {
      fetch: async (input, init) => {
        seen.push(new URL(String(input)));
        header = new Headers(init?.headers).get('authorization');
        return Response.json({ token: 't', expires_in: 120 });
      },
    });
    expect(grant).toEqual({ token: 't', expiresInSeconds: 120 });
    expect(seen[0]?.searchParams.getAll('scope')).toEqual(['repository:a:pull', 'repository:b:pull']);
    expect(header).toBeNull();
  });

  it.each([
    ['no token', () => Response.json({ expires_in: 1 }), /answered without a token/],
    ['not JSON', () => new Response('<html>'), /not JSON/],
    [
      'an anonymous 401',
      () => new Response('', { status: 401 }),
      /requires a login: add an imagePullSecret for auth.example/,
    ],
    ['a 500', () => new Response('down', { status: 500 }), /answered 500: down/],
  ])('refuses %s', async (_what, respond, message) => {
    await expect(fetchTokenGrant(challenge, undefined, { fetch: async () => respond() })).rejects.toThrow(
      message,
    );
  });
});
