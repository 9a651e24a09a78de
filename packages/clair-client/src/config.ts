import { readFileSync } from 'node:fs';
import { redactSecrets } from '@nimbus-ts/k8s';

/**
 * How a component reaches Clair and the registries it fetches images from; read from the environment by
 * {@link clairConfig}. The scanner and the admission webhook both read it.
 */
export interface ClairConfig {
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
}

/** The environment variables {@link clairConfig} reads, for `--help` and the docs. */
export const CLAIR_ENV = `  CLAIR_URL                Clair's API, e.g. http://clair.clair:6060 (required)
  CLAIR_PSK_KEY_FILE       file holding Clair's auth.psk.key (base64), e.g. a mounted Secret; or
  CLAIR_PSK_KEY            the key itself (prefer the file: environment variables leak into process listings)
  CLAIR_PSK_ISSUER         an issuer in Clair's auth.psk.iss (default nimbus-clair)
  INSECURE_REGISTRIES      comma-separated host[:port] reached over plain http
  SCAN_CONCURRENCY         images scanned at once (default 4)`;

/**
 * Reads how to reach Clair from the environment.
 *
 * @throws Error naming the variable and the fix when one is missing or malformed.
 */
export function clairConfig(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ClairConfig {
  const clairUrl = env.CLAIR_URL;
  if (!clairUrl)
    throw new Error(
      `CLAIR_URL is not set: point it at Clair's API (e.g. http://clair:6060).\nClair environment:\n${CLAIR_ENV}`,
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
  return {
    clairUrl,
    ...(pskKey ? { pskKey } : {}),
    issuer: env.CLAIR_PSK_ISSUER || 'nimbus-clair',
    insecureRegistries: list(env.INSECURE_REGISTRIES),
    concurrency,
  };
}
