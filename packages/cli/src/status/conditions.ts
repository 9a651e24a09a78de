import type { NimbusCondition } from '@nimbus-ts/api';
import type { ConditionView } from './model.js';

/** The conditions of an object as views, marked stale when computed for an older generation. */
export function conditionViews(
  conditions: readonly NimbusCondition[] | undefined,
  generation: number | undefined,
): ConditionView[] {
  return (conditions ?? []).map((c) => ({
    type: c.type,
    status: c.status,
    reason: c.reason,
    message: c.message,
    stale:
      generation !== undefined && c.observedGeneration !== undefined && c.observedGeneration < generation,
  }));
}

/**
 * What is wrong with a condition that should be True: absent (with why that matters), not True, or stale.
 * Empty when it holds.
 */
export function conditionProblems(
  condition: ConditionView | undefined,
  type: string,
  absent: string,
): string[] {
  if (!condition) return [`no ${type} condition: ${absent}`];
  if (condition.status !== 'True') {
    return [
      `${type} is ${condition.status} (${condition.reason})${condition.message ? `: ${condition.message}` : ''}`,
    ];
  }
  if (condition.stale)
    return [`${type} was computed for an older generation; the controller has not caught up yet`];
  return [];
}
