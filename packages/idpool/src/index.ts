/**
 * @nimbus-ts/idpool.
 *
 * The intent ID pool will list every intent ID with its metadata and the engines that support it (see docs/ARCHITECTURE.md). The package exists now so the workspace, build and release pipeline
 * are in place; its code lands with its own issue.
 *
 * @packageDocumentation
 */
export {};
