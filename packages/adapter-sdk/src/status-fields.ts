import type { NimbusPolicyStatus, RuleEnforcement } from '@nimbus-ts/api';
import { type ConditionInput, removeCondition, setCondition } from '@nimbus-ts/k8s';

/** What one adapter reports about one policy. */
export interface AdapterReport {
  /** The adapter's name, as listed under `status.enforcement[].adapters` and `status.policiesByAdapter[].adapter`. */
  readonly adapter: string;
  /** Its `<Kind>/<name>` entries, in build order: the objects it manages (or just created) for the policy. */
  readonly entries: readonly string[];
  /**
   * Entries of objects it manages that it deletes now because it no longer builds them: removed even when its
   * record does not list them (a status written before `policiesByAdapter` existed).
   */
  readonly withdrawn?: readonly string[];
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
  'adapterPolicies' | 'numberOfAdapterPolicies' | 'enforcement' | 'policiesByAdapter' | 'conditions'
>;

const unique = <T>(list: readonly T[]): T[] => list.filter((e, i) => list.indexOf(e) === i);

/**
 * Merges one adapter's report into a policy's status, touching only that adapter's part: its
 * `adapterPolicies` entries, its record under `policiesByAdapter`, its name in `enforcement`, and its condition.
 *
 * An adapter's own entries are those it recorded under `policiesByAdapter` with its previous report, and those of
 * the objects it is withdrawing now — never all the entries of a kind (upstream's `<Kind>/<name>` entries say
 * nothing about who wrote them, and two adapters may write the same kind). Own entries it no longer reports are
 * removed, unless another adapter records the same entry (the name went to that adapter); new ones are appended;
 * entries nobody recorded (written by an adapter that keeps no record) are left alone. Other adapters' entries
 * keep their place, so several adapters can write the same status (each with a resourceVersion precondition)
 * without undoing each other. `numberOfAdapterPolicies` is recomputed as the length of the merged list, which
 * also repairs a count that upstream's increment/decrement bookkeeping let drift.
 *
 * Pure, and stable: merging the same report twice yields equal fields, so a steady state writes nothing.
 */
export function mergeAdapterReport(
  status: AdapterStatusFields | undefined,
  report: AdapterReport,
  now: () => Date = () => new Date(),
): AdapterStatusFields {
  const current = unique(status?.adapterPolicies ?? []);
  const records = status?.policiesByAdapter ?? [];
  const record = records.find((r) => r.adapter === report.adapter);
  const recordedByOthers = new Set(
    records.filter((r) => r.adapter !== report.adapter).flatMap((r) => r.policies ?? []),
  );
  const previous = new Set([...(record?.policies ?? []), ...(report.withdrawn ?? [])]);
  const entries = unique(report.entries);
  const wanted = new Set(entries);
  // Keep every entry that stays (others' and still-wanted own ones) in place; append new own ones.
  const kept = current.filter((e) => wanted.has(e) || !previous.has(e) || recordedByOthers.has(e));
  const adapterPolicies = unique([...kept, ...entries]);
  // Its record keeps its place among the others' (appended when new); an adapter with no entries keeps none.
  const own = { adapter: report.adapter, policies: entries };
  const policiesByAdapter =
    entries.length === 0
      ? records.filter((r) => r.adapter !== report.adapter)
      : record
        ? records.map((r) => (r.adapter === report.adapter ? own : r))
        : [...records, own];

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
    policiesByAdapter,
    conditions: conditions as AdapterStatusFields['conditions'],
  };
}

/**
 * What one adapter applies (server-side apply, its own field manager) to make a policy's status read `merged`:
 * its record under `policiesByAdapter`, its name under the `enforcement` entries of the rules it enforces, its
 * condition, and the summary `adapterPolicies` and `numberOfAdapterPolicies`, which the last adapter to report
 * recomputes from every adapter's record (docs/adr/0013-status-by-server-side-apply.md). The API server merges
 * the lists by key (adapter, ruleId, condition type), so adapters never undo each other's parts and need no
 * resourceVersion precondition. What the adapter applied before and leaves out now (its record once it has no
 * entries, a rule it stopped enforcing, its condition) is removed. Pure.
 *
 * @param merged - the status as {@link mergeAdapterReport} computed it for this adapter.
 */
export function ownStatusFields(
  merged: AdapterStatusFields,
  adapter: string,
  conditionType: string,
): AdapterStatusFields {
  const own: AdapterStatusFields = {};
  const records = (merged.policiesByAdapter ?? []).filter((r) => r.adapter === adapter);
  const enforced = (merged.enforcement ?? [])
    .filter((e) => e.adapters?.includes(adapter))
    .map((e) => ({ ruleId: e.ruleId, adapters: [adapter] }));
  const conditions = (merged.conditions ?? []).filter((c) => c.type === conditionType);
  // An empty list of its own items is left out rather than applied: either way none of them remains.
  if (records.length > 0) own.policiesByAdapter = records;
  if (enforced.length > 0) own.enforcement = enforced;
  if (conditions.length > 0) own.conditions = conditions;
  // The summary is applied even when empty, once counted: another adapter may own the list (the last to write it
  // does), and leaving it out would leave that adapter's stale entries in place.
  if (
    merged.adapterPolicies !== undefined &&
    (merged.adapterPolicies.length > 0 || merged.numberOfAdapterPolicies !== undefined)
  ) {
    own.adapterPolicies = merged.adapterPolicies;
  }
  if (merged.numberOfAdapterPolicies !== undefined)
    own.numberOfAdapterPolicies = merged.numberOfAdapterPolicies;
  return own;
}
