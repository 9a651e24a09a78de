import type { KubernetesObject } from '@kubernetes/client-node';
import { type Condition, type ConditionInput, findCondition, type WriteResult } from '@nimbus-ts/k8s';
import { ConditionType } from '../build/conditions.js';
import type { OperatorContext } from './context.js';

/** Records a Normal Event when the operator created, updated or deleted a policy for `owner`. */
export async function announceWrite(
  ctx: OperatorContext,
  owner: KubernetesObject,
  result: WriteResult | 'deleted',
  policy: string,
): Promise<void> {
  if (result === 'unchanged') return;
  const verb = { created: 'Created', updated: 'Updated', deleted: 'Deleted' }[result];
  await ctx.events.record(owner, 'Normal', `Policy${verb}`, `${verb.toLowerCase()} ${policy}`);
}

/**
 * Records a Warning Event when the Ready condition turns False or changes its reason while False, so
 * `kubectl describe` tells the user once per problem rather than on every reconcile.
 */
export async function announceReady(
  ctx: OperatorContext,
  owner: KubernetesObject,
  previous: readonly Condition[] | undefined,
  next: ConditionInput,
): Promise<void> {
  if (next.status !== 'False') return;
  const before = findCondition(previous, ConditionType.Ready);
  if (before?.status === 'False' && before.reason === next.reason) return;
  await ctx.events.record(owner, 'Warning', next.reason, next.message);
}
