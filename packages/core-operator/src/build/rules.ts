import type { NimbusRule, SecurityIntent } from '@nimbus-ts/k8s';

/** The rules of a binding, and which of its intent names resolved. */
export interface ResolvedRules {
  /** One rule per existing SecurityIntent, in the binding's order. */
  readonly rules: NimbusRule[];
  /** Names of the intents that exist, in the binding's order (upstream `boundIntents`). */
  readonly bound: string[];
  /** Names the binding lists that no SecurityIntent has (yet). */
  readonly missing: string[];
}

/**
 * The action a rule carries: the tutorial's `Enforce` is written as `Block`, so adapters see the two
 * upstream values only.
 */
export function ruleAction(action: string): string {
  return action === 'Enforce' ? 'Block' : action;
}

/** Builds the rule for one SecurityIntent: upstream's `{id, description, rule: {action, params}}` plus severity and tags. */
export function ruleFor(si: SecurityIntent): NimbusRule {
  const { id, description, action, params, severity, tags } = si.spec.intent;
  return {
    id,
    ...(description ? { description } : {}),
    ...(severity ? { severity } : {}),
    ...(tags && tags.length > 0 ? { tags: [...tags] } : {}),
    rule: { action: ruleAction(action), ...(params && Object.keys(params).length > 0 ? { params } : {}) },
  };
}

/**
 * Resolves a binding's intent names against the existing SecurityIntents. Missing names are skipped (they
 * count once created); an intent that is being deleted counts as missing. Duplicated names yield one rule.
 */
export function resolveRules(
  intentNames: readonly { name: string }[],
  lookup: (name: string) => SecurityIntent | undefined,
): ResolvedRules {
  const rules: NimbusRule[] = [];
  const bound: string[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  for (const { name } of intentNames) {
    if (seen.has(name)) continue;
    seen.add(name);
    const si = lookup(name);
    if (!si || si.metadata?.deletionTimestamp) {
      missing.push(name);
      continue;
    }
    rules.push(ruleFor(si));
    bound.push(name);
  }
  return { rules, bound, missing };
}
