import { readFileSync } from 'node:fs';
import { CLAIR_ENV, type ClairConfig, clairConfig } from '@nimbus-ts/clair-client';
import { DEFAULT_EXCLUDED_NAMESPACES, type NamespaceFilter } from './namespace-filter.js';

/** How the scanner reaches Clair and the registries; read from the environment (flags are shared by every component). */
export interface ScannerConfig extends ClairConfig {
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
${CLAIR_ENV}
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
  const clair = clairConfig(env, readFile);
  const pskKey = clair.pskKey;
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
    ...clair,
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
