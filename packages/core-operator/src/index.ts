/**
 * The nimbus-ts core operator.
 *
 * Today it ships the CustomResourceDefinitions of `intent.security.nimbus.com/v1alpha1` (SecurityIntent,
 * SecurityIntentBinding, ClusterSecurityIntentBinding, NimbusPolicy, ClusterNimbusPolicy; see
 * {@link crdDirectory}), TypeScript types generated from them, and the constants that address them. The CRD
 * files are the single source of truth: the types are regenerated from them and checked for drift.
 *
 * The controllers that reconcile bindings into NimbusPolicy and ClusterNimbusPolicy objects come with the
 * core-operator issue (see docs/ARCHITECTURE.md).
 *
 * @packageDocumentation
 */
export * from './api/index.js';
export { crdDirectory } from './crds.js';
export { createOperator, FIELD_MANAGER, type Operator, type OperatorOptions } from './operator.js';
