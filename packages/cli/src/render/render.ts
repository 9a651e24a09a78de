import type { IntentRegistry } from '@nimbus-ts/idpool';
import type { AdapterRegistry } from '../adapters.js';
import type { ManifestSet } from '../input/manifests.js';
import { planAdapters } from './adapter-plan.js';
import { type OperatorPlanOptions, planOperator } from './operator-plan.js';
import type { RenderedPolicy, Rendering, RenderNote } from './rendering.js';

/** What rendering needs besides the manifests. */
export interface RenderContext {
  readonly adapters: AdapterRegistry;
  readonly intentPool: IntentRegistry;
}

// A rule that no adapter enforces renders nothing, which is easy to miss in a long output; say so once per
// source (a cluster binding's fan-out repeats the same rules in every namespace).
function unenforcedNotes(
  policies: readonly { from: string; rules: readonly { id: string }[] }[],
  context: RenderContext,
) {
  const notes: RenderNote[] = [];
  const reported = new Set<string>();
  for (const { from, rules } of policies) {
    for (const { id } of rules) {
      const canonical = context.intentPool.canonicalId(id) ?? id;
      if (reported.has(`${from}\0${canonical}`) || context.adapters.enforcing(canonical).length > 0) continue;
      reported.add(`${from}\0${canonical}`);
      const engines = context.intentPool.enginesFor(id);
      const by =
        engines.length > 0 ? `it is enforced by ${engines.join(' or ')}` : 'no known engine enforces it';
      notes.push({
        severity: 'note',
        subject: from,
        message: `rule ${id}: ${by}, and none of the adapters rendered (${context.adapters.names().join(', ')}) does, so nothing is rendered for it`,
      });
    }
  }
  return notes;
}

/**
 * Renders what the core operator and every adapter would create for the input, without a cluster and with
 * their own builders. Pure: the same manifests and options give the same rendering.
 */
export function renderManifests(
  manifests: ManifestSet,
  context: RenderContext,
  options: OperatorPlanOptions = {},
): Rendering {
  const plan = planOperator(manifests, options);
  const cluster = manifests.others.map((m) => m.object);
  const notes: RenderNote[] = [...plan.notes];
  const policies: RenderedPolicy[] = [];
  const withoutInputs = new Map<string, readonly string[]>();
  for (const planned of plan.policies) {
    const built = planAdapters(planned, context.adapters, cluster);
    policies.push({ policy: planned.policy, from: planned.from, objects: built.objects });
    notes.push(...built.notes);
    for (const [adapter, kinds] of built.withoutInputs) withoutInputs.set(adapter, kinds);
  }
  notes.push(...unenforcedNotes(plan.policies, context));
  for (const [adapter, kinds] of withoutInputs) {
    notes.push({
      severity: 'note',
      subject: `adapter ${adapter}`,
      message: `it reads ${kinds.join(', ')} objects from the cluster; none are in the input, so its objects are built as if the cluster had none`,
    });
  }
  return { policies, notes };
}
