// The wire types of scanning.nimbus-ts.io/v1alpha1: generated from crds/, plus the constants that address
// them. One module so that the package entry point re-exports a single place.

export * from './constants.js';
export { crdDirectory } from './crds.js';
export type * from './generated.js';
export type * from './types.js';
