import { existsSync, readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { load } from 'js-yaml';

/**
 * What talking to an API server needs: its URL and a way to add TLS material and credentials to a
 * request. client-node's `KubeConfig` has this shape too, so either can be passed wherever the runtime
 * asks for one.
 */
export interface ApiServerAccess {
  /** The API server to talk to (`server` is its base URL), or null when no cluster is configured. */
  getCurrentCluster(): { readonly server: string } | null;
  /** Adds the CA, client certificate and credentials to `options` just before each request is sent. */
  applyToHTTPSOptions(options: RequestOptions): Promise<void>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Bound service-account tokens rotate; re-reading the file this often picks up the new one in time. */
const TOKEN_REREAD_MS = 60_000;

interface Tls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly insecure?: boolean;
}

/**
 * A connection to one API server with one identity: client certificate, bearer token or token file.
 *
 * Loading it does not import `@kubernetes/client-node`, whose generated API models alone cost a process
 * about 100 MB of memory: controllers and adapters need only this.
 */
export class ClusterConnection implements ApiServerAccess {
  private cachedToken: { value: string; readAt: number } | undefined;

  /**
   * @param server - `https://host:port`.
   * @param tls - CA to verify the server, client certificate and key, or `insecure` to skip verification.
   * @param token - a fixed bearer token, or a file to read it from (re-read every minute).
   */
  constructor(
    readonly server: string,
    private readonly tls: Tls,
    private readonly token?: { readonly value: string } | { readonly file: string },
  ) {}

  /** The cluster, in client-node's shape. */
  getCurrentCluster(): { server: string } {
    return { server: this.server };
  }

  /** Adds TLS options and the Authorization header to `options`. */
  async applyToHTTPSOptions(options: RequestOptions): Promise<void> {
    if (this.tls.ca) options.ca = this.tls.ca;
    if (this.tls.cert) options.cert = this.tls.cert;
    if (this.tls.key) options.key = this.tls.key;
    if (this.tls.insecure) options.rejectUnauthorized = false;
    const token = this.bearerToken();
    if (token)
      options.headers = { ...(options.headers as Record<string, string>), authorization: `Bearer ${token}` };
  }

  private bearerToken(): string | undefined {
    if (!this.token) return undefined;
    if ('value' in this.token) return this.token.value;
    const now = Date.now();
    if (!this.cachedToken || now - this.cachedToken.readAt > TOKEN_REREAD_MS) {
      this.cachedToken = { value: readFileSync(this.token.file, 'utf8').trim(), readAt: now };
    }
    return this.cachedToken.value;
  }
}

interface Named<T> {
  name: string;
  [key: string]: unknown;
  value?: T;
}
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: (Named<never> & { context?: { cluster?: string; user?: string } })[];
  clusters?: (Named<never> & {
    cluster?: {
      server?: string;
      'certificate-authority'?: string;
      'certificate-authority-data'?: string;
      'insecure-skip-tls-verify'?: boolean;
    };
  })[];
  users?: (Named<never> & {
    user?: {
      'client-certificate'?: string;
      'client-certificate-data'?: string;
      'client-key'?: string;
      'client-key-data'?: string;
      token?: string;
      tokenFile?: string;
      exec?: unknown;
      'auth-provider'?: unknown;
    };
  })[];
}

/** Parses a kubeconfig's current context into a connection. Paths are relative to the file's directory. */
export function connectionFromKubeconfig(text: string, path: string, context?: string): ClusterConnection {
  const doc = (load(text) ?? {}) as KubeconfigFile;
  const contextName = context ?? doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === contextName)?.context;
  if (!ctx)
    throw new Error(`kubeconfig ${path}: context "${contextName ?? ''}" not found; set current-context`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig ${path}: cluster "${ctx.cluster ?? ''}" has no server`);
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  if (user.exec || user['auth-provider']) {
    throw new Error(
      `kubeconfig ${path}: user "${ctx.user}" uses an exec or auth-provider plugin, which nimbus-ts does not run. ` +
        'Fix: use a kubeconfig with a client certificate or a token (e.g. a ServiceAccount token).',
    );
  }
  const file = (p: string) => readFileSync(isAbsolute(p) ? p : join(dirname(path), p));
  const data = (b64: string) => Buffer.from(b64, 'base64');
  const pick = (inline: string | undefined, ref: string | undefined) =>
    inline ? data(inline) : ref ? file(ref) : undefined;
  const tls: Tls = {
    ca: pick(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: pick(user['client-certificate-data'], user['client-certificate']),
    key: pick(user['client-key-data'], user['client-key']),
    insecure: cluster['insecure-skip-tls-verify'] === true,
  };
  const token = user.token
    ? { value: user.token }
    : user.tokenFile
      ? { file: isAbsolute(user.tokenFile) ? user.tokenFile : join(dirname(path), user.tokenFile) }
      : undefined;
  return new ClusterConnection(cluster.server, tls, token);
}

/** Options of {@link loadClusterConnection}. */
export interface LoadConnectionOptions {
  /** An explicit kubeconfig file; wins over everything else. */
  readonly kubeconfig?: string;
  /** Environment to read KUBECONFIG and the in-cluster variables from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where the pod's service-account files are; default the standard mount. */
  readonly serviceAccountDir?: string;
}

/**
 * Finds the API server the way kubectl and client-go do: an explicit kubeconfig, else `$KUBECONFIG` (its
 * first file), else the in-cluster service account, else `~/.kube/config`.
 *
 * @throws an error that says what was tried and how to fix it when nothing is found.
 */
export function loadClusterConnection(options: LoadConnectionOptions = {}): ClusterConnection {
  const env = options.env ?? process.env;
  const explicit = options.kubeconfig ?? env.KUBECONFIG?.split(':').find((p) => p.length > 0);
  if (explicit) return connectionFromKubeconfig(readFileSync(explicit, 'utf8'), explicit);
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host && existsSync(join(saDir, 'token'))) {
    const hostPart = host.includes(':') ? `[${host}]` : host;
    return new ClusterConnection(
      `https://${hostPart}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`,
      { ca: readFileSync(join(saDir, 'ca.crt')) },
      { file: join(saDir, 'token') },
    );
  }
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return connectionFromKubeconfig(readFileSync(home, 'utf8'), home);
  throw new Error(
    'no API server to talk to: no --kubeconfig, no KUBECONFIG, not running in a pod with a service account, ' +
      `and no ${home}. Fix: pass --kubeconfig PATH or set KUBECONFIG.`,
  );
}
