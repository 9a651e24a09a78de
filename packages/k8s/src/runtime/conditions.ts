/** A status condition following the Kubernetes API conventions (metav1.Condition). */
export interface Condition {
  /** CamelCase kind of condition, e.g. `Ready`, `IntentsResolved`. */
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  /** CamelCase machine-readable cause, e.g. `SecurityIntentsNotFound`. */
  readonly reason: string;
  /** Human-readable explanation: what is wrong and what to do about it. */
  readonly message: string;
  /** The `metadata.generation` the condition was computed from. */
  readonly observedGeneration?: number;
  /** RFC 3339 time the status last changed. */
  readonly lastTransitionTime: string;
}

/** A condition to set; the transition time is filled in by {@link setCondition}. */
export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/**
 * Returns `conditions` with `input` set (replacing the condition of the same type). The transition time
 * only moves when the condition's `status` changes, so re-setting an unchanged condition yields an equal
 * list and causes no write.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  now: () => Date = () => new Date(),
): Condition[] {
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === input.type);
  const lastTransitionTime =
    existing && existing.status === input.status ? existing.lastTransitionTime : now().toISOString();
  const next: Condition = { ...input, lastTransitionTime };
  return existing ? list.map((c) => (c.type === input.type ? next : c)) : [...list, next];
}

/** Returns `conditions` without the condition of `type`. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/** The condition of `type`, if any. */
export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Sets several conditions in order, each as {@link setCondition} does. */
export function setConditions(
  conditions: readonly Condition[] | undefined,
  inputs: readonly ConditionInput[],
  now: () => Date = () => new Date(),
): Condition[] {
  return inputs.reduce<Condition[]>((list, input) => setCondition(list, input, now), [...(conditions ?? [])]);
}
