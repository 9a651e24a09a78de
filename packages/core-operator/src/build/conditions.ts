import type { ConditionInput } from '@nimbus-ts/k8s';

/** Condition types the core operator sets, beside upstream's string `status`. */
export const ConditionType = {
  /** The object was processed and its outputs match it. */
  Ready: 'Ready',
  /** Every SecurityIntent a binding names exists. */
  IntentsResolved: 'IntentsResolved',
  /** The binding's CEL expressions select pods that a label selector can express. */
  SelectorResolved: 'SelectorResolved',
  /** The intent's ID is in the ID pool, so a known engine supports it. */
  IntentSupported: 'IntentSupported',
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

/** The `IntentSupported` condition of a SecurityIntent, from the ID pool's answer. */
export function intentSupported(
  id: string,
  engines: readonly string[] | undefined,
  generation: number | undefined,
): ConditionInput {
  if (engines && engines.length > 0) {
    return {
      type: ConditionType.IntentSupported,
      status: 'True',
      reason: 'KnownIntentID',
      message: `intent ID ${id} is supported by: ${engines.join(', ')}`,
      observedGeneration: generation,
    };
  }
  return {
    type: ConditionType.IntentSupported,
    status: 'False',
    reason: 'UnknownIntentID',
    message:
      `intent ID ${id} is not in the ID pool, so no built-in adapter enforces it. It is kept for third-party ` +
      'adapters; if none handles it, check the spelling against the ID pool (packages/idpool/README.md).',
    observedGeneration: generation,
  };
}
