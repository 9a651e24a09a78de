/**
 * An in-memory registry behind a fake `fetch`, for unit tests of the registry client: Bearer (with a token
 * endpoint on another host), Basic or no authentication, manifests and blobs by digest or tag, and every
 * request recorded. The integration tests use the real registry; this one makes failures and clocks easy.
 */
import { createHash } from 'node:crypto';
import type { FetchLike } from '../http.js';

/** A recorded request. */
export interface Call {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
}

/** Options of {@link fakeRegistry}. */
export interface FakeRegistryOptions {
  readonly origin?: string;
  readonly auth?: 'bearer' | 'basic' | 'none';
  readonly username?: string;
  readonly password?: string;
  /** `expires_in` of issued tokens; `undefined` leaves the field out. */
  readonly expiresIn?: number;
  /** Which field carries the token. */
  readonly tokenField?: 'token' | 'access_token';
  /** Where tokens come from; default `https://auth.example/token`. */
  readonly realm?: string;
}

/** The `sha256:<hex>` digest of `bytes`, as registries name blobs and manifests. */
export const sha256 = (bytes: Uint8Array | string) =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A fake registry; `fetch` is what the client gets. */
export function fakeRegistry(options: FakeRegistryOptions = {}) {
  const origin = options.origin ?? 'https://registry.example';
  const realm = options.realm ?? 'https://auth.example/token';
  const auth = options.auth ?? 'bearer';
  const username = options.username ?? 'user';
  const password = options.password ?? 'pass';
  const calls: Call[] = [];
  const tokens = new Set<string>();
  let issued = 0;
  const manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  const blobs = new Map<string, Buffer>();
  /** Status overrides for paths, e.g. to simulate 429 or 500. */
  const overrides = new Map<string, () => Response>();

  const basicOk = (header: string | null) =>
    header === `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;

  const fetchFn: FetchLike = async (input, init = {}) => {
    const url = new URL(String(input));
    const headers = new Headers(init.headers);
    const method = init.method ?? 'GET';
    calls.push({ method, url, headers });
    init.signal?.throwIfAborted();
    const override = overrides.get(url.pathname);
    if (override) return override();

    if (`${url.origin}${url.pathname}` === realm) {
      if (!basicOk(headers.get('authorization'))) {
        return Response.json(
          { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] },
          { status: 401 },
        );
      }
      const token = `token-${++issued}`;
      tokens.add(token);
      return Response.json({
        [options.tokenField ?? 'token']: token,
        ...(options.expiresIn !== undefined ? { expires_in: options.expiresIn } : {}),
      });
    }
    if (url.origin !== origin) throw new TypeError(`fetch failed: no route to ${url.origin}`);

    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url.pathname);
    const scope = m ? `repository:${m[1]}:pull` : undefined;
    const authHeader = headers.get('authorization');
    if (auth === 'bearer') {
      const token = /^Bearer (.+)$/.exec(authHeader ?? '')?.[1];
      if (!token || !tokens.has(token)) {
        const params = [`realm="${realm}"`, 'service="registry.example"'];
        if (scope) params.push(`scope="${scope}"`);
        if (token) params.push('error="invalid_token"');
        return new Response(
          JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
          {
            status: 401,
            headers: { 'www-authenticate': `Bearer ${params.join(',')}`, 'content-type': 'application/json' },
          },
        );
      }
    } else if (auth === 'basic' && !basicOk(authHeader)) {
      return new Response('', { status: 401, headers: { 'www-authenticate': 'Basic realm="registry"' } });
    }
    if (url.pathname === '/v2/') return new Response('{}', { status: 200 });
    if (!m) return new Response('', { status: 404 });
    const [, repository, kind, reference] = m;
    if (kind === 'manifests') {
      const found = manifests.get(`${repository}@${reference}`);
      if (!found) {
        return Response.json(
          { errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] },
          { status: 404 },
        );
      }
      return new Response(method === 'HEAD' ? null : new Uint8Array(found.bytes), {
        status: 200,
        headers: { 'content-type': found.mediaType, 'docker-content-digest': sha256(found.bytes) },
      });
    }
    const blob = blobs.get(reference ?? '');
    if (!blob)
      return Response.json({ errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown' }] }, { status: 404 });
    return new Response(method === 'HEAD' ? null : new Uint8Array(blob), { status: 200 });
  };

  return {
    origin,
    realm,
    fetch: fetchFn,
    calls,
    /** Stores a manifest under its digest (and `tag`), returning the digest. */
    putManifest(repository: string, document: unknown, mediaType: string, tag?: string): string {
      const bytes = Buffer.from(JSON.stringify(document));
      const digest = sha256(bytes);
      manifests.set(`${repository}@${digest}`, { bytes, mediaType });
      if (tag) manifests.set(`${repository}@${tag}`, { bytes, mediaType });
      return digest;
    },
    /** Stores raw manifest bytes under a digest that need not match (to test verification). */
    putRawManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): void {
      manifests.set(`${repository}@${reference}`, { bytes, mediaType });
    },
    /** Stores a blob under its digest, returning the digest. */
    putBlob(bytes: Buffer): string {
      const digest = sha256(bytes);
      blobs.set(digest, bytes);
      return digest;
    },
    /** Answers `path` with `respond()` from now on. */
    override(path: string, respond: () => Response): void {
      overrides.set(path, respond);
    },
    /** Invalidates every issued token. */
    revokeTokens(): void {
      tokens.clear();
    },
    /** How many requests so far `filter` accepts. */
    count(filter: (call: Call) => boolean): number {
      return calls.filter(filter).length;
    },
    /** The requests so far to the token endpoint. */
    tokenCalls(): Call[] {
      return calls.filter((c) => `${c.url.origin}${c.url.pathname}` === realm);
    },
  };
}
