/**
 * `@nimbus-ts/adapter-k8tls/declaration`: the k8tls adapter's declaration and its pure builder, and nothing of
 * the process (`nimbus-k8tls`). Tools that only build or describe its objects — `nimbus render`, `validate` and
 * `status` — load this entry point; its default export is the declaration with the default settings, as
 * `nimbus --adapter` expects.
 *
 * @packageDocumentation
 */
import { k8tlsAdapter } from './adapter.js';

export { createK8tlsAdapter, k8tlsAdapter } from './adapter.js';
export { buildK8tlsObjects, K8TLS_INTENTS } from './build.js';
export { DEFAULT_K8TLS_CONFIG, type K8tlsConfig } from './config.js';
export { CONFIG_MAPS, CRON_JOBS } from './kinds.js';

/** The k8tls adapter's declaration (the same object as {@link k8tlsAdapter}). */
export default k8tlsAdapter;
