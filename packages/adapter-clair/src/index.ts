/**
 * @nimbus-ts/adapter-clair.
 *
 * The Clair adapter will scan running images with Clair v4, publish reports and run the image admission webhook (see docs/ARCHITECTURE.md). The package exists now so the workspace, build and release pipeline
 * are in place; its code lands with its own issue.
 *
 * @packageDocumentation
 */
export {};
