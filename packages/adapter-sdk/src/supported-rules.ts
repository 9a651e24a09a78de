import type { NimbusRule } from '@nimbus-ts/api';
import type { IntentRegistry } from '@nimbus-ts/idpool';
import type { SupportedRule } from './declaration.js';

/**
 * The rules an adapter enforces, in the policy's order: those whose ID (or alias) resolves to one of
 * `intents`. A canonical ID appears once even when two rules spell it differently (`pkgMgrs` and
 * `swDeploymentTools`), because both would build the same engine objects; the first rule wins.
 *
 * IDs the registry does not know are compared as written, so an adapter can support a third-party ID
 * without registering it.
 */
export function supportedRules(
  rules: readonly NimbusRule[],
  intents: readonly string[],
  registry: IntentRegistry,
): SupportedRule[] {
  const wanted = new Set(intents);
  const seen = new Set<string>();
  const result: SupportedRule[] = [];
  for (const rule of rules) {
    const id = registry.canonicalId(rule.id) ?? rule.id;
    if (!wanted.has(id) || seen.has(id)) continue;
    seen.add(id);
    result.push({ id, rule });
  }
  return result;
}
