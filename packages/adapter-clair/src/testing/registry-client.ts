/** Username and password for a registry's token endpoint (HTTP Basic). */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** A parsed `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` challenge. */
export interface BearerChallenge {
  readonly realm: string;
  readonly service?: string;
  readonly scope?: string;
}

/**
 * Parses a Bearer challenge as registries send it with a 401; `undefined` for other schemes (e.g. Basic) or
 * a challenge without a realm. Parameter values may be quoted strings with backslash escapes.
 */
export function parseBearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  if (!header) return undefined;
  const match = /^\s*Bearer\s+(.*)$/i.exec(header);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/g;
  for (const m of (match[1] ?? '').matchAll(re)) {
    const key = (m[1] ?? '').toLowerCase();
    params[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  if (!params.realm) return undefined;
  return {
    realm: params.realm,
    ...(params.service !== undefined ? { service: params.service } : {}),
    ...(params.scope !== undefined ? { scope: params.scope } : {}),
  };
}

/**
 * Fetches a token from a challenge's realm, as a Docker/OCI client does: `GET realm?service=…&scope=…`,
 * with HTTP Basic credentials when given, and returns `token` (or `access_token`) from the JSON answer.
 *
 * @throws an error with the status when the token endpoint refuses (e.g. 401 for a wrong password).
 */
export async function fetchRegistryToken(
  challenge: BearerChallenge,
  credentials?: RegistryCredentials,
): Promise<string> {
  const url = new URL(challenge.realm);
  if (challenge.service) url.searchParams.set('service', challenge.service);
  // A challenge may list several scopes separated by spaces; each becomes its own parameter.
  for (const scope of (challenge.scope ?? '').split(' ').filter(Boolean))
    url.searchParams.append('scope', scope);
  const headers: Record<string, string> = {};
  if (credentials) {
    headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }
  const res = await fetch(url, { headers });
  if (res.status !== 200) {
    throw new Error(
      `registry token endpoint ${url.origin}${url.pathname} answered ${res.status}: ${await res.text()}`,
    );
  }
  const body = (await res.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error(`registry token endpoint ${url} answered without a token`);
  return token;
}

/** Options of one {@link RegistryClient.request}. */
export interface RegistryRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
}

/**
 * A minimal OCI distribution client for tests: sends a request and, when the registry answers 401 with a
 * Bearer challenge, fetches a token for the challenged scope and retries once. Tokens are cached per scope
 * until the registry rejects them.
 */
export class RegistryClient {
  private readonly tokens = new Map<string, string>();

  /**
   * @param baseUrl - the registry origin, e.g. `http://127.0.0.1:5000`.
   * @param credentials - for registries that require a login.
   */
  constructor(
    readonly baseUrl: string,
    private readonly credentials?: RegistryCredentials,
  ) {}

  /**
   * Sends `path` (absolute, e.g. `/v2/app/manifests/1`, or a full URL such as an upload `Location`),
   * authenticating on demand. The caller checks the status.
   *
   * @param scope - the token scope the request needs, e.g. `repository:app:pull,push`; tokens are cached by it.
   */
  async request(path: string, scope: string, init: RegistryRequest = {}): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    const send = (token: string | undefined) =>
      fetch(url, {
        method: init.method ?? 'GET',
        headers: { ...init.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(init.body !== undefined ? { body: init.body } : {}),
        redirect: 'follow',
      });
    const cached = this.tokens.get(scope);
    const first = await send(cached);
    if (first.status !== 401) return first;
    const challenge = parseBearerChallenge(first.headers.get('www-authenticate'));
    if (!challenge) return first;
    await first.body?.cancel();
    const token = await fetchRegistryToken(challenge, this.credentials);
    this.tokens.set(scope, token);
    return send(token);
  }

  /** A token for `scope` from the registry's token endpoint (found by challenging `GET /v2/`). */
  async token(scope: string): Promise<string> {
    const probe = await fetch(new URL('/v2/', this.baseUrl));
    await probe.body?.cancel();
    const challenge = parseBearerChallenge(probe.headers.get('www-authenticate'));
    if (!challenge)
      throw new Error(`${this.baseUrl} does not ask for a Bearer token (status ${probe.status})`);
    return fetchRegistryToken({ ...challenge, scope }, this.credentials);
  }
}
