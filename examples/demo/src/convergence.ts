import type { StatusReport } from '@nimbus-ts/cli';

/** How far the cluster is from what the applied examples ask for, from `nimbus status -A -o json`. */
export interface Convergence {
  /** Every binding has its policies, every policy an up-to-date `Enforced` condition, every listed object exists. */
  readonly settled: boolean;
  /** One progress line, e.g. `5 bindings → 7 policies → 18 engine objects (2 rules have no adapter here)`. */
  readonly line: string;
}

/** Reads a status report for the demo's progress line and its "is everything there yet" test. Pure. */
export function convergence(report: StatusReport): Convergence {
  const policies = report.bindings.flatMap((b) => b.policies);
  const objects = policies.flatMap((p) => p.adapters.flatMap((a) => a.objects));
  const waiting =
    report.bindings.some((b) => b.policies.length === 0) ||
    policies.some(
      (p) =>
        !p.found ||
        !p.conditions.some((c) => c.type === 'Enforced' && !c.stale) ||
        p.adapters.some((a) => a.condition?.stale === true),
    ) ||
    objects.some((o) => o.state === 'missing');
  // A ClusterNimbusPolicy's rules are enforced through the NimbusPolicies it fans out to: only those count.
  const unenforced = new Set(
    policies
      .filter((p) => p.kind === 'NimbusPolicy')
      .flatMap((p) => p.rules.filter((r) => r.adapters.length === 0).map((r) => r.id)),
  );
  const line =
    `${report.bindings.length} bindings → ${policies.length} policies → ${objects.length} engine objects` +
    (unenforced.size > 0 ? ` (no adapter here for ${[...unenforced].sort().join(', ')})` : '');
  return { settled: report.bindings.length > 0 && !waiting, line };
}
