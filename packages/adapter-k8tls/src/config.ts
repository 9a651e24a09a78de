import { createRequire } from 'node:module';

/** Where and with what the k8tls adapter runs its scans. */
export interface K8tlsConfig {
  /** The namespace of the CronJobs, the address ConfigMaps, the scan jobs and their reports. */
  readonly namespace: string;
  /** The ServiceAccount the scan jobs run as (it may list Services and create ConfigMaps in `namespace`). */
  readonly serviceAccount: string;
  /** The k8tls image (its `k8s_tlsscan` and `tlsscan` scripts). */
  readonly scannerImage: string;
  /** The image whose `nimbus-k8tls-report` hands the report to the adapter: this package's own image. */
  readonly reporterImage: string;
}

/**
 * This package's version, which is also the tag of its image (read from package.json, which the release's
 * version bump updates, so the default reporter image always matches the running adapter).
 */
export const K8TLS_ADAPTER_VERSION: string = (
  createRequire(import.meta.url)('../package.json') as { version: string }
).version;

/**
 * The defaults: upstream's namespace `nimbus-k8tls-env`, the ServiceAccount deploy/adapter-k8tls creates there,
 * k8tls's published image and this version's adapter image.
 */
export const DEFAULT_K8TLS_CONFIG: K8tlsConfig = Object.freeze({
  namespace: 'nimbus-k8tls-env',
  serviceAccount: 'nimbus-k8tls-scanner',
  scannerImage: 'docker.io/kubearmor/k8tls:latest',
  reporterImage: `ghcr.io/nimbus-ts/nimbus-k8tls:${K8TLS_ADAPTER_VERSION}`,
});

/** The environment variables {@link k8tlsConfigFromEnv} reads, for `--help`. */
export const K8TLS_ENV = `k8tls settings (environment):
  K8TLS_NAMESPACE         namespace of the scan CronJobs, jobs and reports (default ${DEFAULT_K8TLS_CONFIG.namespace})
  K8TLS_SERVICE_ACCOUNT   ServiceAccount of the scan jobs (default ${DEFAULT_K8TLS_CONFIG.serviceAccount})
  K8TLS_IMAGE             k8tls image (default ${DEFAULT_K8TLS_CONFIG.scannerImage})
  K8TLS_REPORTER_IMAGE    image that runs nimbus-k8tls-report (default ${DEFAULT_K8TLS_CONFIG.reporterImage})`;

/** Reads {@link K8tlsConfig} from the environment; unset or empty variables keep the defaults. */
export function k8tlsConfigFromEnv(env: NodeJS.ProcessEnv): K8tlsConfig {
  const pick = (name: string, fallback: string) => {
    const value = env[name]?.trim();
    return value ? value : fallback;
  };
  return {
    namespace: pick('K8TLS_NAMESPACE', DEFAULT_K8TLS_CONFIG.namespace),
    serviceAccount: pick('K8TLS_SERVICE_ACCOUNT', DEFAULT_K8TLS_CONFIG.serviceAccount),
    scannerImage: pick('K8TLS_IMAGE', DEFAULT_K8TLS_CONFIG.scannerImage),
    reporterImage: pick('K8TLS_REPORTER_IMAGE', DEFAULT_K8TLS_CONFIG.reporterImage),
  };
}
