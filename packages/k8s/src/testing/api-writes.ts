import type { ApiServerAccess } from '../cluster-connection.js';
import { rawRequest } from '../raw-request.js';

// Creates, updates and patches. Deletes are left out on purpose: the namespace controller and the garbage
// collector delete objects whenever another test's namespace goes away, and a converged controller never
// deletes anyway.
const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY']);

/**
 * Create, update and patch requests the API server has served for resources of the given API groups
 * (`''` for the core group), summed from its own `apiserver_request_total` metric: the ground truth for
 * "the controller wrote nothing", which no client-side counter can fake.
 *
 * @param filter - `excludeResources`: plural resource names not to count, e.g. `leases`; `resources`: count only
 *   these plural resource names, e.g. `events`.
 */
export async function apiWrites(
  kc: ApiServerAccess,
  groups: readonly string[],
  filter: { readonly excludeResources?: readonly string[]; readonly resources?: readonly string[] } = {},
): Promise<number> {
  const res = await rawRequest(kc, '/metrics', { timeoutMs: 30_000 });
  if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status}`);
  const wanted = new Set(groups);
  const excluded = new Set(filter.excludeResources ?? []);
  const only = filter.resources ? new Set(filter.resources) : undefined;
  let total = 0;
  for (const line of res.body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const group = /[{,]group="([^"]*)"/.exec(line)?.[1];
    const resource = /[{,]resource="([^"]*)"/.exec(line)?.[1] ?? '';
    const verb = /[{,]verb="([A-Z]+)"/.exec(line)?.[1];
    if (group === undefined || !wanted.has(group) || excluded.has(resource)) continue;
    if (only && !only.has(resource)) continue;
    if (verb && WRITE_VERBS.has(verb)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
