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
  /** Upstream's count of engine policies: the adapters' (0 by the CRD's default until one reports), read only. */
  numberOfAdapterPolicies?: number;
  conditions?: Condition[];
}

/**
 * The status the core operator wants on a policy it wrote: upstream's `status: Created` and a `Built` condition
 * naming the binding. `numberOfAdapterPolicies` is not among them: upstream's operator writes 0 on creation, and
 * here the CRD's default does (the field reads 0 from the first status write on), so the count has one writer,
 * the adapters, and no write can set it back (docs/adr/0013-status-by-server-side-apply.md). `lastUpdated`
 * moves only when something else changes. Pure.
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
 * racing it, for Enforced. Pure.
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
  if (!facts.builtFrom) return { apply: { conditions: ownConditions }, expected: { conditions } };
  return {
    apply: {
      status: created.status,
      lastUpdated: created.lastUpdated ?? current?.lastUpdated,
      conditions: ownConditions,
    },
    expected: { ...created, conditions },
  };
}
