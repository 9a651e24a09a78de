import type { KubeConfig } from '@kubernetes/client-node';
import { rawRequest } from '@nimbus-ts/k8s';
import { pollUntil } from '@nimbus-ts/k8s/testing';
import type { Operator } from '../../src/operator.js';

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

/** What a full resync changed: write requests the API server saw, and reconcile failures. */
export interface ResyncWrites {
  readonly writes: number;
  readonly errors: number;
}

/**
 * Waits until the operator has settled (no writes for 1.5 s), forces a full resync, waits for at least
 * `minReconciles` successful reconciles, and reports how many writes and errors the resync caused.
 */
export async function writesAcrossResync(
  kc: KubeConfig,
  operator: Operator,
  minReconciles: number,
): Promise<ResyncWrites> {
  await pollUntil('the operator to settle', 30_000, async () => {
    const before = await nimbusWrites(kc);
    await new Promise((r) => setTimeout(r, 1500));
    return (await nimbusWrites(kc)) === before;
  });
  const writes = await nimbusWrites(kc);
  const { success, error } = operator.reconciles;
  operator.resyncAll();
  await pollUntil('a full resync', 30_000, () => operator.reconciles.success >= success + minReconciles);
  await new Promise((r) => setTimeout(r, 1000));
  return { writes: (await nimbusWrites(kc)) - writes, errors: operator.reconciles.error - error };
}
