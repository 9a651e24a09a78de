import type { ConditionInput } from '@nimbus-ts/k8s';

/** Condition types the core operator sets, beside upstream's string `status`. */
export const ConditionType = {
  /** The object was processed and its outputs match it. */
  Ready: 'Ready',
  /** Every SecurityIntent a binding names exists. */
  IntentsResolved: 'IntentsResolved',
} as const;

/** The `IntentsResolved` condition of a binding that names `missing` intents. */
export function intentsResolved(missing: readonly string[], generation: number | undefined): ConditionInput {
  if (missing.length === 0) {
    return {
      type: ConditionType.IntentsResolved,
      status: 'True',
      reason: 'AllIntentsFound',
      message: 'every SecurityIntent named in spec.intents exists',
      observedGeneration: generation,
    };
  }
  return {
    type: ConditionType.IntentsResolved,
    status: 'False',
    reason: 'SecurityIntentsNotFound',
    message:
      `SecurityIntent ${missing.join(', ')} not found; they are skipped until created. ` +
      'Create them, or remove them from spec.intents.',
    observedGeneration: generation,
  };
}

/** A `Ready` condition. */
export function ready(
  status: boolean,
  reason: string,
  message: string,
  generation: number | undefined,
): ConditionInput {
  return {
    type: ConditionType.Ready,
    status: status ? 'True' : 'False',
    reason,
    message,
    observedGeneration: generation,
  };
}
