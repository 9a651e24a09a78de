import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterNimbusPolicy, NimbusPolicy } from '@nimbus-ts/api';
import { adapterConditionType, bindingOwner, managerName, RESOURCES } from '@nimbus-ts/api';
import { defaultRegistry } from '@nimbus-ts/idpool';
import type { ApiServerAccess, ControllerMetrics, Logger, ReflectorOptions } from '@nimbus-ts/k8s';
import {
  Action,
  ApiError,
  type ConditionInput,
  Controller,
  EventRecorder,
  isNamespaceTerminating,
  ObjectClient,
  type ObjectRef,
  ObjectTakenError,
  ReflectorPool,
  type ResourceType,
  refOf,
  setCondition,
  updateStatus,
  type WriteResult,
} from '@nimbus-ts/k8s';
import type { AdapterDeclaration } from './declaration.js';
import { type DesiredChild, desiredState, statusEntry } from './desired.js';
import {
  ENGINE_OBJECT_REJECTED,
  engineObjectRejectedMessage,
  holdingOf,
  nameConflictMessage,
  planChildren,
} from './ownership.js';
import { type AdapterStatusFields, mergeAdapterReport } from './status-fields.js';

/** Options of {@link createAdapter}. */
export interface AdapterOptions {
  readonly logger: Logger;
  /** Reconcile every policy again after this long even without changes. Default 10 min. */
  readonly resyncMs?: number;
  /** Most concurrent reconciles per policy kind. Default 4. */
  readonly concurrency?: number;
  /** Records reconciles and queue depths, when given. */
  readonly metrics?: ControllerMetrics;
  /** This replica's name on the Events it records; default `nimbus-<adapter>`. */
  readonly identity?: string;
  /** Options of every cache (tests shorten timeouts). */
  readonly reflector?: ReflectorOptions;
}

/** A running adapter (without its process: see {@link runAdapter} for that). */
export interface Adapter {
  /** Starts watching; resolves once the caches are filled and reconciling has begun. */
  start(): Promise<void>;
  /** Stops reconciling (waiting for running reconciles) and the watches. */
  stop(): Promise<void>;
  /** Queues every policy, as a periodic resync would. */
  resyncAll(): void;
  /** True once every cache has its first list. */
  readonly ready: boolean;
  /** Reconciles finished so far, for tests and metrics. */
  readonly reconciles: { success: number; error: number };
}

type Policy = NimbusPolicy | ClusterNimbusPolicy;

/**
 * Turns an {@link AdapterDeclaration} into running controllers: one for NimbusPolicies, and one for
 * ClusterNimbusPolicies when the declaration has `buildCluster`.
 *
 * For each policy owned by an existing binding it builds the desired objects, creates or updates each
 * (writing only on a real difference, and never an object something else manages: see {@link planChildren}),
 * deletes the objects it manages that are no longer wanted, and merges its entries, its enforcement list and
 * its Ready condition into the policy status. Owned objects are watched and mapped back to their policy by
 * owner reference, so an edit or a deletion is repaired at once. Deleting a policy is left to the garbage
 * collector through the owner references.
 */
export function createAdapter(
  kc: ApiServerAccess,
  declaration: AdapterDeclaration,
  options: AdapterOptions,
): Adapter {
  const manager = managerName(declaration.name);
  const client = new ObjectClient(kc, manager);
  const events = new EventRecorder(client, manager, options.identity ?? manager, options.logger);
  const reflectors = new ReflectorPool(kc, { ...options.reflector, logger: options.logger });
  const reconciles = { success: 0, error: 0 };
  const resyncMs = options.resyncMs ?? 10 * 60_000;

  const controllerFor = (resource: ResourceType) => {
    const name = `${declaration.name}/${resource.kind.toLowerCase()}`;
    const record = options.metrics?.recorder(name);
    const controller = new Controller<Policy>(kc, resource, {
      name,
      logger: options.logger,
      reflectors,
      concurrency: options.concurrency ?? 4,
      onReconciled: (outcome, durationMs) => {
        reconciles[outcome]++;
        record?.(outcome, durationMs);
      },
    });
    options.metrics?.trackQueue(name, () => controller.queueDepth);
    const policies = () => controller.store<Policy>(resource).list();
    for (const kind of declaration.kinds) controller.owns(kind);
    // A binding that appears or goes decides whether its policies are orphans.
    const bindingKinds =
      resource.kind === 'NimbusPolicy'
        ? [RESOURCES.SecurityIntentBinding, RESOURCES.ClusterSecurityIntentBinding]
        : [RESOURCES.ClusterSecurityIntentBinding];
    for (const binding of bindingKinds) {
      controller.watches(
        binding,
        (b) =>
          policies()
            .filter((p) => {
              const owner = bindingOwner(p);
              return (
                owner !== undefined &&
                owner.kind === b.kind &&
                owner.name === b.metadata?.name &&
                (b.kind !== 'SecurityIntentBinding' || p.metadata.namespace === b.metadata?.namespace)
              );
            })
            .map(refOf),
        { metadataOnly: true },
      );
    }
    for (const input of Object.values(declaration.inputs ?? {})) {
      controller.watches(input, () => policies().map(refOf));
    }
    return { resource, controller };
  };

  const parts = [controllerFor(RESOURCES.NimbusPolicy)];
  if (declaration.buildCluster) parts.push(controllerFor(RESOURCES.ClusterNimbusPolicy));

  const reconcileWith =
    (resource: ResourceType, controller: Controller<Policy>) =>
    async (policy: Policy): Promise<Action> => {
      if (policy.metadata.deletionTimestamp) return Action.awaitChange();
      const log = options.logger.child({
        adapter: declaration.name,
        policy: `${policy.kind} ${policy.metadata.namespace ? `${policy.metadata.namespace}/` : ''}${policy.metadata.name}`,
      });
      if (!ownerExists(policy, controller)) {
        log.debug('ignoring the policy: no existing binding owns it');
        return Action.awaitChange();
      }
      const conditionType = adapterConditionType(declaration.name);
      const report = (
        condition: ConditionInput | undefined,
        entries: string[],
        withdrawn: string[],
        enforced: string[],
      ) =>
        updateStatus<AdapterStatusFields>(client, resource, policy, (status) =>
          mergeAdapterReport(status, {
            adapter: declaration.name,
            entries,
            withdrawn,
            enforced,
            condition,
            conditionType,
          }),
        );

      const inputs = Object.fromEntries(
        Object.entries(declaration.inputs ?? {}).map(([name, r]) => [name, controller.store(r).list()]),
      );
      let state: ReturnType<typeof desiredState>;
      try {
        state = desiredState(declaration, policy, inputs);
      } catch (error) {
        // A builder failure is deterministic for this policy and these inputs: report it and wait for a change.
        const message = (error as Error).message;
        log.error('build failed', { error: message });
        await updateStatus<AdapterStatusFields>(client, resource, policy, (status) => ({
          conditions: setCondition(status?.conditions, {
            type: conditionType,
            status: 'False',
            reason: 'BuildFailed',
            message,
            observedGeneration: policy.metadata.generation,
          }) as AdapterStatusFields['conditions'],
        }));
        return Action.awaitChange();
      }

      // Every cached object of the declared kinds: planChildren looks at those the policy controls, and at any
      // that has a name the adapter wants.
      const existing = declaration.kinds.flatMap((kind) =>
        controller
          .store<KubernetesObject>(kind)
          .list()
          .map((object): DesiredChild => ({ resource: kind, object })),
      );
      const plan = planChildren(declaration.name, policy, state.children, existing);
      // A ClusterNimbusPolicy's namespaced objects live in a namespace the policy does not have: the entry says it.
      const entryOf = (c: DesiredChild) =>
        statusEntry(
          c.resource.statusKind ?? c.resource.kind,
          c.object.metadata?.name ?? '',
          c.object.metadata?.namespace !== policy.metadata.namespace
            ? c.object.metadata?.namespace
            : undefined,
        );
      const mayUpdate = (live: KubernetesObject) => holdingOf(live, policy, declaration.name) !== 'foreign';
      const applied: string[] = [];
      const conflicts = plan.conflicts.map((c) => ({ ...c, entry: entryOf(c.child) }));
      const changes: string[] = [];
      // Objects the API server refused, with its message: reported on the policy, then retried with backoff.
      const rejected: { entry: string; message: string; error: ApiError }[] = [];
      for (const { child, live } of plan.apply) {
        const entry = entryOf(child);
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
          changes.push(`deleted ${entryOf(stale)}`);
        }
      }
      for (const change of changes) {
        log.info(change);
        await events.record(policy, 'Normal', 'EnginePolicySynced', `${declaration.name}: ${change}`);
      }

      const condition: ConditionInput | undefined =
        state.rules.length === 0
          ? undefined
          : rejected.length > 0
            ? {
                type: conditionType,
                status: 'False',
                reason: ENGINE_OBJECT_REJECTED,
                message: engineObjectRejectedMessage(declaration.name, rejected),
                observedGeneration: policy.metadata.generation,
              }
            : conflicts.length > 0
              ? {
                  type: conditionType,
                  status: 'False',
                  reason: 'NameConflict',
                  message: nameConflictMessage(declaration.name, conflicts),
                  observedGeneration: policy.metadata.generation,
                }
              : {
                  type: conditionType,
                  status: 'True',
                  reason: 'Applied',
                  message: `${applied.length} engine policies enforce ${state.rules.map((r) => r.rule.id).join(', ')}`,
                  observedGeneration: policy.metadata.generation,
                };
      // Every rule whose canonical ID is built is enforced, however it is spelt (pkgMgrs and swDeploymentTools).
      const builtIds = new Set(state.rules.map((r) => r.id));
      const registry = declaration.registry ?? defaultRegistry;
      // A refused object belongs to some rule, and which one is the builder's secret: claim none rather than one
      // that is not enforced.
      const enforced =
        rejected.length > 0
          ? []
          : policy.spec.rules
              .map((r) => r.id)
              .filter((id, i, all) => all.indexOf(id) === i && builtIds.has(registry.canonicalId(id) ?? id));
      await report(condition, applied, plan.stale.map(entryOf), enforced);
      // Rethrown once the policy says why, so the controller retries the refused write with its backoff.
      if (rejected[0]) throw rejected[0].error;
      return Action.requeue(resyncMs);
    };

  // The policy's controller owner must be a binding that exists now with the same uid.
  function ownerExists(policy: Policy, controller: Controller<Policy>): boolean {
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
    return controller.store(resource).get(ref)?.metadata?.uid === owner.uid;
  }

  return {
    reconciles,
    get ready() {
      return parts.every((p) => p.controller.ready);
    },
    async start() {
      await Promise.all(
        parts.map((p) => p.controller.start(reconcileWith(p.resource, p.controller), undefined)),
      );
    },
    async stop() {
      await Promise.all(parts.map((p) => p.controller.stop()));
      await reflectors.stop();
    },
    resyncAll() {
      for (const p of parts) p.controller.enqueueAll();
    },
  };
}
