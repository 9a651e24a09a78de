/**
 * `WWW-Authenticate` challenges of container registries. A registry that wants a login answers 401 with
 * either `Bearer realm=…,service=…,scope=…` (Docker Hub, GHCR, Quay, Harbor, …: get a token from the realm
 * first) or `Basic realm=…` (plain registries behind a proxy: send the password with every request).
 */

/** A parsed `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` challenge. */
export interface BearerChallenge {
  /** The token endpoint. */
  readonly realm: string;
  readonly service?: string;
  /** Space-separated `repository:<name>:<actions>` entries the request needs. */
  readonly scope?: string;
  /** `invalid_token`, `insufficient_scope`, … when the request carried a token that did not do. */
  readonly error?: string;
}

/** Any challenge a registry may send, by scheme. */
export type AuthChallenge =
  | ({ readonly scheme: 'bearer' } & BearerChallenge)
  | { readonly scheme: 'basic'; readonly realm?: string };

/** `name=value` or `name="quoted \" value"`, separated by commas. */
const PARAM = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/g;

function parseParams(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const m of text.matchAll(PARAM)) {
    const key = (m[1] ?? '').toLowerCase();
    params[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return params;
}

/**
 * Parses the first challenge of a `WWW-Authenticate` header. Scheme names are case-insensitive and
 * parameter values may be quoted strings with backslash escapes. `undefined` for a missing header, an
 * unknown scheme, or a Bearer challenge without a realm (nothing to ask for a token).
 */
export function parseAuthChallenge(header: string | null | undefined): AuthChallenge | undefined {
  if (!header) return undefined;
  const match = /^\s*(\w+)(?:\s+(.*))?$/s.exec(header);
  if (!match) return undefined;
  const scheme = (match[1] ?? '').toLowerCase();
  const params = parseParams(match[2] ?? '');
  if (scheme === 'basic') return { scheme, ...(params.realm !== undefined ? { realm: params.realm } : {}) };
  if (scheme !== 'bearer' || !params.realm) return undefined;
  return {
    scheme,
    realm: params.realm,
    ...(params.service !== undefined ? { service: params.service } : {}),
    ...(params.scope !== undefined ? { scope: params.scope } : {}),
    ...(params.error !== undefined ? { error: params.error } : {}),
  };
}

/**
 * Parses a Bearer challenge; `undefined` for other schemes (e.g. Basic) or a challenge without a realm.
 */
export function parseBearerChallenge(header: string | null | undefined): BearerChallenge | undefined {
  const challenge = parseAuthChallenge(header);
  if (challenge?.scheme !== 'bearer') return undefined;
  const { scheme: _scheme, ...bearer } = challenge;
  return bearer;
}
