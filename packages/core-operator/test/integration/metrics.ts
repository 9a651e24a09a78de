import type { KubeConfig } from '@kubernetes/client-node';
import { apiWrites, pollUntil } from '@nimbus-ts/k8s/testing';
import type { Operator } from '../../src/operator.js';

/** Writes the API server has served for the intent.security.nimbus.com group. */
export function nimbusWrites(kc: KubeConfig): Promise<number> {
  return apiWrites(kc, ['intent.security.nimbus.com']);
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
