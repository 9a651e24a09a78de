import type { IntentRegistry } from '@nimbus-ts/idpool';
import type { ConditionInput } from '@nimbus-ts/k8s';

/** Condition types the core operator sets, beside upstream's string `status`. */
export const ConditionType = {
  /** The object was processed and its outputs match it. */
  Ready: 'Ready',
  /** Every SecurityIntent a binding names exists. */
  IntentsResolved: 'IntentsResolved',
  /** The binding's CEL expressions select pods that a label selector can express. */
  SelectorResolved: 'SelectorResolved',
  /** The intent's ID is in the ID pool or announced by a running adapter, so something enforces it. */
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

/**
 * The `IntentSupported` condition of a SecurityIntent. An ID is known when the ID pool has it with an engine,
 * or when a running adapter announces it on its Lease (a third-party ID); it is flagged only when neither
 * knows it. Upstream accepts any ID and its adapters skip the ones they do not know, so the intent itself is
 * accepted either way; the reasons stay `KnownIntentID` and `UnknownIntentID` whichever source knows the ID.
 *
 * @param adapters - the running adapters by name, each with the canonical intent IDs it announces.
 */
export function intentSupported(
  id: string,
  registry: IntentRegistry,
  adapters: ReadonlyMap<string, ReadonlySet<string>>,
  generation: number | undefined,
): ConditionInput {
  const engines = registry.enginesFor(id);
  if (engines.length > 0) {
    return {
      type: ConditionType.IntentSupported,
      status: 'True',
      reason: 'KnownIntentID',
      message: `intent ID ${id} is supported by: ${engines.join(', ')}`,
      observedGeneration: generation,
    };
  }
  // Adapters announce canonical IDs; an ID outside the pool is its own canonical ID.
  const canonical = registry.canonicalId(id) ?? id;
  const announcing = [...adapters.entries()]
    .filter(([, ids]) => ids.has(canonical))
    .map(([name]) => name)
    .sort();
  if (announcing.length > 0) {
    const who =
      announcing.length === 1
        ? `the running adapter ${announcing[0]} announces`
        : `the running adapters ${announcing.join(', ')} announce`;
    return {
      type: ConditionType.IntentSupported,
      status: 'True',
      reason: 'KnownIntentID',
      message: `intent ID ${id} is not in the ID pool; ${who} it and enforce${announcing.length === 1 ? 's' : ''} it`,
      observedGeneration: generation,
    };
  }
  return {
    type: ConditionType.IntentSupported,
    status: 'False',
    reason: 'UnknownIntentID',
    message:
      `intent ID ${id} is neither in the ID pool nor announced by a running adapter, so nothing enforces it. ` +
      'If a third-party adapter handles it, deploy that adapter (this turns True once it runs); otherwise ' +
      'check the spelling against the ID pool (packages/idpool/README.md)',
    observedGeneration: generation,
  };
}
