import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';
import { buildForNamespacedPolicy, buildK8tlsObjects, K8TLS_INTENTS } from './build.js';
import { DEFAULT_K8TLS_CONFIG, type K8tlsConfig } from './config.js';
import { CONFIG_MAPS, CRON_JOBS } from './kinds.js';

/**
 * The k8tls adapter for a scan namespace, scanner image and ServiceAccount: assessTLS ClusterNimbusPolicies →
 * a k8tls CronJob (and the ConfigMap of its external addresses) in `config.namespace`.
 */
export function createK8tlsAdapter(config: K8tlsConfig = DEFAULT_K8TLS_CONFIG): AdapterDeclaration {
  return {
    name: 'k8tls',
    intents: K8TLS_INTENTS,
    kinds: [CRON_JOBS, CONFIG_MAPS],
    build: buildForNamespacedPolicy,
    buildCluster: (policy, context) => buildK8tlsObjects(policy, context, config),
  };
}

/** The k8tls adapter with {@link DEFAULT_K8TLS_CONFIG}: what `nimbus render` and `nimbus status` use. */
export const k8tlsAdapter: AdapterDeclaration = createK8tlsAdapter();
