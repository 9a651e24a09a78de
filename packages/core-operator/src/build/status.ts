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
