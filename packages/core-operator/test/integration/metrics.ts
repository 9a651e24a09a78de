import type { KubeConfig } from '@kubernetes/client-node';
import { rawRequest } from '@nimbus-ts/k8s';

// Creates, updates and patches. Deletes are left out on purpose: the namespace controller and the garbage
// collector delete objects of this group whenever another test's namespace goes away, and the operator
// never deletes in a converged state anyway.
const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY']);

/**
 * Create, update and patch requests the API server has served for the intent.security.nimbus.com group,
 * summed from its own `apiserver_request_total` metric: the ground truth for "the operator wrote nothing".
 */
export async function nimbusWrites(kc: KubeConfig): Promise<number> {
  const res = await rawRequest(kc, '/metrics', { timeoutMs: 30_000 });
  if (res.status !== 200) throw new Error(`GET /metrics: HTTP ${res.status}`);
  let total = 0;
  for (const line of res.body.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    if (!line.includes('group="intent.security.nimbus.com"')) continue;
    const verb = /verb="([A-Z]+)"/.exec(line)?.[1];
    if (verb && WRITE_VERBS.has(verb)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
