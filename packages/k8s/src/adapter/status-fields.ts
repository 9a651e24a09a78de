import type { NimbusPolicyStatus } from '../api/generated.js';
import type { RuleEnforcement } from '../api/types.js';
import { type ConditionInput, removeCondition, setCondition } from '../runtime/conditions.js';

/** What one adapter reports about one policy. */
export interface AdapterReport {
  /** The adapter's name, as listed under `status.enforcement[].adapters`. */
  readonly adapter: string;
  /** The kinds the adapter owns: `status.adapterPolicies` entries of these kinds are its own. */
  readonly kinds: readonly string[];
  /** Its `<Kind>/<name>` entries, in build order. */
  readonly entries: readonly string[];
  /** IDs (as spelt in `spec.rules`) of the rules it enforces. */
  readonly enforced: readonly string[];
  /** Its condition on the policy; undefined removes it (the adapter has nothing to do with the policy). */
  readonly condition?: ConditionInput;
  /** The type of its condition, e.g. `nimbus-kubearmor/Ready`, to remove it when `condition` is undefined. */
  readonly conditionType: string;
}

/** The status fields adapters write, shared by NimbusPolicy and ClusterNimbusPolicy. */
export type AdapterStatusFields = Pick<
  NimbusPolicyStatus,
  'adapterPolicies' | 'numberOfAdapterPolicies' | 'enforcement' | 'conditions'
>;

function kindOf(entry: string): string {
  const slash = entry.indexOf('/');
  return slash < 0 ? entry : entry.slice(0, slash);
}

/**
 * Merges one adapter's report into a policy's status, touching only that adapter's part: its
 * `adapterPolicies` entries, its name in `enforcement`, and its condition. Other adapters' entries keep
 * their place, so several adapters can write the same status (each with a resourceVersion precondition)
 * without undoing each other. `numberOfAdapterPolicies` is recomputed as the length of the merged list,
 * which also repairs a count that upstream's increment/decrement bookkeeping let drift.
 *
 * Pure, and stable: merging the same report twice yields equal fields, so a steady state writes nothing.
 */
export function mergeAdapterReport(
  status: AdapterStatusFields | undefined,
  report: AdapterReport,
  now: () => Date = () => new Date(),
): AdapterStatusFields {
  const mine = new Set(report.kinds);
  const wanted = new Set(report.entries);
  const current = status?.adapterPolicies ?? [];
  // Keep every entry that stays (others' and still-wanted own ones) in place; append new own ones.
  const kept = current.filter((e, i) => current.indexOf(e) === i && (!mine.has(kindOf(e)) || wanted.has(e)));
  const adapterPolicies = [...kept, ...new Set(report.entries)].filter((e, i, all) => all.indexOf(e) === i);

  const enforced = new Set(report.enforced);
  const enforcement: RuleEnforcement[] = [];
  for (const entry of status?.enforcement ?? []) {
    const listed = entry.adapters ?? [];
    // Add or drop only this adapter, leaving the others' order alone, so a repeated merge is a no-op.
    const adapters = enforced.has(entry.ruleId)
      ? listed.includes(report.adapter)
        ? listed
        : [...listed, report.adapter]
      : listed.filter((a) => a !== report.adapter);
    if (adapters.length > 0) enforcement.push({ ruleId: entry.ruleId, adapters: [...adapters] });
  }
  for (const ruleId of report.enforced) {
    if (!enforcement.some((e) => e.ruleId === ruleId))
      enforcement.push({ ruleId, adapters: [report.adapter] });
  }

  const conditions = report.condition
    ? setCondition(status?.conditions, report.condition, now)
    : removeCondition(status?.conditions, report.conditionType);

  // A policy no adapter has written a count for keeps none, rather than gaining a 0 on every adapter's first sight.
  const untouched = adapterPolicies.length === 0 && status?.numberOfAdapterPolicies === undefined;
  return {
    adapterPolicies,
    numberOfAdapterPolicies: untouched ? undefined : adapterPolicies.length,
    enforcement,
    conditions: conditions as AdapterStatusFields['conditions'],
  };
}
