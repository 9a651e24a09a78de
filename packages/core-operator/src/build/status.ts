import { type Condition, semanticEqual, setCondition } from '@nimbus-ts/k8s';

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
