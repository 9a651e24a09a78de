/**
 * The nimbus-ts core operator.
 *
 * It will reconcile SecurityIntent, SecurityIntentBinding and ClusterSecurityIntentBinding objects into
 * NimbusPolicy and ClusterNimbusPolicy objects (see docs/ARCHITECTURE.md). The package exists now so the
 * workspace, build and release pipeline are in place; its code lands with the core-operator issue.
 *
 * @packageDocumentation
 */
export {};
