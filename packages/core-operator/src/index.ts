/**
 * The nimbus-ts core operator: reconciles SecurityIntents, SecurityIntentBindings and
 * ClusterSecurityIntentBindings into engine-neutral NimbusPolicy and ClusterNimbusPolicy objects.
 *
 * The API it serves (the CRDs of `intent.security.nimbus.com/v1alpha1` and their TypeScript types) lives in
 * `@nimbus-ts/k8s`, so that adapters can use it without depending on the operator. The `nimbus-core-operator`
 * binary is the deployable; {@link createOperator} embeds the same controllers in another process.
 *
 * @packageDocumentation
 */
export { createOperator, FIELD_MANAGER, type Operator, type OperatorOptions } from './operator.js';
