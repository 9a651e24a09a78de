import { type BuildContext, supportedRules } from '@nimbus-ts/adapter-sdk';
import type { NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { defaultRegistry } from '@nimbus-ts/idpool';

/** A NimbusPolicy rule with an action (Audit unless given) and optional parameters. */
export function rule(id: string, params?: Record<string, string[]>, action = 'Audit'): NimbusRule {
  return { id, rule: { action, ...(params ? { params } : {}) } };
}

/** NimbusPolicy shop/web with `rules`, selecting `app: web` unless told otherwise (null: an empty selector). */
export function nimbusPolicy(
  rules: NimbusRule[],
  matchLabels: Record<string, string> | null = { app: 'web' },
): NimbusPolicy {
  return {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'NimbusPolicy',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { selector: matchLabels === null ? {} : { matchLabels }, rules },
  };
}

/** The context the SDK gives a builder of `intents`: the supported rules, IDs made canonical. */
export function buildContext(policy: NimbusPolicy, intents: readonly string[]): BuildContext {
  return { rules: supportedRules(policy.spec.rules, intents, defaultRegistry), inputs: {} };
}
