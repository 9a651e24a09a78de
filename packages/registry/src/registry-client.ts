/**
 * A client for one registry and one identity, speaking the OCI distribution API with the authentication
 * real registries use: anonymous first, then whatever the 401 challenge asks for — a Bearer token from the
 * challenge's realm (cached per scope until shortly before it expires) or HTTP Basic.
 */
import { createHash } from 'node:crypto';
import { type AuthChallenge, parseAuthChallenge } from './auth-challenge.js';
import type { RegistryCredentials } from './credentials.js';
import {
  type FetchLike,
  isLoopbackHost,
  isTimeoutError,
  networkErrorText,
  parseRetryAfter,
  readLimited,
  readTextForMessage,
} from './http.js';
import { registryApiHost } from './image-reference.js';
import { MANIFEST_ACCEPT, type ManifestDocument, parseManifest } from './manifest-document.js';
import {
  parseRegistryErrors,
  RegistryError,
  type RegistryErrorDetail,
  type RegistryErrorKind,
} from './registry-error.js';
import { fetchTokenGrant } from './registry-token.js';
import { TokenCache, tokenCacheKey } from './token-cache.js';

export type { RegistryCredentials } from './credentials.js';

/** Options of one {@link RegistryClient.request}. */
export interface RegistryRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
}

/** Options of a {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** The registry's name in messages, e.g. `docker.io` for `https://registry-1.docker.io`; default the host. */
  readonly registry?: string;
  /** Share tokens between clients; default a cache of this client's own. */
  readonly tokenCache?: TokenCache;
  /** Abort each request (and token fetch) after this long; default 30 s. */
  readonly timeoutMs?: number;
  /** Default the global `fetch`. */
  readonly fetch?: FetchLike;
  /**
   * The registry is deliberately reached over plain http (it is listed as insecure): credentials may then
   * also go to a plain-http token realm. Loopback registries are always allowed this.
   */
  readonly insecure?: boolean;
}

/** Options of {@link RegistryClient.forRegistry}. */
export interface ForRegistryOptions extends Omit<RegistryClientOptions, 'registry' | 'insecure'> {
  /** Registries (`host[:port]`) reached over plain http. Loopback registries always are. */
  readonly insecureRegistries?: readonly string[];
}

/** A manifest as fetched: its bytes, the digest they hash to, and the parsed document. */
export interface FetchedManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly bytes: Buffer;
  readonly document: ManifestDocument;
}

/** Options of {@link RegistryClient.authorization}. */
export interface AuthorizationOptions {
  /** Fetch a new token even when a cached one is still valid, for a consumer that needs the full lifetime. */
  readonly fresh?: boolean;
  /**
   * A blob to HEAD when the registry's authentication is not known yet: a layer of the image at hand is more
   * faithful than `/v2/`, which some registries serve openly while guarding repositories, and a blob that is
   * missing is reported as such, naming `image`. Default: GET `/v2/`.
   */
  readonly probeBlob?: {
    readonly repository: string;
    readonly digest: string;
    /** The image the blob belongs to, for messages, e.g. `ghcr.io/org/app@sha256:…`. */
    readonly image: string;
  };
}

/** The OCI spec asks registries to serve manifests up to 4 MiB; nothing larger is read. */
const MANIFEST_LIMIT = 4 * 1024 * 1024;

/**
 * The origin of a registry's API: `https://` and the API host (`docker.io` → `registry-1.docker.io`), or
 * `http://` for loopback registries and those listed as insecure.
 */
export function registryOrigin(registry: string, insecureRegistries: readonly string[] = []): string {
  const plain = isLoopbackHost(registry) || insecureRegistries.includes(registry);
  return `${plain ? 'http' : 'https'}://${registryApiHost(registry)}`;
}

/** `sha256:<hex>` (or sha384/sha512 when `like` uses them) of `bytes`. */
function digestOf(bytes: Uint8Array, like = 'sha256:'): string {
  const algorithm = like.split(':')[0] ?? 'sha256';
  const known = algorithm === 'sha384' || algorithm === 'sha512' ? algorithm : 'sha256';
  return `${known}:${createHash(known).update(bytes).digest('hex')}`;
}

/** The `Authorization` header to send (none when absent), and the cache key of the token in it. */
type Authorization = { readonly header?: string; readonly cacheKey?: string };

/**
 * A client for one registry origin and one identity. Safe to share between concurrent callers; tokens
 * are cached per scope (in the `tokenCache` of {@link RegistryClientOptions}, which clients may share), and
 * the challenge's realm is remembered so a new scope costs one token request instead of a 401 and a token
 * request.
 */
export class RegistryClient {
  /** The registry's name in messages. */
  readonly registry: string;
  private readonly tokens: TokenCache;
  private readonly timeoutMs: number;
  private readonly fetchFn: FetchLike;
  private readonly insecure: boolean;
  /** The last challenge the registry sent; `none` once an unauthenticated request succeeded. */
  private challenge: AuthChallenge | 'none' | undefined;

  /**
   * @param baseUrl - the registry origin, e.g. `https://ghcr.io` or `http://127.0.0.1:5000`; see
   * {@link registryOrigin} and {@link RegistryClient.forRegistry}.
   * @param credentials - from the pull secret; anonymous when absent.
   */
  constructor(
    readonly baseUrl: string,
    private readonly credentials?: RegistryCredentials,
    options: RegistryClientOptions = {},
  ) {
    const url = new URL(baseUrl);
    this.registry = options.registry ?? url.host;
    this.tokens = options.tokenCache ?? new TokenCache();
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.insecure = options.insecure ?? false;
  }

  /** A client for a registry named in an image reference (`docker.io`, `ghcr.io`, `localhost:5000`, …). */
  static forRegistry(
    registry: string,
    credentials?: RegistryCredentials,
    options: ForRegistryOptions = {},
  ): RegistryClient {
    const { insecureRegistries = [], ...rest } = options;
    return new RegistryClient(registryOrigin(registry, insecureRegistries), credentials, {
      ...rest,
      registry,
      insecure: insecureRegistries.includes(registry),
    });
  }

  /** Whether this client sends credentials (for messages). */
  get authenticated(): boolean {
    return this.credentials !== undefined;
  }

  /**
   * Sends a request, authenticating on demand: with a cached token (or Basic credentials) when the
   * registry is known to need one, otherwise anonymously; on a 401 with a challenge it authenticates as
   * asked and retries once. The caller checks the status; only transport failures throw.
   *
   * @param path - absolute path, e.g. `/v2/app/manifests/1`, or a full URL such as an upload `Location`.
   * @param scope - the token scope the request needs, e.g. `repository:app:pull`; tokens are cached by it.
   * @throws {@link RegistryError} `timeout` or `unavailable` when the registry cannot be reached, and the
   * token endpoint's errors (see {@link fetchRegistryToken}).
   */
  async request(path: string, scope: string, init: RegistryRequest = {}): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    const before = await this.knownAuthorization(scope, false);
    const first = await this.send(url, init, before.header);
    if (first.status !== 401) {
      if (first.ok && before.header === undefined && this.challenge === undefined) this.challenge = 'none';
      return first;
    }
    const challenge = parseAuthChallenge(first.headers.get('www-authenticate'));
    if (!challenge) return first;
    this.rememberChallenge(challenge);
    if (before.cacheKey) this.tokens.delete(before.cacheKey);
    const retry = await this.authorize(challenge, scope, true);
    // Nothing new to offer (Basic without credentials, or the same Basic header again): the 401 stands.
    if (retry.header === undefined || retry.header === before.header) return first;
    await first.body?.cancel();
    return this.send(url, init, retry.header);
  }

  /**
   * A Bearer token for `scope`, from the cache or the registry's token endpoint (found by challenging
   * `GET /v2/` when not known yet).
   *
   * @throws an `Error` when the registry does not use Bearer tokens, or {@link RegistryError} from the
   * token endpoint.
   */
  async token(scope: string): Promise<string> {
    const auth = await this.authorization(scope);
    const token = /^Bearer (.+)$/.exec(auth ?? '')?.[1];
    if (!token) throw new Error(`${this.baseUrl} does not ask for a Bearer token`);
    return token;
  }

  /**
   * The `Authorization` header a third party (Clair) needs to GET from this registry within `scope`:
   * `Bearer <token>`, `Basic <credentials>`, or `undefined` when the registry serves it anonymously. When
   * the registry's authentication is not known yet, `probePath` is requested once to find out.
   */
  async authorization(scope: string, options: AuthorizationOptions = {}): Promise<string | undefined> {
    if (this.challenge === undefined) this.challenge = this.tokens.realm(this.baseUrl);
    if (this.challenge === undefined) {
      const blob = options.probeBlob;
      // HEAD for a blob: an open registry would otherwise start sending the whole layer.
      const probe = await this.send(
        new URL(blob ? `/v2/${blob.repository}/blobs/${blob.digest}` : '/v2/', this.baseUrl),
        { method: blob ? 'HEAD' : 'GET' },
      );
      const challenge =
        probe.status === 401 ? parseAuthChallenge(probe.headers.get('www-authenticate')) : undefined;
      if (challenge) this.rememberChallenge(challenge);
      else if (probe.ok) this.challenge = 'none';
      else if (blob) throw await this.blobFailure(probe, blob);
      else throw await this.failure(probe, this.registry, 'probing authentication', '');
      await probe.body?.cancel();
    }
    if (this.challenge === 'none' || this.challenge === undefined) return undefined;
    return (await this.authorize(this.challenge, scope, options.fresh ?? false)).header;
  }

  /**
   * GETs a manifest by tag or digest, accepting OCI and Docker v2 indexes and image manifests, and checks
   * that the bytes hash to the digest asked for.
   *
   * @param image - how to name the image in errors; default `registry/repository:reference`.
   * @throws {@link RegistryError} with a message naming the image and the fix (401: missing or wrong
   * imagePullSecret; 404: the image is not in the registry; …).
   */
  async getManifest(repository: string, reference: string, image?: string): Promise<FetchedManifest> {
    const isDigest = reference.includes(':');
    const name = image ?? `${this.registry}/${repository}${isDigest ? '@' : ':'}${reference}`;
    const res = await this.request(`/v2/${repository}/manifests/${reference}`, pullScope(repository), {
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (res.status !== 200) throw await this.failure(res, name, 'reading the manifest', repository);
    let bytes: Buffer;
    try {
      bytes = await readLimited(res, MANIFEST_LIMIT);
    } catch (err) {
      throw new RegistryError(`${name}: ${(err as Error).message}`, {
        kind: 'protocol',
        registry: this.registry,
        image: name,
        cause: err,
      });
    }
    const digest = digestOf(bytes, isDigest ? reference : undefined);
    if (isDigest && digest !== reference) {
      throw new RegistryError(`${name}: the registry served a manifest whose digest is ${digest}`, {
        kind: 'protocol',
        registry: this.registry,
        image: name,
      });
    }
    try {
      const document = parseManifest(bytes, res.headers.get('content-type'));
      return { digest, mediaType: document.mediaType, bytes, document };
    } catch (err) {
      throw new RegistryError(`${name}: ${(err as Error).message}`, {
        kind: 'protocol',
        registry: this.registry,
        image: name,
        cause: err,
      });
    }
  }

  /**
   * GETs a small blob (an image config) by digest, following redirects, and checks its digest.
   *
   * @throws {@link RegistryError} as {@link getManifest}, and `protocol` when larger than `limit`.
   */
  async getBlob(repository: string, digest: string, limit = MANIFEST_LIMIT): Promise<Buffer> {
    const name = `${this.registry}/${repository}@${digest}`;
    const res = await this.request(`/v2/${repository}/blobs/${digest}`, pullScope(repository));
    if (res.status !== 200) throw await this.failure(res, name, 'reading a blob', repository);
    let bytes: Buffer;
    try {
      bytes = await readLimited(res, limit);
    } catch (err) {
      throw new RegistryError(`${name}: ${(err as Error).message}`, {
        kind: 'protocol',
        registry: this.registry,
        image: name,
        cause: err,
      });
    }
    if (digestOf(bytes, digest) !== digest) {
      throw new RegistryError(`${name}: the registry served a blob with another digest`, {
        kind: 'protocol',
        registry: this.registry,
        image: name,
      });
    }
    return bytes;
  }

  /** Where a third party GETs a blob of this registry. */
  blobUrl(repository: string, digest: string): string {
    return blobUrl(this.baseUrl, repository, digest);
  }

  /**
   * Remembers how the registry authenticates, without the challenge's scope and error: those belong to
   * the request that was refused, not to the next one.
   */
  private rememberChallenge(challenge: AuthChallenge): void {
    if (challenge.scheme === 'basic') {
      this.challenge = challenge;
      return;
    }
    const realm = {
      scheme: challenge.scheme,
      realm: challenge.realm,
      ...(challenge.service !== undefined ? { service: challenge.service } : {}),
    };
    this.challenge = realm;
    this.tokens.rememberRealm(this.baseUrl, realm);
  }

  /** What to send before any 401: a cached token, a token from a known realm, or Basic credentials. */
  private async knownAuthorization(scope: string, fresh: boolean): Promise<Authorization> {
    const known = this.challenge === 'none' ? undefined : (this.challenge ?? this.tokens.realm(this.baseUrl));
    if (!known) return {};
    return this.authorize(known, scope, fresh);
  }

  /** The header that answers `challenge` for `scope`, fetching (and caching) a token when needed. */
  private async authorize(challenge: AuthChallenge, scope: string, fresh: boolean): Promise<Authorization> {
    if (challenge.scheme === 'basic') {
      if (!this.credentials) return {};
      const { username, password } = this.credentials;
      return { header: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
    }
    const cacheKey = tokenCacheKey(this.baseUrl, this.credentials, scope);
    const cached = fresh ? undefined : this.tokens.get(cacheKey);
    if (cached) return { header: `Bearer ${cached}`, cacheKey };
    // A fresh challenge names the scope the registry wants for the refused request; a remembered realm
    // (stored without scope) is asked for the scope of the request at hand.
    const grant = await fetchTokenGrant(
      {
        realm: challenge.realm,
        ...(challenge.service !== undefined ? { service: challenge.service } : {}),
        scope: challenge.scope ?? scope,
      },
      this.credentials,
      {
        timeoutMs: this.timeoutMs,
        fetch: this.fetchFn,
        registry: this.registry,
        allowInsecureRealm: this.insecure || new URL(this.baseUrl).protocol === 'http:',
      },
    );
    this.tokens.set(cacheKey, grant.token, grant.expiresInSeconds);
    return { header: `Bearer ${grant.token}`, cacheKey };
  }

  private async send(url: URL, init: RegistryRequest, authorization?: string): Promise<Response> {
    const method = init.method ?? 'GET';
    try {
      return await this.fetchFn(url, {
        method,
        headers: { ...init.headers, ...(authorization ? { authorization } : {}) },
        ...(init.body !== undefined ? { body: init.body } : {}),
        redirect: 'follow',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      if (isTimeoutError(err)) {
        throw new RegistryError(
          `registry ${this.registry} did not answer ${method} ${url.pathname} within ${this.timeoutMs} ms`,
          { kind: 'timeout', registry: this.registry, cause: err },
        );
      }
      throw new RegistryError(
        `cannot reach registry ${this.registry} (${url.origin}): ${networkErrorText(err)}`,
        {
          kind: 'unavailable',
          registry: this.registry,
          cause: err,
        },
      );
    }
  }

  /**
   * A {@link RegistryError} for a layer blob the registry would not serve: a 404 is a blob the registry lost (its
   * garbage collection, or a push that never finished) — nothing to do with authentication.
   */
  private async blobFailure(
    res: Response,
    blob: NonNullable<AuthorizationOptions['probeBlob']>,
  ): Promise<RegistryError> {
    if (res.status !== 404) {
      return this.failure(res, blob.image, `reading layer blob ${blob.digest}`, blob.repository);
    }
    const { status, said, details } = await registryAnswer(res);
    return new RegistryError(
      `${blob.image}: layer blob ${blob.digest} is missing from registry ${this.registry} (it answered ${status}${said ? `: ${said}` : ''}); push the image again so that the registry has all its layers`,
      { kind: 'not-found', registry: this.registry, image: blob.image, status: res.status, details },
    );
  }

  /** A {@link RegistryError} for an unexpected status, with the body's `errors[]` and the fix. */
  private async failure(
    res: Response,
    image: string,
    doing: string,
    repository: string,
  ): Promise<RegistryError> {
    const { status, said, details } = await registryAnswer(res);
    let kind: RegistryErrorKind = 'protocol';
    let fix = '';
    if (res.status === 401) {
      kind = 'unauthorized';
      fix = this.credentials
        ? `the imagePullSecret for ${this.registry} (user "${this.credentials.username}") is wrong, expired, or lacks access to ${repository}`
        : `missing imagePullSecret: the registry requires a login; add an imagePullSecret for ${this.registry} to the pod or its service account`;
    } else if (res.status === 403) {
      kind = 'forbidden';
      fix = `the credentials may not pull ${repository}; grant them pull access or use another imagePullSecret`;
    } else if (res.status === 404) {
      kind = 'not-found';
      fix = `${this.registry} does not have it (deleted, or only ever on the node?)`;
    } else if (res.status === 429) {
      kind = 'rate-limited';
      fix = 'the registry rate-limits pulls; retry later or authenticate for a higher limit';
    } else if (res.status >= 500) {
      kind = 'unavailable';
    }
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    const problem = `${doing} failed, registry answered ${status}${said ? ` (${said})` : ''}`;
    return new RegistryError(`${image}: ${problem}${fix ? `: ${fix}` : ''}`, {
      kind,
      registry: this.registry,
      image,
      status: res.status,
      details,
      problem,
      ...(fix ? { fix } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
}

/** What a registry answered: the status with its text, and its `errors[]` (or the body) as one phrase. */
async function registryAnswer(
  res: Response,
): Promise<{ status: string; said: string; details: RegistryErrorDetail[] }> {
  const text = await readTextForMessage(res);
  const details = parseRegistryErrors(text);
  const said = details.map((d) => (d.message ? `${d.code} ${d.message}` : d.code)).join('; ') || text.trim();
  return { status: `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, said, details };
}

/** The token scope for reading a repository. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** The distribution API URL of a blob: `<origin>/v2/<repository>/blobs/<digest>`. */
export function blobUrl(origin: string, repository: string, digest: string): string {
  return `${origin.replace(/\/+$/, '')}/v2/${repository}/blobs/${digest}`;
}
