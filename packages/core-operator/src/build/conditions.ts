import type { IntentRegistry } from '@nimbus-ts/idpool';
import { ApiError, type ConditionInput } from '@nimbus-ts/k8s';
import type { ActionConflict } from './rules.js';

/** Condition types the core operator sets, beside upstream's string `status`. */
export const ConditionType = {
  /** The object was processed and its outputs match it. */
  Ready: 'Ready',
  /** Every SecurityIntent a binding names exists. */
  IntentsResolved: 'IntentsResolved',
  /** The binding's CEL expressions select pods that a label selector can express. */
  SelectorResolved: 'SelectorResolved',
  /**
   * Set only while two of a binding's intents ask for the same intent ID with different actions (status
   * False): the policy enforces the stricter one.
   */
  ActionsConsistent: 'ActionsConsistent',
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

/**
 * The `ActionsConsistent` condition of a binding whose intents ask for one intent ID with different actions,
 * or undefined when none do (the caller then removes the condition). The message names every intent and
 * action, the one enforced, and the fix.
 */
export function actionsConsistent(
  conflicts: readonly ActionConflict[],
  generation: number | undefined,
): ConditionInput | undefined {
  if (conflicts.length === 0) return undefined;
  const each = conflicts.map(
    (c) =>
      `intent ID ${c.id} is asked for by ${c.intents.map((i) => `SecurityIntent ${i.name} (${i.action})`).join(', ')}; ` +
      `the NimbusPolicy enforces the stricter ${c.action}, from ${c.chosen}`,
  );
  return {
    type: ConditionType.ActionsConsistent,
    status: 'False',
    reason: 'ConflictingActions',
    message:
      `${each.join('. ')}. Give these SecurityIntents the same action, or remove the ones you do not mean ` +
      'from spec.intents.',
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

/** The `Ready` reason of a binding whose policy the API server refused to store. */
export const POLICY_REJECTED = 'NimbusPolicyRejected';

// What to do about a refusal, by what the API server said.
function refusalFix(error: ApiError): string {
  // etcd says "request is too large" above its request limit; the API server's gRPC client refuses with
  // ResourceExhausted ("larger than max") above 2 MiB before etcd sees it.
  if (error.code === 413 || /too large|larger than max|ResourceExhausted/i.test(error.message)) {
    return (
      'the policy is larger than the cluster can store (etcd accepts 1.5 MiB by default): split the binding ' +
      'into several bindings with fewer intents each, or shorten the params of its SecurityIntents'
    );
  }
  if (error.code === 422 || error.code === 400) {
    return 'a value copied from the SecurityIntents is invalid in the policy: fix the field the message names in the SecurityIntent';
  }
  if (error.code === 403) {
    return (
      'an admission policy or webhook denied the policy, or the operator lacks the permission: change the ' +
      'SecurityIntents to satisfy the admission rule the message names, or fix the rule or the RBAC'
    );
  }
  return 'the operator retries with backoff; if it persists, check the API server and etcd';
}

/**
 * The `Ready` condition (False, {@link POLICY_REJECTED}) of a binding whose (Cluster)NimbusPolicy the API server
 * refused to store — too large for etcd, invalid against the CRD schema, denied by admission — carrying the API
 * server's message and the fix; undefined for anything else (a conflict is retried where it happens; a network
 * error is no refusal). Without it the binding would only stop being updated, and nothing would say why.
 *
 * @param policy - the refused policy, e.g. `NimbusPolicy shop/web`.
 */
export function policyRejected(
  error: unknown,
  policy: string,
  generation: number | undefined,
): ConditionInput | undefined {
  if (!(error instanceof ApiError) || error.code === 409 || error.code === 429) return undefined;
  return {
    type: ConditionType.Ready,
    status: 'False',
    reason: POLICY_REJECTED,
    message: `the API server refused ${policy} (${error.message}); ${refusalFix(error)}`,
    observedGeneration: generation,
  };
}
