/** A status condition as `nimbus status` shows it. */
export interface ConditionView {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
  /** True when it was computed for an older `metadata.generation`: the controller has not caught up. */
  readonly stale: boolean;
}

/** One engine object listed in a policy's `status.adapterPolicies`, checked against the cluster. */
export interface EngineObjectView {
  /** The entry as written, e.g. `KubeArmorPolicy/web-dnsmanipulation`. */
  readonly entry: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /**
   * `present` (exists and is controlled by the policy), `missing`, `notOwned` (exists but someone else controls
   * it), or `unchecked` (a kind none of the CLI's adapters writes, so it cannot be looked up).
   */
  readonly state: 'present' | 'missing' | 'notOwned' | 'unchecked';
  /** The object's own `Ready` condition, when it keeps one. */
  readonly ready?: ConditionView;
  /** A scan summary for objects that report one, e.g. `3 images: 2 critical, 1 high`. */
  readonly summary?: string;
}

/** What one adapter reports on one policy. */
export interface AdapterView {
  readonly name: string;
  /** Its `nimbus-<adapter>/Ready` condition, when it wrote one. */
  readonly condition?: ConditionView;
  readonly objects: readonly EngineObjectView[];
  readonly problems: readonly string[];
}

/** One rule of a policy and the running adapters that enforce it (`status.enforcement`). */
export interface RuleView {
  readonly id: string;
  readonly adapters: readonly string[];
}

/** A (Cluster)NimbusPolicy of a binding. */
export interface PolicyView {
  readonly kind: 'NimbusPolicy' | 'ClusterNimbusPolicy';
  readonly namespace?: string;
  readonly name: string;
  /** False when the binding's status names it but it does not exist. */
  readonly found: boolean;
  /** The core operator's conditions on it, e.g. `Enforced`. */
  readonly conditions: readonly ConditionView[];
  readonly rules: readonly RuleView[];
  readonly adapters: readonly AdapterView[];
  readonly problems: readonly string[];
}

/** One SecurityIntent a binding names. */
export interface IntentView {
  readonly name: string;
  readonly found: boolean;
  readonly id?: string;
  readonly action?: string;
  readonly problems: readonly string[];
}

/** A SecurityIntentBinding or ClusterSecurityIntentBinding with everything that follows from it. */
export interface BindingView {
  readonly kind: 'SecurityIntentBinding' | 'ClusterSecurityIntentBinding';
  readonly namespace?: string;
  readonly name: string;
  readonly conditions: readonly ConditionView[];
  readonly intents: readonly IntentView[];
  readonly policies: readonly PolicyView[];
  readonly problems: readonly string[];
  /** No problem here or anywhere below. */
  readonly healthy: boolean;
}

/** What `nimbus status` found. */
export interface StatusReport {
  /** The namespace looked at; absent for all namespaces. */
  readonly namespace?: string;
  readonly bindings: readonly BindingView[];
  /** Every binding healthy (also true when there are none). */
  readonly healthy: boolean;
}

/** Whether a binding and everything below it has no problem. */
export function bindingHealthy(binding: Omit<BindingView, 'healthy'>): boolean {
  return (
    binding.problems.length === 0 &&
    binding.intents.every((i) => i.problems.length === 0) &&
    binding.policies.every((p) => p.problems.length === 0 && p.adapters.every((a) => a.problems.length === 0))
  );
}
