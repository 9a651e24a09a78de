import type { ClusterNimbusPolicy, NimbusPolicy } from '@nimbus-ts/api';
import { adapterConditionType, bindingOwner, managerName, RESOURCES } from '@nimbus-ts/api';
import type {
  ApiServerAccess,
  ControllerMetrics,
  KubeClient,
  Logger,
  ReflectorOptions,
} from '@nimbus-ts/k8s';
import {
  Controller,
  EventRecorder,
  ObjectClient,
  OwnWrites,
  ReflectorPool,
  type ResourceType,
  refOf,
} from '@nimbus-ts/k8s';
import type { AdapterDeclaration } from './declaration.js';
import { type AdapterPolicyContext, reconcileAdapterPolicy } from './reconcile-policy.js';

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
  /**
   * The client of every write (Events included); default an `ObjectClient` with field manager `nimbus-<name>`.
   * The one-line seam for a wrapping client (tracing, say); see docs/adr/0009-composition-seam.md.
   */
  readonly client?: KubeClient;
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
  const client = options.client ?? new ObjectClient(kc, manager);
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

  const ownWrites = new OwnWrites();
  const contextFor = (resource: ResourceType, controller: Controller<Policy>): AdapterPolicyContext => ({
    declaration,
    resource,
    client,
    events,
    logger: options.logger,
    conditionType: adapterConditionType(declaration.name),
    resyncMs,
    ownWrites,
    store: (r) => controller.store(r),
  });

  return {
    reconciles,
    get ready() {
      return parts.every((p) => p.controller.ready);
    },
    async start() {
      await Promise.all(
        parts.map((p) => p.controller.start(reconcileAdapterPolicy, contextFor(p.resource, p.controller))),
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
