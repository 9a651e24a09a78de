// Shared inputs for the unit tests: NimbusPolicies as the core operator writes them, and the BuildContext the
// SDK hands a builder (supported rules only, IDs made canonical by the intent registry).

import { type BuildContext, supportedRules } from '@nimbus-ts/adapter-sdk';
import type { NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { defaultRegistry } from '@nimbus-ts/idpool';
import { KUBEARMOR_INTENTS } from '../../src/build.js';

/** The name of the NimbusPolicy the fixtures build from. */
export const POLICY_NAME = 'web';

/** A rule for `id` with action Block, changed by `overrides`. */
export function rule(id: string, overrides: Partial<NimbusRule> = {}): NimbusRule {
  return { id, rule: { action: 'Block' }, ...overrides };
}

/** A NimbusPolicy holding `rules`, selecting `matchLabels` (app: web unless given; `null` leaves it out). */
export function nimbusPolicy(
  rules: NimbusRule[],
  matchLabels: Record<string, string> | null = { app: 'web' },
): NimbusPolicy {
  return {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'NimbusPolicy',
    metadata: { name: POLICY_NAME, namespace: 'shop' },
    spec: { selector: matchLabels === null ? {} : { matchLabels }, rules },
  };
}

/**
 * The context the SDK would build for `policy`: its supported rules with canonical IDs, from the SDK's own
 * `supportedRules`. With `onlySupported` false every rule is passed on (IDs still canonical), to show the
 * builder ignores the ones it does not know too.
 */
export function contextFor(policy: NimbusPolicy, onlySupported = true): BuildContext {
  const rules = onlySupported
    ? supportedRules(policy.spec.rules, KUBEARMOR_INTENTS, defaultRegistry)
    : policy.spec.rules.map((r) => ({ id: defaultRegistry.canonicalId(r.id) ?? r.id, rule: r }));
  return { rules, inputs: {} };
}
