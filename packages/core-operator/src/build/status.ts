import {
  type Condition,
  type ConditionInput,
  removeCondition,
  type StatusApplyPlan,
  semanticEqual,
  setCondition,
} from '@nimbus-ts/k8s';

/** Upstream's `status.status` value once the operator has processed an object. */
export const STATUS_CREATED = 'Created';
/** Upstream's `status.status` value of a ClusterSecurityIntentBinding with an invalid selector. */
export const STATUS_VALIDATION_FAIL = 'ValidationFail';

/**
 * Adds `lastUpdated` to a desired status only when another field changes, so that an unchanged object
 * never gets a status write that moves just a timestamp.
 */
export function withLastUpdated<S extends { lastUpdated?: string }>(
  wanted: Partial<S>,
  current: S | undefined,
  equal: (a: unknown, b: unknown) => boolean,
  now: () => Date,
): Partial<S> {
  const cur = (current ?? {}) as Record<string, unknown>;
  const changed = Object.entries(wanted).some(([k, v]) => !equal(v, cur[k]));
  return changed ? { ...wanted, lastUpdated: now().toISOString() } : wanted;
}

/** The status fields the core operator owns on a (Cluster)NimbusPolicy it wrote. */
export interface CreatedPolicyStatus {
  status?: string;
  lastUpdated?: string;
  /** Upstream's count of engine policies; adapters own it once they report, the operator only starts it at 0. */
  numberOfAdapterPolicies?: number;
  conditions?: Condition[];
}

/**
 * The status the core operator wants on a policy it wrote: upstream's `status: Created`, a `Built` condition
 * naming the binding, and `numberOfAdapterPolicies: 0` while no adapter has written a count — upstream's CRD
 * requires the field and `kubectl get np` shows it, and upstream's operator writes 0 on creation. A count an
 * adapter wrote is returned as it is, so it is never overwritten. `lastUpdated` moves only when something
 * else changes. Pure; `updateStatus` writes only the fields that differ.
 *
 * @param builtFrom - the binding the policy was built from, e.g. `SecurityIntentBinding shop/web`.
 */
export function createdPolicyStatus(
  current: CreatedPolicyStatus | undefined,
  builtFrom: string,
  generation: number | undefined,
  now: () => Date,
): Partial<CreatedPolicyStatus> {
  return withLastUpdated<CreatedPolicyStatus>(
    {
      status: STATUS_CREATED,
      numberOfAdapterPolicies: current?.numberOfAdapterPolicies ?? 0,
      conditions: setCondition(
        current?.conditions,
        {
          type: 'Built',
          status: 'True',
          reason: 'BuiltFromBinding',
          message: `built by the core operator from ${builtFrom}`,
          observedGeneration: generation,
        },
        now,
      ),
    },
    current,
    semanticEqual,
    now,
  );
}

/** What the core operator knows about one (Cluster)NimbusPolicy when it writes its part of the status. */
export interface OperatorPolicyFacts {
  /** The binding the policy was built from, e.g. `SecurityIntentBinding shop/web`; undefined when none owns it. */
  readonly builtFrom: string | undefined;
  readonly generation: number | undefined;
  /** The policy's `Enforced` condition (`enforcedCondition`). */
  readonly enforced: ConditionInput;
}

/**
 * The core operator's whole part of a (Cluster)NimbusPolicy's status, as one server-side apply: for a policy a
 * binding owns, upstream's `status: Created`, `lastUpdated` and the `Built` condition ({@link createdPolicyStatus}),
 * and for every policy the `Enforced` condition — one write per change, instead of one for Built and another,
 * racing it, for Enforced.
 *
 * `numberOfAdapterPolicies` is the adapters' (docs/adr/0012-status-by-server-side-apply.md): the operator applies
 * its starting 0 only while the count reads absent or 0, and leaves the field out once an adapter wrote another
 * value (which, forced, took the field from the operator, so leaving it out removes nothing). Pure.
 */
export function operatorPolicyStatus(
  current: CreatedPolicyStatus | undefined,
  facts: OperatorPolicyFacts,
  now: () => Date,
): StatusApplyPlan<CreatedPolicyStatus> {
  const created = facts.builtFrom
    ? createdPolicyStatus(current, facts.builtFrom, facts.generation, now)
    : { conditions: removeCondition(current?.conditions, 'Built') };
  const conditions = setCondition(created.conditions, facts.enforced, now);
  const own = new Set(facts.builtFrom ? ['Built', facts.enforced.type] : [facts.enforced.type]);
  const ownConditions = conditions.filter((c) => own.has(c.type));
  const count = current?.numberOfAdapterPolicies;
  if (!facts.builtFrom) return { apply: { conditions: ownConditions }, expected: { conditions } };
  return {
    apply: {
      status: created.status,
      lastUpdated: created.lastUpdated ?? current?.lastUpdated,
      ...(count === undefined || count === 0 ? { numberOfAdapterPolicies: 0 } : {}),
      conditions: ownConditions,
    },
    expected: { ...created, conditions },
  };
}
