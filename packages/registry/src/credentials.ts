/**
 * Registry credentials from image pull Secrets, chosen for an image the way the kubelet chooses them. The
 * adapter must read an image with exactly the credentials the node used: anything more permissive would let
 * a scan read images the pod's namespace cannot pull, anything less would fail on images that run fine.
 */
import { DOCKER_HUB, parseImageReference } from './image-reference.js';

/** Username and password for a registry (HTTP Basic, or to obtain a Bearer token). */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
}

/** One entry of a Docker config: the credentials for a registry key. */
export interface DockerCredential extends RegistryCredentials {
  /** The key as written in the Secret, e.g. `https://index.docker.io/v1/` or `quay.io/org`. */
  readonly key: string;
  /**
   * The key as the kubelet matches it: scheme dropped, `/v1/` or `/v2/` prefix of the path dropped, e.g.
   * `index.docker.io`, `quay.io/org`, `*.example.com:5000`.
   */
  readonly pattern: string;
  /** `namespace/name` of the Secret it came from, for messages. */
  readonly secret: string;
}

/** The parts of a Secret this module reads; a `V1Secret` fits. */
export interface SecretLike {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly type?: string;
  /** Values are base64, as the API returns them. */
  readonly data?: Readonly<Record<string, string>>;
}

/** The Secret type holding a `~/.docker/config.json` under `.dockerconfigjson`. */
export const DOCKER_CONFIG_JSON_TYPE = 'kubernetes.io/dockerconfigjson';
/** The legacy Secret type holding a `~/.dockercfg` under `.dockercfg`. */
export const DOCKERCFG_TYPE = 'kubernetes.io/dockercfg';

/** Thrown for a pull Secret whose content cannot be read; the kubelet fails the pull in that case too. */
export class InvalidPullSecretError extends Error {
  constructor(
    /** `namespace/name` of the Secret. */
    readonly secret: string,
    reason: string,
  ) {
    super(`image pull secret ${secret}: ${reason}`);
    this.name = 'InvalidPullSecretError';
  }
}

/** The kubelet's name for Docker Hub in keys; `https://index.docker.io/v1/` becomes this. */
const DOCKER_HUB_KEY_HOST = 'index.docker.io';

/** The kubelet's form of a config key: no scheme, no `/v1`/`/v2` API prefix, no lone trailing `/`. */
export function credentialPattern(key: string): string {
  const schemeless = key.replace(/^https?:\/\//i, '');
  const slash = schemeless.indexOf('/');
  const host = slash < 0 ? schemeless : schemeless.slice(0, slash);
  let path = slash < 0 ? '' : schemeless.slice(slash);
  if (path.startsWith('/v1/') || path.startsWith('/v2/')) path = path.slice(3);
  // Query and fragment are not part of what a key can match.
  path = path.replace(/[?#].*$/, '');
  return path === '' || path === '/' ? host.toLowerCase() : `${host.toLowerCase()}${path}`;
}

interface AuthEntry {
  readonly auth?: unknown;
  readonly username?: unknown;
  readonly password?: unknown;
}

/** `auth` is base64(`username:password`) and, when present, wins over the separate fields (as in the kubelet). */
function entryCredentials(secret: string, key: string, entry: AuthEntry): RegistryCredentials {
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new InvalidPullSecretError(
        secret,
        `the "auth" of "${key}" must be base64 of username:password, and has no colon`,
      );
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return {
    username: typeof entry.username === 'string' ? entry.username : '',
    password: typeof entry.password === 'string' ? entry.password : '',
  };
}

/**
 * Parses Docker config JSON: `{"auths": {<key>: entry}}` (`.dockerconfigjson`) when `legacy` is false,
 * the bare `{<key>: entry}` map (`.dockercfg`) when true.
 *
 * @param secret - `namespace/name` for messages.
 * @throws {@link InvalidPullSecretError} for JSON that is not a Docker config.
 */
export function parseDockerConfig(json: string, secret: string, legacy = false): DockerCredential[] {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (err) {
    throw new InvalidPullSecretError(secret, `not JSON (${(err as Error).message})`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(document)) throw new InvalidPullSecretError(secret, 'the Docker config is not a JSON object');
  const auths = legacy ? document : (document.auths ?? {});
  if (!isObject(auths)) throw new InvalidPullSecretError(secret, '"auths" is not a JSON object');
  const out: DockerCredential[] = [];
  for (const [key, entry] of Object.entries(auths)) {
    if (!isObject(entry)) throw new InvalidPullSecretError(secret, `the entry for "${key}" is not an object`);
    out.push({ key, pattern: credentialPattern(key), secret, ...entryCredentials(secret, key, entry) });
  }
  return out;
}

/**
 * The credentials in a pull Secret of type `kubernetes.io/dockerconfigjson` or `kubernetes.io/dockercfg`.
 * Secrets of other types, or without their key, hold no pull credentials and give `[]` — the kubelet
 * ignores them the same way.
 *
 * @throws {@link InvalidPullSecretError} when the right key holds something that is not a Docker config.
 */
export function parsePullSecret(secret: SecretLike): DockerCredential[] {
  const id = `${secret.metadata?.namespace ?? ''}/${secret.metadata?.name ?? ''}`;
  const read = (key: string): string | undefined => {
    const value = secret.data?.[key];
    return value ? Buffer.from(value, 'base64').toString('utf8') : undefined;
  };
  if (secret.type === DOCKER_CONFIG_JSON_TYPE) {
    const json = read('.dockerconfigjson');
    return json === undefined ? [] : parseDockerConfig(json, id);
  }
  if (secret.type === DOCKERCFG_TYPE) {
    const json = read('.dockercfg');
    return json === undefined ? [] : parseDockerConfig(json, id, true);
  }
  return [];
}

/** Splits `host[:port][/path]` as Go's URL parser does for the kubelet's matcher. */
function splitPattern(value: string): { hostParts: string[]; port: string; path: string } {
  const slash = value.indexOf('/');
  const hostPort = slash < 0 ? value : value.slice(0, slash);
  const path = slash < 0 ? '' : value.slice(slash);
  const portAt = hostPort.lastIndexOf(':');
  const hasPort = portAt > hostPort.lastIndexOf(']');
  const host = hasPort ? hostPort.slice(0, portAt) : hostPort;
  return { hostParts: host.toLowerCase().split('.'), port: hasPort ? hostPort.slice(portAt + 1) : '', path };
}

/**
 * One host label against a glob label, with the shell-style wildcards Go's `filepath.Match` knows: `*`,
 * `?` and `[…]` classes (`^` negates). Labels contain no dot, so `*` never spans labels.
 */
function labelMatches(glob: string, label: string): boolean {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else if (c === '\\' && i + 1 < glob.length) source += `\\${glob[++i]}`;
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) return false; // A malformed class is an error in Go, which the kubelet treats as no match.
      let body = glob.slice(i + 1, end);
      if (body.startsWith('^')) body = `^${body.slice(1).replace(/[\\\]^]/g, '\\$&')}`;
      else body = body.replace(/[\\\]^]/g, '\\$&');
      source += `[${body}]`;
      i = end;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`).test(label);
}

/**
 * Whether a credential pattern covers an image name (`registry/repository`), by the kubelet's rule: the
 * same number of host labels, each matching (wildcards allowed), the same port, and the pattern's path a
 * prefix of the image's path.
 */
export function patternMatches(pattern: string, imageName: string): boolean {
  const glob = splitPattern(pattern);
  const target = splitPattern(imageName);
  if (glob.port !== target.port || glob.hostParts.length !== target.hostParts.length) return false;
  if (!target.path.startsWith(glob.path)) return false;
  return glob.hostParts.every((part, i) => labelMatches(part, target.hostParts[i] ?? ''));
}

/**
 * The credentials of one keyring (the Secrets of one source) that apply to `imageName`, most specific
 * first: keys are tried in reverse lexical order, so `quay.io/org` comes before `quay.io`; several
 * credentials for one key keep their Secret order. When nothing matches a Docker Hub image, credentials
 * stored under `index.docker.io` still apply (the kubelet's default-registry fallback).
 */
function keyringLookup(credentials: readonly DockerCredential[], imageName: string): DockerCredential[] {
  const byPattern = new Map<string, DockerCredential[]>();
  for (const credential of credentials) {
    const list = byPattern.get(credential.pattern) ?? [];
    list.push(credential);
    byPattern.set(credential.pattern, list);
  }
  // Plain code-unit order, as Go's sort.Strings, reversed.
  const patterns = [...byPattern.keys()].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  const found = patterns.filter((p) => patternMatches(p, imageName)).flatMap((p) => byPattern.get(p) ?? []);
  if (found.length > 0) return found;
  const registry = imageName.split('/')[0];
  if (registry === DOCKER_HUB) return byPattern.get(DOCKER_HUB_KEY_HOST) ?? [];
  return [];
}

/** Where credentials may come from for one Pod, in the order they are consulted. */
export interface CredentialSources {
  /** The Secrets named by the Pod's `imagePullSecrets`, in order. */
  readonly podSecrets?: readonly SecretLike[];
  /** The Secrets named by the Pod's ServiceAccount's `imagePullSecrets`, in order. */
  readonly serviceAccountSecrets?: readonly SecretLike[];
}

/** The outcome of {@link selectCredentials}. */
export interface CredentialSelection {
  /** Credentials to try, best first; empty means pull anonymously. */
  readonly candidates: readonly DockerCredential[];
  /** Secrets that could not be read, with the reason; they are skipped, not fatal. */
  readonly problems: readonly InvalidPullSecretError[];
}

/**
 * Chooses the credentials for an image as the kubelet does: within the Pod's pull Secrets the most specific
 * matching key wins (see {@link patternMatches}); the ServiceAccount's pull Secrets come after the Pod's.
 * The result is an ordered list because the kubelet tries each matching credential until one works.
 * Identical username/password pairs appear once.
 *
 * @param image - a reference such as `nginx:1.25` or `127.0.0.1:5000/app@sha256:…`; only its registry and
 * repository count.
 */
export function selectCredentials(image: string, sources: CredentialSources): CredentialSelection {
  const { name } = parseImageReference(image);
  const problems: InvalidPullSecretError[] = [];
  const keyring = (secrets: readonly SecretLike[] = []) =>
    secrets.flatMap((secret) => {
      try {
        return parsePullSecret(secret);
      } catch (err) {
        if (!(err instanceof InvalidPullSecretError)) throw err;
        problems.push(err);
        return [];
      }
    });
  const ordered = [
    ...keyringLookup(keyring(sources.podSecrets), name),
    ...keyringLookup(keyring(sources.serviceAccountSecrets), name),
  ];
  const seen = new Set<string>();
  const candidates = ordered.filter((c) => {
    const identity = JSON.stringify([c.username, c.password]);
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
  return { candidates, problems };
}
