import { spawn } from 'node:child_process';
import type { ExecConfig } from './kubeconfig-file.js';

/** The API versions of `ExecCredential` that kubectl still runs (v1alpha1 was removed in Kubernetes 1.24). */
export const EXEC_CREDENTIAL_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const;

/** What an exec plugin hands out: a bearer token, or a client certificate and key (PEM). */
export interface ExecCredential {
  readonly token?: string;
  readonly clientCertificateData?: string;
  readonly clientKeyData?: string;
  /** When the credential stops being valid; without it, it is used until the API server answers 401. */
  readonly expiresAt?: number;
}

/** The cluster an exec plugin is told about when its config sets `provideClusterInfo`. */
export interface ExecClusterInfo {
  readonly server: string;
  readonly 'certificate-authority-data'?: string;
  readonly 'insecure-skip-tls-verify'?: boolean;
  readonly 'tls-server-name'?: string;
}

/**
 * Checks an exec config before it is ever run, so a kubeconfig mistake is reported when the connection is
 * loaded, not on the first request.
 *
 * @throws Error naming the user, the problem and the fix.
 */
export function checkExecConfig(exec: ExecConfig, where: string): void {
  if (!exec.command) throw new Error(`${where}: exec has no command`);
  if (
    !EXEC_CREDENTIAL_API_VERSIONS.includes(exec.apiVersion as (typeof EXEC_CREDENTIAL_API_VERSIONS)[number])
  ) {
    throw new Error(
      `${where}: exec apiVersion "${exec.apiVersion ?? ''}" is not supported; ` +
        `use ${EXEC_CREDENTIAL_API_VERSIONS.join(' or ')} (the plugin's documentation names the one it speaks)`,
    );
  }
  if (exec.interactiveMode === 'Always') {
    throw new Error(
      `${where}: exec interactiveMode is Always, but nimbus-ts never has a terminal to give the plugin. ` +
        'Fix: use a plugin mode that needs no prompt (interactiveMode: Never or IfAvailable), e.g. a cached login',
    );
  }
}

/**
 * Reads a plugin's standard output: an `ExecCredential` of the same apiVersion with a token or a client
 * certificate and key.
 *
 * @throws Error saying what the output lacks.
 */
export function parseExecCredential(stdout: string, apiVersion: string, where: string): ExecCredential {
  let doc: {
    apiVersion?: string;
    kind?: string;
    status?: {
      token?: string;
      clientCertificateData?: string;
      clientKeyData?: string;
      expirationTimestamp?: string;
    };
  };
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new Error(
      `${where}: the exec plugin's output is not JSON: ${JSON.stringify(stdout.slice(0, 200))}`,
    );
  }
  if (doc?.kind !== 'ExecCredential' || doc.apiVersion !== apiVersion) {
    throw new Error(
      `${where}: the exec plugin printed ${doc?.kind ?? 'no kind'} ${doc?.apiVersion ?? ''}, expected ExecCredential ${apiVersion}`,
    );
  }
  const status = doc.status ?? {};
  const hasCert = Boolean(status.clientCertificateData) && Boolean(status.clientKeyData);
  if (!status.token && !hasCert) {
    throw new Error(
      `${where}: the exec plugin's ExecCredential has neither status.token nor status.clientCertificateData + clientKeyData`,
    );
  }
  const expiresAt = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : undefined;
  if (expiresAt !== undefined && Number.isNaN(expiresAt)) {
    throw new Error(
      `${where}: the exec plugin's expirationTimestamp "${status.expirationTimestamp}" is not a time`,
    );
  }
  return {
    ...(status.token ? { token: status.token } : {}),
    ...(hasCert
      ? { clientCertificateData: status.clientCertificateData, clientKeyData: status.clientKeyData }
      : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
}

/** Options of {@link ExecCredentialSource}. */
export interface ExecCredentialSourceOptions {
  /** How errors name this user, e.g. `kubeconfig /home/me/.kube/config: user "eks"`. */
  readonly where: string;
  /** Sent in `KUBERNETES_EXEC_INFO` when the config sets `provideClusterInfo`. */
  readonly cluster?: ExecClusterInfo;
  /** The environment the plugin inherits (the config's `env` entries are added); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** How long the plugin may run; default 60 s. */
  readonly timeoutMs?: number;
  /** The clock, for tests; default `Date.now`. */
  readonly now?: () => number;
}

/** Renew a credential this long before it expires, so a request never leaves with one that is about to lapse. */
const EXPIRY_MARGIN_MS = 10_000;

/**
 * Runs a kubeconfig's exec credential plugin (EKS `aws eks get-token`, GKE `gke-gcloud-auth-plugin`, AKS
 * `kubelogin`, OIDC helpers) the way client-go does: non-interactively, with `KUBERNETES_EXEC_INFO` set,
 * caching the credential until it expires or the API server answers 401. Concurrent callers share one run.
 */
export class ExecCredentialSource {
  private cached: ExecCredential | undefined;
  private running: Promise<ExecCredential> | undefined;
  /** How many times the plugin has run; for metrics and tests. */
  runs = 0;

  /** @throws Error when the config cannot work (see {@link checkExecConfig}). */
  constructor(
    private readonly exec: ExecConfig,
    private readonly options: ExecCredentialSourceOptions,
  ) {
    checkExecConfig(exec, options.where);
  }

  /** A valid credential: the cached one, or a fresh one from the plugin. */
  async credential(): Promise<ExecCredential> {
    const now = (this.options.now ?? Date.now)();
    const cached = this.cached;
    if (cached && (cached.expiresAt === undefined || cached.expiresAt - EXPIRY_MARGIN_MS > now))
      return cached;
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Forgets the cached credential (the API server refused it); the next request runs the plugin again. */
  invalidate(): void {
    this.cached = undefined;
  }

  private async run(): Promise<ExecCredential> {
    const { exec, options } = this;
    const apiVersion = exec.apiVersion as string;
    const info = {
      apiVersion,
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        ...(exec.provideClusterInfo && options.cluster ? { cluster: options.cluster } : {}),
      },
    };
    const env: NodeJS.ProcessEnv = {
      ...(options.env ?? process.env),
      KUBERNETES_EXEC_INFO: JSON.stringify(info),
    };
    for (const { name, value } of exec.env ?? []) env[name] = value;
    this.runs += 1;
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = spawn(exec.command as string, [...(exec.args ?? [])], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: options.timeoutMs ?? 60_000,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', (error: NodeJS.ErrnoException) => {
        const hint = exec.installHint ? `\n${exec.installHint.trim()}` : '';
        reject(
          new Error(
            error.code === 'ENOENT'
              ? `${options.where}: exec plugin "${exec.command}" not found.${hint || ' Fix: install it or put it on PATH.'}`
              : `${options.where}: exec plugin "${exec.command}" could not run: ${error.message}`,
          ),
        );
      });
      child.on('close', (code, signal) => {
        const stderr = Buffer.concat(err).toString('utf8').trim();
        if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
        reject(
          new Error(
            `${options.where}: exec plugin "${exec.command}" ${signal ? `was killed by ${signal}` : `exited with code ${code}`}` +
              (stderr ? `: ${stderr.slice(-500)}` : ''),
          ),
        );
      });
    });
    const credential = parseExecCredential(stdout, apiVersion, options.where);
    this.cached = credential;
    return credential;
  }
}
