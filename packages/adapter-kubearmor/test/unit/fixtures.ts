// Shared inputs for the unit tests: NimbusPolicies as the core operator writes them, and the BuildContext the
// SDK hands a builder (supported rules only, IDs made canonical by the intent registry).

import { defaultRegistry } from '@nimbus-ts/idpool';
import type { BuildContext, NimbusPolicy, NimbusRule } from '@nimbus-ts/k8s';
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
 * The context the SDK would build for `policy`: its rules with canonical IDs. With `onlySupported` (the
 * default) other rules are dropped, as the SDK does; without it they are passed on, to show the builder
 * ignores them too.
 */
export function contextFor(policy: NimbusPolicy, onlySupported = true): BuildContext {
  const supported: readonly string[] = KUBEARMOR_INTENTS;
  return {
    rules: policy.spec.rules
      .map((r) => ({ id: defaultRegistry.canonicalId(r.id) ?? r.id, rule: r }))
      .filter((r) => !onlySupported || supported.includes(r.id)),
    inputs: {},
  };
}
