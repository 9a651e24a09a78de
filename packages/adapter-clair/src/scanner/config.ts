import { readFileSync } from 'node:fs';
import { redactSecrets } from '@nimbus-ts/k8s';
import { DEFAULT_EXCLUDED_NAMESPACES, type NamespaceFilter } from './namespace-filter.js';

/** How the scanner reaches Clair and the registries; read from the environment (flags are shared by every component). */
export interface ScannerConfig {
  /** Clair's API origin (combo mode), e.g. `http://clair.clair:6060`. */
  readonly clairUrl: string;
  /** Clair's `auth.psk.key` (base64); absent when Clair runs without authentication. */
  readonly pskKey?: string;
  /** An issuer Clair accepts (`auth.psk.iss`). */
  readonly issuer: string;
  /** Registries reached over plain http (loopback ones always are). */
  readonly insecureRegistries: readonly string[];
  /** Most images resolved, indexed or matched at once. */
  readonly concurrency: number;
  /** The namespaces scanned. */
  readonly namespaces: NamespaceFilter;
  /** Where Clair's notifier webhooks are received; absent: not received (rescans follow the interval only). */
  readonly notifier?: {
    readonly port: number;
    /** PEM key and certificate to serve HTTPS with. */
    readonly tls?: { readonly key: string; readonly cert: string };
  };
}

/** The environment variables {@link scannerConfig} reads, for `--help` and the docs. */
export const SCANNER_ENV = `Scanner environment:
  CLAIR_URL                Clair's API, e.g. http://clair.clair:6060 (required)
  CLAIR_PSK_KEY_FILE       file holding Clair's auth.psk.key (base64), e.g. a mounted Secret; or
  CLAIR_PSK_KEY            the key itself (prefer the file: environment variables leak into process listings)
  CLAIR_PSK_ISSUER         an issuer in Clair's auth.psk.iss (default nimbus-clair)
  INSECURE_REGISTRIES      comma-separated host[:port] reached over plain http
  SCAN_CONCURRENCY         images scanned at once (default 4)
  SCAN_NAMESPACES          comma-separated namespaces to scan (default: all)
  SCAN_EXCLUDE_NAMESPACES  comma-separated globs of namespaces never scanned (default kube-*; empty: none)
  CLAIR_NOTIFIER_PORT      port to receive Clair's notifier webhooks on, for rescans as soon as new advisories
                           affect an image (default: off); needs Clair's PSK key, which signs them
  CLAIR_NOTIFIER_TLS_CERT_FILE, CLAIR_NOTIFIER_TLS_KEY_FILE
                           PEM certificate and key to serve the receiver over HTTPS`;

/**
 * Reads the scanner's configuration.
 *
 * @throws Error naming the variable and the fix when one is missing or malformed.
 */
export function scannerConfig(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ScannerConfig {
  const clairUrl = env.CLAIR_URL;
  if (!clairUrl)
    throw new Error(
      `CLAIR_URL is not set: point it at Clair's API (e.g. http://clair:6060).\n${SCANNER_ENV}`,
    );
  let url: URL | undefined;
  try {
    url = new URL(clairUrl);
  } catch {
    // Reported below with the fix.
  }
  // Messages name the URL without its userinfo: a password there must not reach the logs.
  const shown = redactSecrets(clairUrl);
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new Error(
      `CLAIR_URL "${shown}" is not an http(s) URL; give the scheme too, e.g. http://clair:6060`,
    );
  }
  if (url.username || url.password) {
    throw new Error(
      `CLAIR_URL "${shown}" holds credentials (user:password@), which would be sent nowhere and logged: remove ` +
        'them; Clair authenticates nimbus-clair with its PSK (CLAIR_PSK_KEY_FILE, CLAIR_PSK_ISSUER)',
    );
  }
  const keyFile = env.CLAIR_PSK_KEY_FILE;
  const pskKey = keyFile ? readFile(keyFile).trim() : env.CLAIR_PSK_KEY?.trim() || undefined;
  const concurrency = Number(env.SCAN_CONCURRENCY ?? '4');
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new Error(`SCAN_CONCURRENCY must be an integer from 1 to 64, got "${env.SCAN_CONCURRENCY}"`);
  }
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  let notifier: ScannerConfig['notifier'];
  if (env.CLAIR_NOTIFIER_PORT) {
    const port = Number(env.CLAIR_NOTIFIER_PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(
        `CLAIR_NOTIFIER_PORT must be a port number from 1 to 65535, got "${env.CLAIR_NOTIFIER_PORT}"`,
      );
    }
    if (!pskKey) {
      throw new Error(
        "CLAIR_NOTIFIER_PORT is set but Clair's PSK key is not: the notifier's webhooks are verified with it; set CLAIR_PSK_KEY_FILE",
      );
    }
    const certFile = env.CLAIR_NOTIFIER_TLS_CERT_FILE;
    const keyFile = env.CLAIR_NOTIFIER_TLS_KEY_FILE;
    if (Boolean(certFile) !== Boolean(keyFile)) {
      throw new Error(
        'set both CLAIR_NOTIFIER_TLS_CERT_FILE and CLAIR_NOTIFIER_TLS_KEY_FILE (e.g. from a kubernetes.io/tls Secret), or neither',
      );
    }
    notifier = {
      port,
      ...(certFile && keyFile ? { tls: { cert: readFile(certFile), key: readFile(keyFile) } } : {}),
    };
  }
  return {
    clairUrl,
    ...(pskKey ? { pskKey } : {}),
    issuer: env.CLAIR_PSK_ISSUER || 'nimbus-clair',
    insecureRegistries: list(env.INSECURE_REGISTRIES),
    concurrency,
    namespaces: {
      include: list(env.SCAN_NAMESPACES),
      exclude:
        env.SCAN_EXCLUDE_NAMESPACES === undefined
          ? DEFAULT_EXCLUDED_NAMESPACES
          : list(env.SCAN_EXCLUDE_NAMESPACES),
    },
    ...(notifier ? { notifier } : {}),
  };
}
