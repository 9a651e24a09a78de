import type { NimbusRule, SecurityIntent } from '@nimbus-ts/api';

/**
 * Two or more SecurityIntents of one binding that ask for the same intent ID with different actions. The
 * NimbusPolicy carries one rule for the ID, with the stricter action.
 */
export interface ActionConflict {
  /** The intent ID they share. */
  readonly id: string;
  /** The action the rule carries: the strictest asked for (`Block` over `Audit`). */
  readonly action: string;
  /** The SecurityIntent whose rule was kept: the first, in the binding's order, with that action. */
  readonly chosen: string;
  /** Every SecurityIntent asking for this ID, in the binding's order, with the action each asks for. */
  readonly intents: readonly { readonly name: string; readonly action: string }[];
}

/** The rules of a binding, and which of its intent names resolved. */
export interface ResolvedRules {
  /**
   * One rule per intent ID, in the binding's order of first appearance: one per existing SecurityIntent,
   * except that intents sharing an ID share its rule (see {@link ResolvedRules.conflicts}).
   */
  readonly rules: NimbusRule[];
  /** Names of the intents that exist, in the binding's order (upstream `boundIntents`). */
  readonly bound: string[];
  /** Names the binding lists that no SecurityIntent has (yet). */
  readonly missing: string[];
  /** Intent IDs asked for with different actions, in the order of their rules. */
  readonly conflicts: ActionConflict[];
}

// How strict each rule action is. Unknown text is enforced as Audit by the adapters, so it ranks lowest.
const STRICTNESS: Readonly<Record<string, number>> = { Block: 2, Audit: 1 };

/**
 * Whether `a` is a stricter rule action than `b` (after {@link ruleAction}): `Block` over `Audit` over anything
 * else. Equal strictness is not stricter, so the first of equals wins.
 */
export function isStricterAction(a: string, b: string): boolean {
  return (STRICTNESS[ruleAction(a)] ?? 0) > (STRICTNESS[ruleAction(b)] ?? 0);
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
 *
 * SecurityIntents with the same intent ID yield one rule, at the place of the first: a policy with two rules of
 * one ID leaves each adapter to pick one (KubeArmor names its policy after the ID, so the first wins, and an
 * Audit listed first silently disables a Block). The rule kept is that of the first intent with the strictest
 * action, and differing actions are reported in {@link ResolvedRules.conflicts} so the binding can say so.
 */
export function resolveRules(
  intentNames: readonly { name: string }[],
  lookup: (name: string) => SecurityIntent | undefined,
): ResolvedRules {
  const rules: NimbusRule[] = [];
  const bound: string[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  // For each intent ID: the position of its rule, the intent that rule came from, and every intent asking.
  const byId = new Map<
    string,
    { index: number; chosen: string; intents: { name: string; action: string }[] }
  >();
  for (const { name } of intentNames) {
    if (seen.has(name)) continue;
    seen.add(name);
    const si = lookup(name);
    if (!si || si.metadata?.deletionTimestamp) {
      missing.push(name);
      continue;
    }
    bound.push(name);
    const rule = ruleFor(si);
    const asked = { name, action: rule.rule.action };
    const earlier = byId.get(rule.id);
    if (earlier === undefined) {
      byId.set(rule.id, { index: rules.length, chosen: name, intents: [asked] });
      rules.push(rule);
      continue;
    }
    earlier.intents.push(asked);
    const kept = rules[earlier.index] as NimbusRule;
    if (isStricterAction(rule.rule.action, kept.rule.action)) {
      rules[earlier.index] = rule;
      earlier.chosen = name;
    }
  }
  const conflicts: ActionConflict[] = [];
  for (const { index, chosen, intents } of [...byId.values()].sort((a, b) => a.index - b.index)) {
    if (new Set(intents.map((i) => i.action)).size < 2) continue;
    const rule = rules[index] as NimbusRule;
    conflicts.push({ id: rule.id, action: rule.rule.action, chosen, intents });
  }
  return { rules, bound, missing, conflicts };
}
