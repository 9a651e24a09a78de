/**
 * The token half of the registry Bearer flow (the Docker token authentication spec): after a 401 with a
 * Bearer challenge, `GET <realm>?service=…&scope=…`, with HTTP Basic credentials when there are any,
 * returns `{"token": …}` (or OAuth2's `access_token`) to send as `Authorization: Bearer`.
 */
import type { BearerChallenge } from './auth-challenge.js';
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
import { parseRegistryErrors, RegistryError } from './registry-error.js';

/** A token as the endpoint issued it. */
export interface TokenGrant {
  readonly token: string;
  /** `expires_in`, when the endpoint said; the spec's default is 60 s. */
  readonly expiresInSeconds?: number;
}

/** Options of a token request ({@link fetchRegistryToken}). */
export interface TokenRequestOptions {
  /** Default the global `fetch`. */
  readonly fetch?: FetchLike;
  /** Abort after this long; default 30 s. */
  readonly timeoutMs?: number;
  /**
   * Send credentials to a plain-`http` realm that is not on loopback. Off by default: a registry could
   * otherwise have the password sent in clear text by naming such a realm. Allowed for registries that are
   * themselves configured as insecure.
   */
  readonly allowInsecureRealm?: boolean;
  /** The registry that sent the challenge, for error messages; default the realm's host. */
  readonly registry?: string;
  /** The image the token is for, for error messages. */
  readonly image?: string;
}

/** Token answers are tiny; anything larger is not a token answer. */
const TOKEN_BODY_LIMIT = 1024 * 1024;

function basic(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/**
 * Fetches a token for a Bearer challenge, with HTTP Basic `credentials` when given and anonymously
 * otherwise. A challenge may list several scopes separated by spaces; each is sent as its own `scope`.
 *
 * @throws {@link RegistryError} `unauthorized` when the endpoint refuses (the message says whether the
 * pull secret is missing or wrong), `rate-limited`, `unavailable`, `timeout`, or `protocol` when the answer
 * holds no token.
 */
export async function fetchTokenGrant(
  challenge: BearerChallenge,
  credentials?: RegistryCredentials,
  options: TokenRequestOptions = {},
): Promise<TokenGrant> {
  const url = new URL(challenge.realm);
  const registry = options.registry ?? url.host;
  const about = options.image ? `${options.image}: ` : '';
  const error = (message: string, extra: Omit<ConstructorParameters<typeof RegistryError>[1], 'registry'>) =>
    new RegistryError(`${about}${message}`, {
      registry,
      ...(options.image ? { image: options.image } : {}),
      ...extra,
    });
  if (credentials && url.protocol === 'http:' && !isLoopbackHost(url.host) && !options.allowInsecureRealm) {
    throw error(
      `registry ${registry} names the plain-http token endpoint ${url.origin}; refusing to send credentials in clear text (list the registry as insecure to allow it)`,
      { kind: 'protocol' },
    );
  }
  if (challenge.service) url.searchParams.set('service', challenge.service);
  for (const scope of (challenge.scope ?? '').split(' ').filter(Boolean)) {
    url.searchParams.append('scope', scope);
  }
  const endpoint = `${url.origin}${url.pathname}`;
  let res: Response;
  try {
    res = await (options.fetch ?? fetch)(url, {
      headers: { accept: 'application/json', ...(credentials ? { authorization: basic(credentials) } : {}) },
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (err) {
    if (isTimeoutError(err)) {
      throw error(`registry token endpoint ${endpoint} did not answer in time`, {
        kind: 'timeout',
        cause: err,
      });
    }
    throw error(`cannot reach registry token endpoint ${endpoint}: ${networkErrorText(err)}`, {
      kind: 'unavailable',
      cause: err,
    });
  }
  if (res.status !== 200) {
    const text = await readTextForMessage(res);
    const details = parseRegistryErrors(text);
    const said = details.map((d) => d.message).join('; ') || text.trim();
    const answered = `registry token endpoint ${endpoint} answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${said ? `: ${said}` : ''}`;
    if (res.status === 401 || res.status === 403) {
      const fix = credentials
        ? `the registry refused the username "${credentials.username}": the imagePullSecret for ${registry} is wrong or expired`
        : `the registry requires a login: add an imagePullSecret for ${registry} to the pod or its service account`;
      throw error(`${answered} (${fix})`, {
        kind: 'unauthorized',
        status: res.status,
        details,
        problem: answered,
        fix,
      });
    }
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    throw error(answered, {
      kind: res.status === 429 ? 'rate-limited' : res.status >= 500 ? 'unavailable' : 'protocol',
      status: res.status,
      details,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown };
  try {
    body = JSON.parse((await readLimited(res, TOKEN_BODY_LIMIT)).toString('utf8'));
  } catch (err) {
    throw error(`registry token endpoint ${endpoint} answered something that is not JSON`, {
      kind: 'protocol',
      cause: err,
    });
  }
  const token =
    typeof body.token === 'string' && body.token !== ''
      ? body.token
      : typeof body.access_token === 'string'
        ? body.access_token
        : '';
  if (!token)
    throw error(`registry token endpoint ${endpoint} answered without a token`, { kind: 'protocol' });
  return {
    token,
    ...(typeof body.expires_in === 'number' && body.expires_in > 0
      ? { expiresInSeconds: body.expires_in }
      : {}),
  };
}

/**
 * Fetches a token for a Bearer challenge, with HTTP Basic `credentials` when given and anonymously
 * otherwise, and returns just the token (without its lifetime).
 *
 * @throws {@link RegistryError} `unauthorized` when the endpoint refuses (the message says whether the
 * pull secret is missing or wrong), `rate-limited`, `unavailable`, `timeout`, or `protocol` when the answer
 * holds no token.
 */
export async function fetchRegistryToken(
  challenge: BearerChallenge,
  credentials?: RegistryCredentials,
  options: TokenRequestOptions = {},
): Promise<string> {
  return (await fetchTokenGrant(challenge, credentials, options)).token;
}
