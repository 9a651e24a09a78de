// The API server's own count of the requests it served, by verb, resource and response code: the ground truth
// for how many writes a component made, and how many were refused, which no client-side counter can fake.
import { type ApiServerAccess, rawRequest } from '@nimbus-ts/k8s';

/** One `apiserver_request_total` series: requests of one verb on one resource that got one response code. */
export interface RequestCount {
  readonly group: string;
  readonly resource: string;
  readonly subresource: string;
  readonly verb: string;
  readonly code: string;
  readonly count: number;
}

/** Creates, updates and patches; deletes are left out, as the benchmark's own cleanup deletes. */
const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY']);

/** The `apiserver_request_total` series of a Prometheus text exposition. */
export function parseRequestCounts(metrics: string): RequestCount[] {
  const counts: RequestCount[] = [];
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = new Map<string, string>();
    const end = line.lastIndexOf('}');
    for (const m of line.slice(0, end).matchAll(/([a-z_]+)="([^"]*)"/g)) labels.set(m[1] ?? '', m[2] ?? '');
    counts.push({
      group: labels.get('group') ?? '',
      resource: labels.get('resource') ?? '',
      subresource: labels.get('subresource') ?? '',
      verb: labels.get('verb') ?? '',
      code: labels.get('code') ?? '',
      count: Number(line.slice(line.lastIndexOf(' ') + 1)),
    });
  }
  return counts;
}

const keyOf = (c: RequestCount) => `${c.group}|${c.resource}|${c.subresource}|${c.verb}|${c.code}`;

/** The requests served between two readings: `after` minus `before`, series that did not move left out. */
export function requestsBetween(
  before: readonly RequestCount[],
  after: readonly RequestCount[],
): RequestCount[] {
  const earlier = new Map(before.map((c) => [keyOf(c), c.count]));
  return after
    .map((c) => ({ ...c, count: c.count - (earlier.get(keyOf(c)) ?? 0) }))
    .filter((c) => c.count > 0);
}

/** Which requests to count: write verbs only, then optionally only some API groups and resources. */
export interface WriteFilter {
  /** API groups to count (`''` is the core group); default all. */
  readonly groups?: readonly string[];
  /** Plural resource names to count, e.g. `events`; default all. */
  readonly resources?: readonly string[];
  /** Plural resource names not to count, e.g. `leases`. */
  readonly excludeResources?: readonly string[];
  /** Only responses with this code, e.g. `409`. */
  readonly code?: string;
}

/** The write requests among `counts` that pass `filter`, summed. */
export function sumWrites(counts: readonly RequestCount[], filter: WriteFilter = {}): number {
  let total = 0;
  for (const c of counts) {
    if (!WRITE_VERBS.has(c.verb)) continue;
    if (filter.groups && !filter.groups.includes(c.group)) continue;
    if (filter.resources && !filter.resources.includes(c.resource)) continue;
    if (filter.excludeResources?.includes(c.resource)) continue;
    if (filter.code !== undefined && c.code !== filter.code) continue;
    total += c.count;
  }
  return total;
}

/** The write requests among `counts`, one `resource[/subresource] VERB code: n` entry each, most first. */
export function describeWrites(counts: readonly RequestCount[]): string[] {
  return counts
    .filter((c) => WRITE_VERBS.has(c.verb))
    .sort((a, b) => b.count - a.count)
    .map((c) => `${c.resource}${c.subresource ? `/${c.subresource}` : ''} ${c.verb} ${c.code}: ${c.count}`);
}

/** Reads the API server's `/metrics` now. */
export async function readRequestCounts(kc: ApiServerAccess): Promise<RequestCount[]> {
  const res = await rawRequest(kc, '/metrics', { timeoutMs: 30_000 });
  if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status}`);
  return parseRequestCounts(res.body);
}
