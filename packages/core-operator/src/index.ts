/**
 * The nimbus-ts core operator: reconciles SecurityIntents, SecurityIntentBindings and
 * ClusterSecurityIntentBindings into engine-neutral NimbusPolicy and ClusterNimbusPolicy objects.
 *
 * The API it serves (the CRDs of `intent.security.nimbus.com/v1alpha1` and their TypeScript types) lives in
 * `@nimbus-ts/k8s`, so that adapters can use it without depending on the operator. The `nimbus-core-operator`
 * binary is the deployable; {@link createOperator} embeds the same controllers in another process.
 *
 * The pure builders the controllers use (rules from intents, NimbusPolicies from bindings, the cluster-binding
 * fan-out, CEL selection) are exported too, so tools such as `nimbus render` build exactly what the operator
 * would without a cluster.
 *
 * @packageDocumentation
 */
export { buildNimbusPolicy } from './build/binding.js';
export { CEL_COST_LIMIT } from './build/cel-budget.js';
export {
  type CelBudgetExceeded,
  type CelEvaluationFailure,
  type CelInvalidExpression,
  type CelNoCommonLabels,
  type CelNoMatch,
  type CelSelection,
  type CelSelectorError,
  type CompiledCelSelector,
  compileCelSelector,
  describeCelError,
  type PodLabels,
  resolveCelSelector,
} from './build/cel-selector.js';
export {
  buildClusterNimbusPolicy,
  buildFanOutPolicy,
  FAN_OUT_PREFIX,
  fanOutPolicyName,
  targetNamespaces,
  validateClusterBinding,
} from './build/cluster-binding.js';
export { ConditionType } from './build/conditions.js';
export { ENFORCED } from './build/enforcement.js';
export { type ResolvedRules, resolveRules, ruleAction, ruleFor } from './build/rules.js';
export { STATUS_CREATED, STATUS_VALIDATION_FAIL } from './build/status.js';
export { createOperator, FIELD_MANAGER, type Operator, type OperatorOptions } from './operator.js';
