import type { NimbusObject, NimbusPolicySpec, NimbusPolicyStatus, SecurityIntentSpec } from './generated.js';

// Names for the parts of the generated types that controllers and adapters pass around. They are indexed
// out of the generated interfaces rather than declared again, so they follow every CRD change; the unit
// tests check that the cluster-wide and namespaced kinds share these shapes.

/** The name of one of the kinds in crds/. */
export type NimbusKind = NimbusObject['kind'];

/** The actions a SecurityIntent may ask for; `Enforce` (from the Nimbus tutorial) means `Block`. */
export type IntentAction = SecurityIntentSpec['intent']['action'];

/** One rule of a NimbusPolicy or ClusterNimbusPolicy: a bound intent, as copied from its SecurityIntent. */
export type NimbusRule = NimbusPolicySpec['rules'][number];

/** A label selector as the nimbus kinds spell it: `matchLabels` only, no `matchExpressions`. */
export type LabelSelector = NimbusPolicySpec['selector'];

/** One status condition, with the same shape on every kind (the Kubernetes condition convention). */
export type NimbusCondition = NonNullable<NimbusPolicyStatus['conditions']>[number];

/** Which adapters enforce one rule, as reported in a (Cluster)NimbusPolicy status. */
export type RuleEnforcement = NonNullable<NimbusPolicyStatus['enforcement']>[number];
