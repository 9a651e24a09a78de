import { readFileSync } from 'node:fs';
import { type ClairConfig, clairConfig } from '@nimbus-ts/clair-client';
import type { Platform } from '@nimbus-ts/registry';

/** Where the webhook's serving certificate comes from. */
export type WebhookTls =
  /** Files, e.g. a cert-manager Secret mounted into the pod; `caFile` feeds the configuration's caBundle. */
  | { readonly kind: 'files'; readonly certFile: string; readonly keyFile: string; readonly caFile?: string }
  /** A Secret the replicas keep themselves: a CA and a serving certificate for `hosts`, rotated before expiry. */
  | { readonly kind: 'self-managed'; readonly secretName: string; readonly hosts: readonly string[] };

/**
 * Callers the webhook serves: only TLS clients with a certificate that the CA in `caFile` signed (and, with
 * `names`, of one of those common names), e.g. the API server with the client certificate its admission
 * configuration's `kubeConfigFile` gives it for the webhook's host.
 */
export interface WebhookClientAuth {
  readonly caFile: string;
  readonly names: readonly string[];
}

/** How the apiserver reaches the webhook and what it does when it cannot. */
export interface WebhookConfigurationSettings {
  /** Name of the ValidatingWebhookConfiguration the webhook keeps. */
  readonly name: string;
  readonly target:
    | { readonly service: { readonly name: string; readonly port: number } }
    | { readonly url: string };
  readonly failurePolicy: 'Fail' | 'Ignore';
  readonly timeoutSeconds: number;
}

/** The admission webhook's settings, read from the environment. */
export interface WebhookConfig {
  /** The webhook's namespace (the Pod's, from the downward API): its Secret lives there, and it is exempt. */
  readonly namespace: string;
  readonly port: number;
  readonly tls: WebhookTls;
  /** Absent: any client that reaches the port may call (the NetworkPolicy decides who reaches it). */
  readonly clientAuth?: WebhookClientAuth;
  /** Absent when the configuration is managed by someone else (`WEBHOOK_MANAGE_CONFIGURATION=false`). */
  readonly configuration?: WebhookConfigurationSettings;
  /** Clair, for blockVulnerableImages; without it every image counts as unscanned. */
  readonly clair?: ClairConfig;
  /** The platform whose manifest of a multi-arch image is judged. */
  readonly platform: Platform;
  /** The most admission waits for scans: the webhook timeout less two seconds to answer. */
  readonly maxScanBudgetMs: number;
}

/** The environment variables {@link webhookConfig} reads, for `--help` and the docs. */
export const WEBHOOK_ENV = `Webhook environment:
  POD_NAMESPACE                  the webhook's namespace (required; from the downward API)
  WEBHOOK_PORT                   HTTPS port (default 9443)
  WEBHOOK_TLS_CERT_FILE, WEBHOOK_TLS_KEY_FILE [, WEBHOOK_TLS_CA_FILE]
                                 serve this certificate (re-read when it changes); without them the replicas keep
                                 a CA and certificate in the Secret WEBHOOK_TLS_SECRET and rotate them
  WEBHOOK_TLS_SECRET             default nimbus-admission-tls
  WEBHOOK_CLIENT_CA_FILE         serve only TLS clients with a certificate this CA signed (the API server's, from the
                                 kubeConfigFile of its admission configuration); default: any client
  WEBHOOK_CLIENT_NAMES           with WEBHOOK_CLIENT_CA_FILE: the certificate common names allowed, comma-separated
                                 (default: any the CA signed)
  WEBHOOK_SERVICE                the Service in front of the webhook (default nimbus-admission, port 443)
  WEBHOOK_URL                    base URL the apiserver calls instead of the Service (e.g. https://10.0.0.5:9443)
  WEBHOOK_CONFIGURATION          the ValidatingWebhookConfiguration kept (default nimbus-admission)
  WEBHOOK_MANAGE_CONFIGURATION   false: leave the configuration to someone else (default true)
  WEBHOOK_FAILURE_POLICY         Fail (refuse while the webhook is down; default) or Ignore
  WEBHOOK_TIMEOUT_SECONDS        how long the apiserver waits, 3-30 (default 10); scans get 2 s less
  ADMISSION_PLATFORM             os/arch[/variant] judged for multi-arch images (default linux/amd64)
  CLAIR_URL and the other Clair variables (CLAIR_PSK_*, INSECURE_REGISTRIES, SCAN_CONCURRENCY): for blockVulnerableImages (without CLAIR_URL, images are unscanned)`;

/**
 * Reads the webhook's configuration.
 *
 * @throws Error naming the variable and the fix when one is missing or malformed.
 */
export function webhookConfig(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): WebhookConfig {
  const namespace = env.POD_NAMESPACE;
  if (!namespace) {
    throw new Error(
      'POD_NAMESPACE is not set: give the webhook its namespace (valueFrom: fieldRef: metadata.namespace)',
    );
  }
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${env[name]}"`);
    }
    return value;
  };
  const port = integer('WEBHOOK_PORT', 9443, 1, 65535);
  const timeoutSeconds = integer('WEBHOOK_TIMEOUT_SECONDS', 10, 3, 30);
  const failurePolicy = env.WEBHOOK_FAILURE_POLICY ?? 'Fail';
  if (failurePolicy !== 'Fail' && failurePolicy !== 'Ignore') {
    throw new Error(`WEBHOOK_FAILURE_POLICY must be Fail or Ignore, got "${failurePolicy}"`);
  }
  const service = env.WEBHOOK_SERVICE || 'nimbus-admission';
  let url: URL | undefined;
  if (env.WEBHOOK_URL) {
    try {
      url = new URL(env.WEBHOOK_URL);
    } catch {
      // Reported below.
    }
    if (url?.protocol !== 'https:') {
      throw new Error(
        `WEBHOOK_URL "${env.WEBHOOK_URL}" must be an https URL: the apiserver calls webhooks over TLS only`,
      );
    }
  }
  const certFile = env.WEBHOOK_TLS_CERT_FILE;
  const keyFile = env.WEBHOOK_TLS_KEY_FILE;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new Error(
      'set both WEBHOOK_TLS_CERT_FILE and WEBHOOK_TLS_KEY_FILE, or neither (self-managed certificates)',
    );
  }
  const tls: WebhookTls =
    certFile && keyFile
      ? {
          kind: 'files',
          certFile,
          keyFile,
          ...(env.WEBHOOK_TLS_CA_FILE ? { caFile: env.WEBHOOK_TLS_CA_FILE } : {}),
        }
      : {
          kind: 'self-managed',
          secretName: env.WEBHOOK_TLS_SECRET || 'nimbus-admission-tls',
          // Every name the apiserver may use for the Service, and the URL's host when one is given.
          hosts: [
            service,
            `${service}.${namespace}`,
            `${service}.${namespace}.svc`,
            `${service}.${namespace}.svc.cluster.local`,
            ...(url ? [url.hostname.replace(/^\[|\]$/g, '')] : []),
          ],
        };
  const clientCaFile = env.WEBHOOK_CLIENT_CA_FILE;
  const clientNames = (env.WEBHOOK_CLIENT_NAMES ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (!clientCaFile && clientNames.length > 0) {
    throw new Error(
      "WEBHOOK_CLIENT_NAMES needs WEBHOOK_CLIENT_CA_FILE: set the CA that signs the callers' certificates too",
    );
  }
  const manage = env.WEBHOOK_MANAGE_CONFIGURATION ?? 'true';
  if (manage !== 'true' && manage !== 'false') {
    throw new Error(`WEBHOOK_MANAGE_CONFIGURATION must be true or false, got "${manage}"`);
  }
  const platformText = env.ADMISSION_PLATFORM || 'linux/amd64';
  const [os, architecture, variant, ...rest] = platformText.split('/');
  if (!os || !architecture || rest.length > 0) {
    throw new Error(
      `ADMISSION_PLATFORM must be os/arch or os/arch/variant, e.g. linux/arm64, got "${platformText}"`,
    );
  }
  return {
    namespace,
    port,
    tls,
    ...(clientCaFile ? { clientAuth: { caFile: clientCaFile, names: clientNames } } : {}),
    ...(manage === 'true'
      ? {
          configuration: {
            name: env.WEBHOOK_CONFIGURATION || 'nimbus-admission',
            target: url
              ? { url: url.toString().replace(/\/$/, '') }
              : { service: { name: service, port: 443 } },
            failurePolicy,
            timeoutSeconds,
          },
        }
      : {}),
    ...(env.CLAIR_URL ? { clair: clairConfig(env, readFile) } : {}),
    platform: { os, architecture, ...(variant ? { variant } : {}) },
    maxScanBudgetMs: (timeoutSeconds - 2) * 1000,
  };
}
