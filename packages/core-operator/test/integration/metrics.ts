import type { KubeConfig } from '@kubernetes/client-node';
import { apiWrites, pollUntil, pollUntilSteady } from '@nimbus-ts/k8s/testing';
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

/** The operator's progress as the API server and its own counters see it. */
async function progress(kc: KubeConfig, operator: Operator) {
  const { success, error } = operator.reconciles;
  return { writes: await nimbusWrites(kc), reconciles: success, errors: error };
}

/**
 * Waits until the operator has settled (neither the API server's write count nor the operator's reconcile counters
 * move between two samples), forces a full resync, waits for at least `minReconciles` successful reconciles and
 * for everything to settle again, and reports how many writes and errors the resync caused.
 */
export async function writesAcrossResync(
  kc: KubeConfig,
  operator: Operator,
  minReconciles: number,
): Promise<ResyncWrites> {
  const before = await pollUntilSteady('the operator to settle', 60_000, () => progress(kc, operator));
  operator.resyncAll();
  await pollUntil(
    'a full resync',
    30_000,
    () => operator.reconciles.success >= before.reconciles + minReconciles,
  );
  const after = await pollUntilSteady('the resync to finish', 60_000, () => progress(kc, operator));
  return { writes: after.writes - before.writes, errors: after.errors - before.errors };
}
