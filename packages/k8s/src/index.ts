/**
 * `@nimbus-ts/k8s` — the Kubernetes plumbing every nimbus-ts component and third-party adapter builds on.
 *
 * Today: structured logging and raw API requests. The controller runtime and the adapter SDK join as their
 * issues land. Test helpers live in the separate `@nimbus-ts/k8s/testing` entry point.
 *
 * @packageDocumentation
 */
export { createLogger, type Logger, type LoggerOptions } from './logger.js';
export { type RawRequestOptions, type RawResponse, rawRequest } from './raw-request.js';
