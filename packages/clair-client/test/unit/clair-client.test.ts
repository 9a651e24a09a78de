import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ClairManifest, IndexReport } from '../../src/api-types.js';
import { ClairClient } from '../../src/clair-client.js';
import { ClairError, ClairIndexError, layerFetchStatus } from '../../src/clair-error.js';
import { decodePskKey, InvalidPskKeyError, mintClairToken } from '../../src/jwt.js';
import { buildClairManifest } from '../../src/manifest.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
const DIGEST = `sha256:${'c'.repeat(64)}`;
const LAYER = `sha256:${'1'.repeat(64)}`;
const MANIFEST: ClairManifest = {
  hash: DIGEST,
  layers: [
    { hash: LAYER, uri: 'https://r/v2/a/blobs/x', headers: { Authorization: ['Bearer t'] }, media_type: 'x' },
  ],
};
const REPORT: IndexReport = {
  manifest_hash: DIGEST,
  state: 'IndexFinished',
  success: true,
  err: '',
  packages: { '1': { id: '1', name: 'bash', version: '5' } },
  distributions: {},
  repository: {},
  environments: null,
};

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body?: string;
}

/** A client whose fetch answers with `respond` and records each request. */
function clientWith(
  respond: (req: Seen) => Response,
  options: Partial<ConstructorParameters<typeof ClairClient>[0]> = {},
) {
  const seen: Seen[] = [];
  const client = new ClairClient({
    url: 'http://clair:6060/',
    auth: { key: KEY, issuer: 'nimbus' },
    fetch: async (input, init = {}) => {
      const req = {
        method: init.method ?? 'GET',
        url: String(input),
        headers: new Headers(init.headers),
        ...(typeof init.body === 'string' ? { body: init.body } : {}),
      };
      seen.push(req);
      return respond(req);
    },
    ...options,
  });
  return { client, seen };
}

const clairError = (status: number, message: string, headers: Record<string, string> = {}) =>
  Response.json({ code: 'some-code', message }, { status, headers });

async function failure(promise: Promise<unknown>): Promise<ClairError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ClairError);
  return err as ClairError;
}

function claims(authorization: string | null): Record<string, unknown> {
  const [header, payload, signature] = (authorization ?? '').replace(/^Bearer /, '').split('.');
  const expected = createHmac('sha256', decodePskKey(KEY)).update(`${header}.${payload}`).digest('base64url');
  expect(signature).toBe(expected);
  return JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
}

describe('mintClairToken and decodePskKey', () => {
  it('signs with the decoded key, with the configured lifetime', () => {
    const token = mintClairToken(KEY, 'nimbus', { now: 1000, ttlSeconds: 300 });
    expect(claims(`Bearer ${token}`)).toEqual({ iss: 'nimbus', iat: 1000, nbf: 940, exp: 1300 });
  });

  it.each([
    ['', /is empty/],
    ['   ', /is empty/],
    ['not base64!', /not standard padded base64/],
    ['YWJj ZA==', /not standard padded base64/],
    ['YWJjZA', /not standard padded base64/],
    ['YWJjZA-_', /not standard padded base64/],
  ])('refuses the key %j', (key, message) => {
    expect(() => mintClairToken(key, 'x')).toThrow(InvalidPskKeyError);
    expect(() => mintClairToken(key, 'x')).toThrow(message);
  });

  it('fails at construction for a key Clair would refuse', () => {
    expect(() => new ClairClient({ url: 'http://c', auth: { key: 'nope!', issuer: 'x' } })).toThrow(
      InvalidPskKeyError,
    );
  });
});

describe('ClairClient.index', () => {
  it('POSTs the manifest as JSON with a fresh JWT and returns the report', async () => {
    const { client, seen } = clientWith(() => Response.json(REPORT, { status: 201 }), {
      indexerUrl: 'http://indexer:6060',
    });
    expect(await client.index(MANIFEST)).toEqual(REPORT);
    expect(seen[0]).toMatchObject({ method: 'POST', url: 'http://indexer:6060/indexer/api/v1/index_report' });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual(MANIFEST);
    expect(seen[0]?.headers.get('content-type')).toBe('application/json');
    const c = claims(seen[0]?.headers.get('authorization') ?? null);
    expect(c.iss).toBe('nimbus');
    expect(Number(c.exp) - Number(c.iat)).toBe(60);
    expect(Number(c.iat) - Number(c.nbf)).toBe(60);
  });

  it('refuses a manifest without layers before Clair calls it bogus', async () => {
    const { client, seen } = clientWith(() => Response.json(REPORT, { status: 201 }));
    await expect(client.index({ hash: DIGEST, layers: [] })).rejects.toMatchObject({ kind: 'bad-request' });
    expect(seen).toHaveLength(0);
  });

  it('turns a failed report into a ClairIndexError carrying Clair’s err', async () => {
    const failed = {
      ...REPORT,
      state: 'IndexError',
      success: false,
      err: 'failed to fetch layers: fetcher: encountered errors: unexpected status code: 401 Unauthorized',
    };
    const { client } = clientWith(() => Response.json(failed, { status: 201 }));
    const err = await failure(client.index(MANIFEST));
    expect(err).toBeInstanceOf(ClairIndexError);
    expect(err).toMatchObject({
      kind: 'index-failed',
      layerStatus: 401,
      clairMessage: failed.err,
      retryable: true,
    });
    expect((err as ClairIndexError).report).toEqual(failed);
    expect(err.message).toContain(
      `Clair could not index ${DIGEST} (state IndexError): failed to fetch layers`,
    );
  });

  it.each([
    [400, 'bogus manifest', {}, 'bad-request', undefined, undefined, false],
    [401, 'unauthorized', {}, 'unauthorized', undefined, undefined, false],
    [429, 'too many requests', {}, 'too-many-requests', 1000, undefined, true],
    [429, 'too many requests', { 'retry-after': '5' }, 'too-many-requests', 5000, undefined, true],
    [
      500,
      'indexer: failed to fetch layers: fetcher: unexpected status code: 401 Unauthorized',
      {},
      'layer-fetch',
      undefined,
      401,
      true,
    ],
    [500, 'failed to fetch layers: 404 Not Found', {}, 'layer-fetch', undefined, 404, false],
    [500, 'failed to fetch layers: unexpected status code: 502', {}, 'layer-fetch', undefined, 502, true],
    [500, 'database is down', {}, 'server', undefined, undefined, true],
    [503, 'draining', { 'retry-after': '30' }, 'server', 30_000, undefined, true],
    [415, 'unsupported media type', {}, 'protocol', undefined, undefined, false],
  ] as const)(
    'maps %i "%s" to a typed error',
    async (status, message, headers, kind, retryAfterMs, layerStatus, retryable) => {
      const { client } = clientWith(() => clairError(status, message, headers));
      const err = await failure(client.index(MANIFEST));
      expect(err).toMatchObject({ kind, status, clairMessage: message, code: 'some-code', retryable });
      expect(err.retryAfterMs).toBe(retryAfterMs);
      expect(err.layerStatus).toBe(layerStatus);
      expect(err.operation).toBe('POST /indexer/api/v1/index_report');
      expect(err.message).toContain(`Clair answered ${status}: ${message}`);
    },
  );

  it('explains a 401 by the key and issuer', async () => {
    const { client } = clientWith(() => clairError(401, 'unauthorized'));
    expect((await failure(client.index(MANIFEST))).message).toContain('"nimbus" is in auth.psk.iss');
  });

  it('keeps a non-JSON error body as the message', async () => {
    const { client } = clientWith(() => new Response('bad gateway from the proxy', { status: 502 }));
    const err = await failure(client.index(MANIFEST));
    expect(err).toMatchObject({ kind: 'server', status: 502, clairMessage: 'bad gateway from the proxy' });
  });

  it('uses the long index timeout for the POST only', async () => {
    const client = new ClairClient({
      url: 'http://clair',
      timeoutMs: 10,
      indexTimeoutMs: 30,
      fetch: (_input, init) =>
        new Promise((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
        }),
    });
    const index = await failure(client.index(MANIFEST));
    expect(index).toMatchObject({ kind: 'timeout', retryable: true });
    expect(index.message).toContain('did not answer within 30 ms');
    const state = await failure(client.indexState());
    expect(state.message).toContain('did not answer within 10 ms');
  });

  it('reports an unreachable Clair', async () => {
    const client = new ClairClient({
      url: 'http://clair',
      fetch: async () => {
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('getaddrinfo ENOTFOUND clair'), { code: 'ENOTFOUND' }),
        });
      },
    });
    const err = await failure(client.indexState());
    expect(err).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(err.message).toContain('cannot reach Clair at http://clair: getaddrinfo ENOTFOUND clair');
  });

  it('says so when a report is cut short', async () => {
    const { client } = clientWith(() => new Response('{"manifest_hash": "sha256:', { status: 201 }));
    await expect(client.index(MANIFEST)).rejects.toMatchObject({
      kind: 'protocol',
      message: expect.stringMatching(/not complete JSON/),
    });
  });
});

describe('ClairClient reads', () => {
  it('gets an index report, or undefined for 404', async () => {
    const { client, seen } = clientWith((req) =>
      req.url.endsWith(DIGEST) ? Response.json(REPORT) : new Response('', { status: 404 }),
    );
    expect(await client.indexReport(DIGEST)).toEqual(REPORT);
    expect(seen[0]?.url).toBe(`http://clair:6060/indexer/api/v1/index_report/${DIGEST}`);
    expect(await client.indexReport(`sha256:${'d'.repeat(64)}`)).toBeUndefined();
  });

  it('deletes an index report', async () => {
    const { client, seen } = clientWith(() => new Response(null, { status: 204 }));
    await client.deleteIndexReport(DIGEST);
    expect(seen[0]).toMatchObject({
      method: 'DELETE',
      url: `http://clair:6060/indexer/api/v1/index_report/${DIGEST}`,
    });
  });

  it('reads the index state', async () => {
    const { client } = clientWith(() =>
      Response.json({ state: 'abc123' }, { headers: { etag: '"abc123"' } }),
    );
    expect(await client.indexState()).toBe('abc123');
    const { client: broken } = clientWith(() => Response.json({}));
    await expect(broken.indexState()).rejects.toMatchObject({ kind: 'protocol' });
  });

  it.each([
    [200, { kind: 'ready', report: { manifest_hash: DIGEST }, maxAgeSeconds: 21600 }],
    [201, { kind: 'ready', report: { manifest_hash: DIGEST }, maxAgeSeconds: 21600 }],
    [202, { kind: 'not-ready' }],
    [404, { kind: 'not-indexed' }],
  ])('a vulnerability report answered %i', async (status, expected) => {
    const { client, seen } = clientWith(
      () =>
        status === 200 || status === 201
          ? Response.json(
              { manifest_hash: DIGEST },
              { status, headers: { 'cache-control': 'public, max-age=21600' } },
            )
          : new Response(null, { status }),
      { matcherUrl: 'http://matcher' },
    );
    expect(await client.vulnerabilityReport(DIGEST)).toEqual(expected);
    expect(seen[0]?.url).toBe(`http://matcher/matcher/api/v1/vulnerability_report/${DIGEST}`);
  });

  it('a vulnerability report without Cache-Control, and a failing matcher', async () => {
    const { client } = clientWith(() => Response.json({ manifest_hash: DIGEST }));
    expect(await client.vulnerabilityReport(DIGEST)).toEqual({
      kind: 'ready',
      report: { manifest_hash: DIGEST },
    });
    const { client: failing } = clientWith(() => clairError(500, 'matcher broke'));
    await expect(failing.vulnerabilityReport(DIGEST)).rejects.toMatchObject({ kind: 'server', status: 500 });
  });

  it('refuses anything but digests and UUIDs in paths', async () => {
    const { client, seen } = clientWith(() => Response.json({}));
    await expect(client.indexReport('sha256:../../x')).rejects.toThrow(TypeError);
    await expect(client.vulnerabilityReport(`sha256:${'C'.repeat(64)}`)).rejects.toThrow(
      /not a sha256 or sha512/,
    );
    await expect(client.notificationPage('x/../y')).rejects.toThrow(/not a notification ID/);
    await expect(
      client.notificationPage('00000000-0000-4000-8000-000000000000', { next: 'zz' }),
    ).rejects.toThrow(/"zz" is not a notification ID/);
    expect(seen).toHaveLength(0);
  });
});

describe('ClairClient notifications', () => {
  const ID = '6e4b4e36-5e3b-4a4c-9a1b-1f1f1f1f1f1f';
  const NEXT = '7e4b4e36-5e3b-4a4c-9a1b-1f1f1f1f1f1f';
  const notification = {
    id: NEXT,
    manifest: DIGEST,
    reason: 'added',
    vulnerability: {
      name: 'CVE-1',
      description: '',
      severity: 'High',
      fixed_in_version: '1.1',
      links: '',
    },
  };

  it('pages with page_size and next', async () => {
    const { client, seen } = clientWith(
      (req) =>
        req.url.includes('next=')
          ? Response.json({ page: { size: 1 }, notifications: null })
          : Response.json({ page: { size: 1, next: NEXT }, notifications: [notification] }),
      { notifierUrl: 'http://notifier' },
    );
    const first = await client.notificationPage(ID, { pageSize: 1 });
    expect(first).toEqual({ page: { size: 1, next: NEXT }, notifications: [notification] });
    const last = await client.notificationPage(ID, { pageSize: 1, next: NEXT });
    expect(last).toEqual({ page: { size: 1 }, notifications: [] });
    expect(seen.map((s) => s.url)).toEqual([
      `http://notifier/notifier/api/v1/notification/${ID}?page_size=1`,
      `http://notifier/notifier/api/v1/notification/${ID}?page_size=1&next=${NEXT}`,
    ]);
    await expect(
      clientWith(() => Response.json({ notifications: [] })).client.notificationPage(ID),
    ).rejects.toMatchObject({
      kind: 'protocol',
    });
  });

  it('acknowledges with DELETE', async () => {
    const { client, seen } = clientWith(() => new Response(null, { status: 200 }));
    await client.deleteNotification(ID);
    expect(seen[0]).toMatchObject({
      method: 'DELETE',
      url: `http://clair:6060/notifier/api/v1/notification/${ID}`,
    });
    const { client: failing } = clientWith(() => clairError(500, 'no receipt exists for notification id'));
    await expect(failing.deleteNotification(ID)).rejects.toMatchObject({ kind: 'server', status: 500 });
  });

  it('sends no Authorization without PSK auth', async () => {
    const seen: Headers[] = [];
    const open = new ClairClient({
      url: 'http://c',
      fetch: async (_input, init) => {
        seen.push(new Headers(init?.headers));
        return new Response(null, { status: 200 });
      },
    });
    await open.deleteNotification(ID);
    expect(seen[0]?.has('authorization')).toBe(false);
  });
});

describe('layerFetchStatus', () => {
  it.each([
    [
      // Clair v4.9.0's 500 message for a registry that refused a layer.
      'failed to start scan: failed to fetch layers: fetcher: encountered errors: unexpected status code: 401 Unauthorized (body starts: "{\\"errors\\":[{\\"code\\":\\"UNAUTHORIZED\\"}]}")',
      401,
    ],
    ['failed to fetch layers: unexpected status code: 401 Unauthorized', 401],
    ['fetcher: 403 Forbidden (body starts: "denied")', 403],
    ['failed to fetch layers: unexpected status code: 502', 502],
    ['database connection refused', undefined],
    ['failed to fetch layers: connection reset', undefined],
    [undefined, undefined],
  ])('%j → %j', (message, status) => {
    expect(layerFetchStatus(message)).toBe(status);
  });
});

describe('buildClairManifest', () => {
  const image = {
    manifestDigest: DIGEST,
    layers: [
      { digest: LAYER, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: 1 },
      {
        digest: `sha256:${'2'.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd',
        size: 2,
      },
    ],
  };
  const access = image.layers.map((l) => ({
    digest: l.digest,
    mediaType: l.mediaType,
    uri: `https://r/v2/a/blobs/${l.digest}`,
    headers: { Authorization: ['Bearer t'] },
  }));

  it('keys on the manifest digest and keeps the layer order', () => {
    expect(buildClairManifest(image, [...access].reverse())).toEqual({
      hash: DIGEST,
      layers: image.layers.map((l) => ({
        hash: l.digest,
        uri: `https://r/v2/a/blobs/${l.digest}`,
        headers: { Authorization: ['Bearer t'] },
        media_type: l.mediaType,
      })),
    });
  });

  it('refuses an image without layers or a layer without access', () => {
    expect(() => buildClairManifest({ ...image, layers: [] }, [])).toThrow(/has no layers/);
    expect(() => buildClairManifest(image, access.slice(0, 1))).toThrow(/no access to layer sha256:2222/);
  });
});
