import { existsSync, readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ExecCredentialSource } from './connection/exec-credential.js';
import {
  type Kubeconfig,
  mergeKubeconfigs,
  parseKubeconfig,
  resolveContext,
} from './connection/kubeconfig-file.js';

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
  /**
   * Called when the API server answered 401: credentials that can be renewed (an exec plugin's) are
   * forgotten, so the next request gets fresh ones. Optional; client-node's `KubeConfig` lacks it.
   */
  invalidateCredentials?(): void;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Bound service-account tokens rotate; re-reading the file this often picks up the new one in time. */
const TOKEN_REREAD_MS = 60_000;

interface Tls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly insecure?: boolean;
  /** The name to verify the server's certificate against, when it differs from the URL's host. */
  readonly servername?: string;
}

/** Where a connection's credentials come from besides its TLS client certificate. */
type Credentials =
  | { readonly value: string }
  | { readonly file: string }
  | { readonly exec: ExecCredentialSource };

/**
 * A connection to one API server with one identity: client certificate, bearer token, token file or exec
 * credential plugin.
 *
 * Loading it does not import `@kubernetes/client-node`, whose generated API models alone cost a process
 * about 100 MB of memory: controllers and adapters need only this.
 */
export class ClusterConnection implements ApiServerAccess {
  private cachedToken: { value: string; readAt: number } | undefined;

  /**
   * @param server - `https://host:port`.
   * @param tls - CA to verify the server, client certificate and key, or `insecure` to skip verification.
   * @param credentials - a fixed bearer token, a file to read it from (re-read every minute), or an exec
   *   credential plugin.
   * @param namespace - the namespace the kubeconfig context (or the pod's service account) names: the default
   *   for commands that take `-n`.
   */
  constructor(
    readonly server: string,
    private readonly tls: Tls,
    private readonly credentials?: Credentials,
    readonly namespace?: string,
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
    if (this.tls.servername) options.servername = this.tls.servername;
    let token: string | undefined;
    const credentials = this.credentials;
    if (credentials && 'exec' in credentials) {
      const credential = await credentials.exec.credential();
      token = credential.token;
      if (credential.clientCertificateData && credential.clientKeyData) {
        options.cert = credential.clientCertificateData;
        options.key = credential.clientKeyData;
      }
    } else {
      token = this.bearerToken();
    }
    if (token)
      options.headers = { ...(options.headers as Record<string, string>), authorization: `Bearer ${token}` };
  }

  /** Forgets an exec plugin's credential after a 401, so the next request runs the plugin again. */
  invalidateCredentials(): void {
    if (this.credentials && 'exec' in this.credentials) this.credentials.exec.invalidate();
  }

  private bearerToken(): string | undefined {
    const credentials = this.credentials;
    if (!credentials || 'exec' in credentials) return undefined;
    if ('value' in credentials) return credentials.value;
    const now = Date.now();
    if (!this.cachedToken || now - this.cachedToken.readAt > TOKEN_REREAD_MS) {
      this.cachedToken = { value: readFileSync(credentials.file, 'utf8').trim(), readAt: now };
    }
    return this.cachedToken.value;
  }
}

/**
 * Builds the connection a kubeconfig context describes.
 *
 * @param where - how to name the kubeconfig in errors: its path, or the merged paths.
 * @param context - a context other than the current one (`--context`).
 * @throws Error naming the kubeconfig, the context or user and the fix.
 */
export function connectionFromConfig(config: Kubeconfig, where: string, context?: string): ClusterConnection {
  const resolved = resolveContext(config, where, context);
  const { cluster, user } = resolved;
  if (user['auth-provider']) {
    throw new Error(
      `kubeconfig ${where}: user "${resolved.userName}" uses the auth-provider "${user['auth-provider'].name ?? ''}", ` +
        'which Kubernetes has replaced by exec credential plugins. Fix: switch the user to its exec plugin ' +
        '(e.g. kubelogin for OIDC and AKS, gke-gcloud-auth-plugin for GKE)',
    );
  }
  const data = (b64: string) => Buffer.from(b64, 'base64');
  const pick = (inline: string | undefined, ref: string | undefined) =>
    inline ? data(inline) : ref ? readFileSync(ref) : undefined;
  const ca = pick(cluster['certificate-authority-data'], cluster['certificate-authority']);
  const tls: Tls = {
    ca,
    cert: pick(user['client-certificate-data'], user['client-certificate']),
    key: pick(user['client-key-data'], user['client-key']),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    ...(cluster['tls-server-name'] ? { servername: cluster['tls-server-name'] } : {}),
  };
  let credentials: Credentials | undefined;
  if (user.token) credentials = { value: user.token };
  else if (user.tokenFile) credentials = { file: user.tokenFile };
  else if (user.exec) {
    credentials = {
      exec: new ExecCredentialSource(user.exec, {
        where: `kubeconfig ${where}: user "${resolved.userName ?? ''}"`,
        cluster: {
          server: cluster.server,
          ...(ca ? { 'certificate-authority-data': ca.toString('base64') } : {}),
          ...(cluster['insecure-skip-tls-verify'] ? { 'insecure-skip-tls-verify': true } : {}),
          ...(cluster['tls-server-name'] ? { 'tls-server-name': cluster['tls-server-name'] } : {}),
        },
      }),
    };
  }
  return new ClusterConnection(cluster.server, tls, credentials, resolved.namespace);
}

/**
 * Parses one kubeconfig file's current context (or `context`) into a connection. Paths are relative to the
 * file's directory.
 */
export function connectionFromKubeconfig(text: string, path: string, context?: string): ClusterConnection {
  return connectionFromConfig(parseKubeconfig(text, path), path, context);
}

/**
 * Reads and merges kubeconfig files the way kubectl does with `KUBECONFIG=a:b:c`: files that do not exist are
 * skipped, the first file to set a value wins.
 *
 * @returns the merged config and the files it was read from; no files when none of `paths` exists.
 */
export function readKubeconfigs(paths: readonly string[]): { config: Kubeconfig; files: string[] } {
  const files = paths.filter((p) => p.length > 0 && existsSync(p));
  return {
    config: mergeKubeconfigs(files.map((p) => parseKubeconfig(readFileSync(p, 'utf8'), p))),
    files,
  };
}

/** Options of {@link loadClusterConnection}. */
export interface LoadConnectionOptions {
  /** An explicit kubeconfig file (`--kubeconfig`); wins over everything else, and is read alone. */
  readonly kubeconfig?: string;
  /** A context of the kubeconfig other than its current one (`--context`). */
  readonly context?: string;
  /** Environment to read KUBECONFIG and the in-cluster variables from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Where the pod's service-account files are; default the standard mount. */
  readonly serviceAccountDir?: string;
}

/**
 * Finds the API server the way kubectl and controller-runtime do: an explicit kubeconfig, else every file of
 * `$KUBECONFIG` merged (the first to set a value wins; missing files are skipped), else the in-cluster service
 * account, else `~/.kube/config`. Users may authenticate by client certificate, token, token file or an exec
 * credential plugin (`client.authentication.k8s.io/v1` or `v1beta1`).
 *
 * @throws an error that says what was tried and how to fix it when nothing is found.
 */
export function loadClusterConnection(options: LoadConnectionOptions = {}): ClusterConnection {
  const env = options.env ?? process.env;
  if (options.kubeconfig)
    return connectionFromKubeconfig(
      readFileSync(options.kubeconfig, 'utf8'),
      options.kubeconfig,
      options.context,
    );
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p.length > 0);
  if (listed.length > 0) {
    const { config, files } = readKubeconfigs(listed);
    if (files.length === 0) {
      throw new Error(
        `KUBECONFIG=${env.KUBECONFIG}: none of these files exists. Fix: point KUBECONFIG at your kubeconfig`,
      );
    }
    return connectionFromConfig(config, files.join(delimiter), options.context);
  }
  const saDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  if (host && existsSync(join(saDir, 'token'))) {
    if (options.context !== undefined) {
      throw new Error(
        `--context ${options.context} needs a kubeconfig; pass --kubeconfig PATH or set KUBECONFIG`,
      );
    }
    const hostPart = host.includes(':') ? `[${host}]` : host;
    let namespace: string | undefined;
    try {
      namespace = readFileSync(join(saDir, 'namespace'), 'utf8').trim() || undefined;
    } catch {
      namespace = undefined;
    }
    return new ClusterConnection(
      `https://${hostPart}:${env.KUBERNETES_SERVICE_PORT ?? '443'}`,
      { ca: readFileSync(join(saDir, 'ca.crt')) },
      { file: join(saDir, 'token') },
      namespace,
    );
  }
  const home = join(env.HOME ?? homedir(), '.kube', 'config');
  if (existsSync(home)) return connectionFromKubeconfig(readFileSync(home, 'utf8'), home, options.context);
  throw new Error(
    'no API server to talk to: no --kubeconfig, no KUBECONFIG, not running in a pod with a service account, ' +
      `and no ${home}. Fix: pass --kubeconfig PATH or set KUBECONFIG.`,
  );
}
