import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterNimbusPolicy, NimbusPolicy } from '@nimbus-ts/api';
import { bindingOwner, RESOURCES } from '@nimbus-ts/api';
import { defaultRegistry } from '@nimbus-ts/idpool';
import type { EventRecorder, KubeClient, Logger, OwnWrites, Store, WriteResult } from '@nimbus-ts/k8s';
import {
  Action,
  ApiError,
  applyOwnStatus,
  isNamespaceTerminating,
  type ObjectRef,
  ObjectTakenError,
  type ResourceType,
  refKey,
  refOf,
  setCondition,
} from '@nimbus-ts/k8s';
import { buildFailedCondition, childEntry, planAdapterReport, strayEntries } from './adapter-report.js';
import type { AdapterDeclaration } from './declaration.js';
import { type DesiredChild, desiredState } from './desired.js';
import { holdingOf, planChildren } from './ownership.js';
import { type AdapterStatusFields, mergeAdapterReport, ownStatusFields } from './status-fields.js';

type Policy = NimbusPolicy | ClusterNimbusPolicy;

/**
 * Everything an adapter's reconcile uses besides the policy, passed in rather than closed over: the seam a test
 * (or another process layout) substitutes, e.g. the FakeClient of `@nimbus-ts/k8s/testing` and its stores.
 */
export interface AdapterPolicyContext {
  readonly declaration: AdapterDeclaration;
  /** The policy kind reconciled: NimbusPolicy or ClusterNimbusPolicy. */
  readonly resource: ResourceType;
  readonly client: KubeClient;
  readonly events: Pick<EventRecorder, 'record'>;
  readonly logger: Logger;
  /** The adapter's Ready condition type, `nimbus-<name>/Ready`. */
  readonly conditionType: string;
  /** How long after a successful reconcile the policy is reconciled again anyway. */
  readonly resyncMs: number;
  /** The statuses this adapter wrote last, so a reconcile on a cache that lags them does not write them again. */
  readonly ownWrites?: OwnWrites;
  /** The cache of a watched resource: the declared kinds and inputs, and the bindings. */
  readonly store: <U extends KubernetesObject>(resource: ResourceType) => Store<U>;
}

/** Whether the policy's controller owner is a binding that exists now with the same uid. */
function ownerExists(policy: Policy, ctx: AdapterPolicyContext): boolean {
  const owner = bindingOwner(policy);
  if (!owner) return false;
  const ref: ObjectRef =
    owner.kind === 'SecurityIntentBinding'
      ? { name: owner.name, namespace: policy.metadata.namespace }
      : { name: owner.name };
  const resource =
    owner.kind === 'SecurityIntentBinding'
      ? RESOURCES.SecurityIntentBinding
      : RESOURCES.ClusterSecurityIntentBinding;
  return ctx.store(resource).get(ref)?.metadata?.uid === owner.uid;
}

/**
 * What {@link planChildren} looks at, from the caches of the declared kinds: the objects the policy controls (the
 * store's owner index) and any object that has a name the adapter wants. Not the whole cache: copying and scanning
 * every engine object on every reconcile made an adapter's work and memory grow with the square of its policies.
 */
function cachedChildren(
  ctx: AdapterPolicyContext,
  policy: Policy,
  desired: readonly DesiredChild[],
): DesiredChild[] {
  const uid = policy.metadata.uid;
  return ctx.declaration.kinds.flatMap((kind) => {
    const store = ctx.store<KubernetesObject>(kind);
    const found = new Map<string, KubernetesObject>();
    for (const object of uid ? store.controlledBy(uid) : []) found.set(refKey(refOf(object)), object);
    for (const child of desired) {
      if (child.resource.apiVersion !== kind.apiVersion || child.resource.kind !== kind.kind) continue;
      const ref = refOf(child.object);
      const live = found.has(refKey(ref)) ? undefined : store.get(ref);
      if (live) found.set(refKey(ref), live);
    }
    return [...found.values()].map((object): DesiredChild => ({ resource: kind, object }));
  });
}

/**
 * One adapter reconcile of one policy. It only sequences: cache reads, the pure decisions (`desiredState`,
 * `planChildren`, {@link planAdapterReport}), the writes they ask for, and the status merge.
 *
 * For a policy owned by an existing binding it builds the desired objects, creates or updates each (writing only
 * on a real difference, never an object something else manages), deletes the objects it manages that are no
 * longer wanted, records one Event for what changed, and applies its entries, enforced rules and Ready condition
 * to the policy status (server-side apply: no precondition, no conflict with other writers). A refused object is reported, then rethrown so the controller retries it with backoff.
 */
export async function reconcileAdapterPolicy(policy: Policy, ctx: AdapterPolicyContext): Promise<Action> {
  const { declaration, client, resource, conditionType } = ctx;
  if (policy.metadata.deletionTimestamp) return Action.awaitChange();
  const log = ctx.logger.child({
    adapter: declaration.name,
    policy: `${policy.kind} ${policy.metadata.namespace ? `${policy.metadata.namespace}/` : ''}${policy.metadata.name}`,
  });
  if (!ownerExists(policy, ctx)) {
    log.debug('ignoring the policy: no existing binding owns it');
    return Action.awaitChange();
  }

  const inputs = Object.fromEntries(
    Object.entries(declaration.inputs ?? {}).map(([name, r]) => [name, ctx.store(r).list()]),
  );
  let state: ReturnType<typeof desiredState>;
  try {
    state = desiredState(declaration, policy, inputs);
  } catch (error) {
    // A builder failure is deterministic for this policy and these inputs: report it and wait for a change.
    const message = (error as Error).message;
    log.error('build failed', { error: message });
    await applyOwnStatus<AdapterStatusFields>(
      client,
      resource,
      policy,
      (status) => {
        const conditions = setCondition(
          status?.conditions,
          buildFailedCondition(conditionType, policy, message),
        ) as AdapterStatusFields['conditions'];
        // Its other parts stay as they are: applied again, since what it leaves out is removed.
        const merged = { ...status, conditions };
        return { apply: ownStatusFields(merged, declaration.name, conditionType), expected: { conditions } };
      },
      ctx.ownWrites,
    );
    return Action.awaitChange();
  }

  const plan = planChildren(
    declaration.name,
    policy,
    state.children,
    cachedChildren(ctx, policy, state.children),
  );
  const mayUpdate = (live: KubernetesObject) => holdingOf(live, policy, declaration.name) !== 'foreign';
  const applied: string[] = [];
  const conflicts = plan.conflicts.map((c) => ({ ...c, entry: childEntry(policy, c.child) }));
  const changes: string[] = [];
  // Objects the API server refused, with its message: reported on the policy, then retried with backoff.
  const rejected: { entry: string; message: string; error: ApiError }[] = [];
  for (const { child, live } of plan.apply) {
    const entry = childEntry(policy, child);
    let result: WriteResult;
    try {
      ({ result } = await client.createOrUpdate(child.resource, child.object, live, mayUpdate));
    } catch (error) {
      // The namespace is being deleted, and the policy with it: nothing to enforce, nothing to report.
      if (isNamespaceTerminating(error)) {
        log.debug('the namespace is terminating; leaving the policy to its deletion');
        return Action.awaitChange();
      }
      // Someone (another adapter, say) created the name after our cache last saw it: theirs, not ours.
      if (error instanceof ObjectTakenError) {
        const [conflict] = planChildren(
          declaration.name,
          policy,
          [child],
          [{ resource: child.resource, object: error.object }],
        ).conflicts;
        if (conflict) {
          conflicts.push({ ...conflict, entry });
          continue;
        }
      }
      // Refused (invalid, too large, denied by admission): the other objects are still written, and the
      // policy says which one is missing and why, rather than looking enforced. A conflict or throttling is
      // no refusal: they are retried as errors.
      if (error instanceof ApiError && error.code !== 409 && error.code !== 429) {
        log.warn('the API server refused an engine object', { object: entry, error: error.message });
        rejected.push({ entry, message: error.message, error });
        // A refused update leaves the object as it was: it still exists and is still ours to report.
        if (live) applied.push(entry);
        continue;
      }
      throw error;
    }
    applied.push(entry);
    if (result !== 'unchanged') changes.push(`${result} ${entry}`);
  }
  for (const stale of plan.stale) {
    if (await client.delete(stale.resource, refOf(stale.object), stale.object.metadata?.uid)) {
      changes.push(`deleted ${childEntry(policy, stale)}`);
    }
  }
  for (const change of changes) log.info(change);
  // One Event per reconcile that changed engine objects, not one per object: a policy's first sync of N objects
  // is one transition for whoever reads `kubectl describe`, and N Events cost N writes.
  if (changes.length > 0) {
    await ctx.events.record(
      policy,
      'Normal',
      'EnginePolicySynced',
      `${declaration.name}: ${changes.join(', ')}`,
    );
  }

  const report = planAdapterReport(
    declaration.name,
    conditionType,
    policy,
    state.rules,
    { applied, conflicts, rejected, withdrawn: plan.stale.map((s) => childEntry(policy, s)) },
    declaration.registry ?? defaultRegistry,
  );
  // Summary entries of objects that are gone and that nobody records: left by a concurrent rewrite of the summary.
  const stray = strayEntries(policy, declaration.kinds, (kind, name) => {
    const namespace = policy.metadata.namespace;
    if (kind.namespaced && !namespace) return undefined;
    return ctx.store(kind).get(kind.namespaced ? { namespace, name } : { name }) !== undefined;
  });
  await applyOwnStatus<AdapterStatusFields>(
    client,
    resource,
    policy,
    (status) => {
      const merged = mergeAdapterReport(status, {
        adapter: declaration.name,
        entries: [...report.entries],
        withdrawn: [...report.withdrawn, ...stray],
        enforced: [...report.enforced],
        condition: report.condition,
        conditionType,
      });
      return { apply: ownStatusFields(merged, declaration.name, conditionType), expected: merged };
    },
    ctx.ownWrites,
  );
  // Rethrown once the policy says why, so the controller retries the refused write with its backoff.
  if (rejected[0]) throw rejected[0].error;
  return Action.requeue(ctx.resyncMs);
}
