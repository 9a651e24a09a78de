import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RegistryCredentials } from '@nimbus-ts/registry';

/** What a request to the registry addressed, for counting. */
export type RegistryRequestKind =
  | 'base'
  | 'manifests'
  | 'blobs'
  | 'uploads'
  | 'tags'
  | 'referrers'
  | 'token'
  | 'other';

/** One request the front answered. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query as sent. */
  readonly path: string;
  readonly kind: RegistryRequestKind;
  /** Repository name for `/v2/<name>/…` requests. */
  readonly repository?: string;
  readonly status: number;
}

/** The repository and kind a `/v2/…` path addresses (registry API v2 routes). */
export function classifyRegistryPath(pathAndQuery: string): {
  kind: RegistryRequestKind;
  repository?: string;
} {
  const path = pathAndQuery.split('?')[0] ?? '';
  if (path === '/token') return { kind: 'token' };
  if (path === '/v2' || path === '/v2/') return { kind: 'base' };
  // Repository names contain slashes, so the route is found from the end of the path.
  const routes: [RegExp, RegistryRequestKind][] = [
    [/^\/v2\/(.+)\/blobs\/uploads\/[^/]*$/, 'uploads'],
    [/^\/v2\/(.+)\/manifests\/[^/]+$/, 'manifests'],
    [/^\/v2\/(.+)\/blobs\/[^/]+$/, 'blobs'],
    [/^\/v2\/(.+)\/tags\/list$/, 'tags'],
    [/^\/v2\/(.+)\/referrers\/[^/]+$/, 'referrers'],
  ];
  for (const [re, kind] of routes) {
    const m = re.exec(path);
    if (m?.[1]) return { kind, repository: m[1] };
  }
  return { kind: 'other' };
}

/** One `repository:<name>:<actions>` entry of a token scope. */
export interface ScopeEntry {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/**
 * Parses a token `scope` parameter: space-separated `type:name:actions` entries, `actions` comma-separated.
 * A name may itself contain a colon (a registry host with a port), so the actions are after the last one.
 */
export function parseScope(scope: string): ScopeEntry[] {
  const entries: ScopeEntry[] = [];
  for (const item of scope.split(' ').filter(Boolean)) {
    const first = item.indexOf(':');
    const last = item.lastIndexOf(':');
    if (first < 0 || last === first) continue;
    entries.push({
      type: item.slice(0, first),
      name: item.slice(first + 1, last),
      actions: item
        .slice(last + 1)
        .split(',')
        .filter(Boolean),
    });
  }
  return entries;
}

/** The actions a request needs: reads need `pull`; writes need `pull` and `push`, as in distribution. */
export function requiredActions(method: string): string[] {
  return method === 'GET' || method === 'HEAD' ? ['pull'] : ['pull', 'push'];
}

/** Options of {@link startRegistryFront}. */
export interface RegistryFrontOptions {
  /** Origin of the registry behind the front, e.g. crane's `http://127.0.0.1:41234`. */
  readonly backend: string;
  /** Require these credentials through the Bearer token flow; without, every request is passed through. */
  readonly auth?: RegistryCredentials;
  /** Lifetime of issued tokens. Default 300 s, the value Docker Hub uses. */
  readonly tokenTtlSeconds?: number;
  /** The `service` of challenges and tokens. Default `nimbus-test-registry`. */
  readonly service?: string;
}

/** A running front. */
export interface RegistryFront {
  /** `127.0.0.1:PORT`. */
  readonly host: string;
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Every request answered, in order of completion. */
  readonly requests: RecordedRequest[];
  /** Makes every issued token invalid at once, as if it had expired. */
  expireTokens(): void;
  /** Stops the front, dropping open connections; the registry behind it keeps running. */
  close(): Promise<void>;
}

interface Grant {
  readonly expiresAt: number;
  /** Granted actions by repository name. */
  readonly access: ReadonlyMap<string, ReadonlySet<string>>;
}

const ALLOWED_ACTIONS = new Set(['pull', 'push']);

function sameSecret(a: string, b: string): boolean {
  // Hash first so the comparison takes the same time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

function basicCredentials(header: string | undefined): RegistryCredentials | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Starts an HTTP front for an OCI registry on a free loopback port. It counts every request (see
 * {@link RecordedRequest}) and, with `auth`, implements the Docker/OCI Bearer token flow the way real
 * registries do:
 *
 * - a `/v2/…` request without a valid token gets 401 with
 *   `WWW-Authenticate: Bearer realm="http://HOST/token",service="…",scope="repository:<name>:pull"`
 *   (`pull,push` for writes; `error="insufficient_scope"` when a valid token lacks the action);
 * - `GET /token?service=…&scope=…` with the right HTTP Basic credentials answers
 *   `{"token","access_token","expires_in","issued_at"}`, granting pull and push on the requested
 *   repositories; wrong or missing credentials get 401;
 * - requests with a valid `Authorization: Bearer` token are streamed to the backend, without that header.
 */
export async function startRegistryFront(options: RegistryFrontOptions): Promise<RegistryFront> {
  const backend = new URL(options.backend);
  const service = options.service ?? 'nimbus-test-registry';
  const ttl = options.tokenTtlSeconds ?? 300;
  const tokens = new Map<string, Grant>();
  const requests: RecordedRequest[] = [];
  let origin = '';

  const challenge = (res: ServerResponse, scope: string | undefined, error?: string) => {
    const params = [`realm=${quote(`${origin}/token`)}`, `service=${quote(service)}`];
    if (scope) params.push(`scope=${quote(scope)}`);
    if (error) params.push(`error=${quote(error)}`);
    res.writeHead(401, {
      'content-type': 'application/json',
      'docker-distribution-api-version': 'registry/2.0',
      'www-authenticate': `Bearer ${params.join(',')}`,
    });
    res.end(
      JSON.stringify({
        errors: [
          {
            code: error === 'insufficient_scope' ? 'DENIED' : 'UNAUTHORIZED',
            message: 'authentication required',
          },
        ],
      }),
    );
  };

  const issueToken = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const given = basicCredentials(req.headers.authorization);
    const auth = options.auth;
    if (
      !auth ||
      !given ||
      !sameSecret(given.username, auth.username) ||
      !sameSecret(given.password, auth.password)
    ) {
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': `Basic realm=${quote(service)}`,
      });
      res.end(
        JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }),
      );
      return;
    }
    const access = new Map<string, Set<string>>();
    for (const scope of url.searchParams.getAll('scope')) {
      for (const entry of parseScope(scope)) {
        if (entry.type !== 'repository') continue;
        const granted = access.get(entry.name) ?? new Set<string>();
        for (const action of entry.actions) if (ALLOWED_ACTIONS.has(action)) granted.add(action);
        access.set(entry.name, granted);
      }
    }
    const token = randomBytes(32).toString('base64url');
    const issuedAt = new Date();
    tokens.set(token, { expiresAt: issuedAt.getTime() + ttl * 1000, access });
    res.writeHead(200, { 'content-type': 'application/json' });
    // Docker's token spec names it `token`; OAuth2 clients read `access_token`. Registries send both.
    res.end(
      JSON.stringify({ token, access_token: token, expires_in: ttl, issued_at: issuedAt.toISOString() }),
    );
  };

  const authorize = (req: IncomingMessage, res: ServerResponse, repository: string | undefined): boolean => {
    if (!options.auth) return true;
    const needed = requiredActions(req.method ?? 'GET');
    const scope = repository ? `repository:${repository}:${needed.join(',')}` : undefined;
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const grant = m?.[1] ? tokens.get(m[1]) : undefined;
    if (!grant || grant.expiresAt <= Date.now()) {
      challenge(res, scope, m ? 'invalid_token' : undefined);
      return false;
    }
    if (repository) {
      const granted = grant.access.get(repository);
      if (!needed.every((a) => granted?.has(a))) {
        challenge(res, scope, 'insufficient_scope');
        return false;
      }
    }
    return true;
  };

  const proxy = (req: IncomingMessage, res: ServerResponse) => {
    const headers = { ...req.headers, host: backend.host };
    delete headers.authorization;
    const upstream = httpRequest(
      { host: backend.hostname, port: backend.port, method: req.method, path: req.url, headers },
      (answer) => {
        const out = { ...answer.headers };
        // Upload locations may be absolute URLs of the backend; clients must come back through the front.
        if (typeof out.location === 'string' && out.location.startsWith(backend.origin)) {
          out.location = origin + out.location.slice(backend.origin.length);
        }
        res.writeHead(answer.statusCode ?? 502, out);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`registry backend ${backend.origin} failed: ${err.message}`);
    });
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const { kind, repository } = classifyRegistryPath(path);
    res.on('finish', () => {
      requests.push({
        method: req.method ?? 'GET',
        path,
        kind,
        ...(repository ? { repository } : {}),
        status: res.statusCode,
      });
    });
    if (kind === 'token') {
      issueToken(req, res, new URL(path, origin));
      // Drain any body so the connection can be reused.
      req.resume();
      return;
    }
    if (!authorize(req, res, repository)) {
      req.resume();
      return;
    }
    proxy(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = `127.0.0.1:${port}`;
  origin = `http://${host}`;
  return {
    host,
    url: origin,
    requests,
    expireTokens: () => tokens.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
