/**
 * `@nimbus-ts/scan-api/testing`: the scanning.nimbus-ts.io CRDs as unit tests see them — parsed from crds/, with
 * Ajv standing in for the API server's validation and a check for fields the API server would prune.
 *
 * @packageDocumentation
 */
export * from './crd-schema.js';
