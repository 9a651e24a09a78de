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
 * The longest condition message the API server accepts (metav1.Condition's `maxLength`, which the Nimbus CRDs
 * repeat). The API server counts it in Unicode code points (`utf8.RuneCountInString`), not bytes or UTF-16 units.
 */
export const MAX_CONDITION_MESSAGE_LENGTH = 32768;

const truncationNote = (more: number) => ` … (truncated, ${more} more characters)`;

/**
 * `message` cut to at most `limit` code points, ending with a note of how many were cut, or unchanged when it
 * fits. Messages often quote user strings (intent names, CEL expressions, parameters); one over the limit
 * would make the whole status write fail with 422, so the object would show no status at all.
 */
export function boundedMessage(message: string, limit: number = MAX_CONDITION_MESSAGE_LENGTH): string {
  // Code points, as the API server counts them; slicing them never splits a surrogate pair.
  const characters = [...message];
  if (characters.length <= limit) return message;
  // The note for the total is at least as long as the final one (fewer cut characters, no more digits).
  const kept = Math.max(0, limit - [...truncationNote(characters.length)].length);
  return characters.slice(0, kept).join('') + truncationNote(characters.length - kept);
}

/**
 * Returns `conditions` with `input` set (replacing the condition of the same type), its message cut to what the
 * API server accepts ({@link boundedMessage}). The transition time only moves when the condition's `status`
 * changes, so re-setting an unchanged condition yields an equal list and causes no write.
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
  const next: Condition = { ...input, message: boundedMessage(input.message), lastTransitionTime };
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
