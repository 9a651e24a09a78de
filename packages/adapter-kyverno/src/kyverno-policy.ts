/**
 * The subset of Kyverno's `kyverno.io/v1` Policy and ClusterPolicy this adapter writes. Field names and meaning
 * are Kyverno's (see its CRDs, `config/crds/kyverno/` in github.com/kyverno/kyverno).
 */

/** Which resources a rule applies to, or is kept away from. */
export interface KyvernoResourceFilter {
  /** `[group/]version/Kind`, e.g. `v1/Pod` or `apps/v1/Deployment`. */
  readonly kinds: readonly string[];
  /** Only in these namespaces (ClusterPolicy only; a Policy applies to its own namespace). */
  readonly namespaces?: readonly string[];
  /** Only objects carrying all of these labels. */
  readonly selector?: { readonly matchLabels: Readonly<Record<string, string>> };
  /** Only these operations (`CREATE`, `UPDATE`, …). */
  readonly operations?: readonly string[];
}

/** `match` or `exclude` of a rule: any of the filters. */
export interface KyvernoMatch {
  readonly any: readonly { readonly resources: KyvernoResourceFilter }[];
}

/** One JMESPath condition of a rule's `preconditions`. */
export interface KyvernoCondition {
  readonly key: string;
  readonly operator: 'AnyIn' | 'AllIn' | 'AnyNotIn' | 'AllNotIn' | 'Equals' | 'NotEquals' | 'GreaterThan';
  readonly value: string | readonly string[];
}

/** A validate rule: a Pod Security Standard, a pattern or a deny condition. */
export interface KyvernoValidate {
  /** `Enforce` refuses the request; `Audit` admits it and reports the violation. */
  readonly failureAction: 'Enforce' | 'Audit';
  /** Kyverno's default, `true`: an update of an object that already violated the rule is not refused for it. */
  readonly allowExistingViolations?: boolean;
  readonly message?: string;
  readonly podSecurity?: { readonly level: 'baseline' | 'restricted'; readonly version: 'latest' };
  readonly pattern?: unknown;
  readonly deny?: { readonly conditions: { readonly any: readonly KyvernoCondition[] } };
}

/** A mutate rule: a strategic-merge patch of the matched object, or of `targets` (mutate existing). */
export interface KyvernoMutate {
  readonly patchStrategicMerge: unknown;
  readonly targets?: readonly {
    readonly apiVersion: string;
    readonly kind: string;
    readonly namespace?: string;
    readonly name?: string;
  }[];
}

/** One rule of a policy. */
export interface KyvernoRule {
  readonly name: string;
  /** Kyverno's default, `true`: requests of Kyverno's own background controllers are not evaluated. */
  readonly skipBackgroundRequests?: boolean;
  readonly match: KyvernoMatch;
  readonly exclude?: KyvernoMatch;
  readonly preconditions?: {
    readonly any?: readonly KyvernoCondition[];
    readonly all?: readonly KyvernoCondition[];
  };
  readonly validate?: KyvernoValidate;
  readonly mutate?: KyvernoMutate;
}

/** The spec of a Policy or ClusterPolicy. */
export interface KyvernoPolicySpec {
  /** Kyverno's default, `true`: the policy is applied on admission. */
  readonly admission?: boolean;
  /** Kyverno's default, `false`: no admission warnings for the policy's results. */
  readonly emitWarning?: boolean;
  /**
   * The policy-wide failure action Kyverno 1.19 deprecates in favour of each rule's `validate.failureAction` (which
   * wins); its CRD defaults it to `Audit`. Written as the rules' action so that the stored policy reads consistently.
   */
  readonly validationFailureAction?: 'Enforce' | 'Audit';
  /** Whether Kyverno's background scan also reports on existing resources. */
  readonly background: boolean;
  /** Whether a mutate-existing rule is applied to existing targets when the policy is created or changed. */
  readonly mutateExistingOnPolicyUpdate?: boolean;
  readonly rules: readonly KyvernoRule[];
}

/** A `kyverno.io/v1` Policy (namespaced) or ClusterPolicy, as this adapter builds it. */
export interface KyvernoPolicy {
  readonly apiVersion: 'kyverno.io/v1';
  readonly kind: 'Policy' | 'ClusterPolicy';
  readonly metadata: {
    readonly name: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: KyvernoPolicySpec;
}
