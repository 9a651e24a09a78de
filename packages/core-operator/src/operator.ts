import type { V1Namespace, V1Pod } from '@kubernetes/client-node';
import {
  type ClusterNimbusPolicy,
  type ClusterSecurityIntentBinding,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { defaultRegistry, type IntentRegistry } from '@nimbus-ts/idpool';
import {
  type ApiServerAccess,
  type Controller,
  type ControllerMetrics,
  EventRecorder,
  type KubeClient,
  type Logger,
  NAMESPACES,
  ObjectClient,
  OwnWrites,
  PODS,
  ReflectorPool,
} from '@nimbus-ts/k8s';
import { AdapterDirectory } from './adapter-directory.js';
import {
  clusterSecurityIntentBindingController,
  reconcileClusterBinding,
} from './controllers/cluster-security-intent-binding.js';
import type { OperatorContext } from './controllers/context.js';
import {
  bindingLookup,
  policyEnforcementController,
  reconcileEnforcement,
} from './controllers/policy-enforcement.js';
import { reconcileSecurityIntent, securityIntentController } from './controllers/security-intent.js';
import { reconcileBinding, securityIntentBindingController } from './controllers/security-intent-binding.js';

/** The field manager of every write the core operator makes. */
export const FIELD_MANAGER = 'nimbus-core-operator';

/** Options of {@link createOperator}. */
export interface OperatorOptions {
  readonly logger: Logger;
  /** Reconcile every object again after this long even without changes. Default 5 min. */
  readonly resyncMs?: number;
  /** Most concurrent reconciles per controller. Default 4. */
  readonly concurrency?: number;
  /** Records reconciles and queue depths, when given. */
  readonly metrics?: ControllerMetrics;
  /** The intent ID pool; default the built-in one. */
  readonly intentPool?: IntentRegistry;
  /** This replica's name on the Events it records; default `nimbus-core-operator`. */
  readonly identity?: string;
  /**
   * The client of every write (Events included); default an `ObjectClient` with field manager
   * `nimbus-core-operator`. The one-line seam of docs/adr/0009-composition-seam.md.
   */
  readonly client?: KubeClient;
  /** The clock of conditions and `lastUpdated`; default the system clock. */
  readonly now?: () => Date;
}

/** A running core operator. */
export interface Operator {
  /** Starts every controller; resolves once their caches are filled and reconciling has begun. */
  start(): Promise<void>;
  /** Stops every controller, waiting for running reconciles. */
  stop(): Promise<void>;
  /** Queues every object of every controller, as a periodic resync would. */
  resyncAll(): void;
  /** Reconciles finished so far (successes and failures), for tests and metrics. */
  readonly reconciles: { success: number; error: number };
  /** True once every controller's caches are filled. */
  readonly ready: boolean;
}

/** Wires the SecurityIntent, SecurityIntentBinding and ClusterSecurityIntentBinding controllers onto one client. */
export function createOperator(kc: ApiServerAccess, options: OperatorOptions): Operator {
  const reconciles = { success: 0, error: 0 };
  // One cache per resource for all three controllers: SecurityIntents and NimbusPolicies are read by several.
  const reflectors = new ReflectorPool(kc, { logger: options.logger });
  const common = (name: string) => {
    const record = options.metrics?.recorder(name);
    return {
      name,
      reflectors,
      logger: options.logger,
      concurrency: options.concurrency ?? 4,
      onReconciled: (outcome: 'success' | 'error', durationMs: number) => {
        reconciles[outcome]++;
        record?.(outcome, durationMs);
      },
    };
  };
  const client = options.client ?? new ObjectClient(kc, FIELD_MANAGER);
  const ctx: OperatorContext = {
    client,
    events: new EventRecorder(client, FIELD_MANAGER, options.identity ?? FIELD_MANAGER, options.logger),
    logger: options.logger,
    now: options.now ?? (() => new Date()),
    resyncMs: options.resyncMs ?? 5 * 60_000,
    intentPool: options.intentPool ?? defaultRegistry,
    ownWrites: new OwnWrites(),
  };
  const intents = securityIntentController(kc, common('securityintent'));
  const bindings = securityIntentBindingController(kc, common('securityintentbinding'));
  const bindingCtx = {
    ...ctx,
    stores: {
      intents: bindings.store<SecurityIntent>(RESOURCES.SecurityIntent),
      policies: bindings.store<NimbusPolicy>(RESOURCES.NimbusPolicy),
      pods: bindings.store<V1Pod>(PODS),
    },
  };
  const clusterBindings = clusterSecurityIntentBindingController(kc, common('clustersecurityintentbinding'));
  const clusterBindingCtx = {
    ...ctx,
    stores: {
      intents: clusterBindings.store<SecurityIntent>(RESOURCES.SecurityIntent),
      clusterPolicies: clusterBindings.store<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy),
      policies: clusterBindings.store<NimbusPolicy>(RESOURCES.NimbusPolicy),
      namespaces: clusterBindings.store<V1Namespace>(NAMESPACES),
    },
  };
  // Which rules have a running adapter: one controller per policy kind, queued in full when adapters come or go.
  const adapters = new AdapterDirectory(kc, options.logger);
  const enforcement = policyEnforcementController(
    kc,
    RESOURCES.NimbusPolicy,
    common('nimbuspolicy-enforcement'),
  );
  const clusterEnforcement = policyEnforcementController(
    kc,
    RESOURCES.ClusterNimbusPolicy,
    common('clusternimbuspolicy-enforcement'),
  );
  // Level-triggered on the announcements: which rules are enforced, and which intent IDs are known.
  adapters.onChange(() => {
    enforcement.enqueueAll();
    clusterEnforcement.enqueueAll();
    intents.enqueueAll();
  });
  type AnyPrimary =
    | SecurityIntent
    | SecurityIntentBinding
    | ClusterSecurityIntentBinding
    | NimbusPolicy
    | ClusterNimbusPolicy;
  const controllers = [
    intents,
    bindings,
    clusterBindings,
    enforcement,
    clusterEnforcement,
  ] as unknown as Controller<AnyPrimary>[];
  for (const [name, c] of [
    ['securityintent', intents],
    ['securityintentbinding', bindings],
    ['clustersecurityintentbinding', clusterBindings],
    ['nimbuspolicy-enforcement', enforcement],
    ['clusternimbuspolicy-enforcement', clusterEnforcement],
  ] as const) {
    options.metrics?.trackQueue(name, () => c.queueDepth);
  }
  return {
    reconciles,
    get ready() {
      return adapters.ready && controllers.every((c) => c.ready);
    },
    async start() {
      await adapters.start();
      await Promise.all([
        enforcement.start(reconcileEnforcement, {
          ...ctx,
          adapters,
          resource: RESOURCES.NimbusPolicy,
          bindings: bindingLookup(enforcement, RESOURCES.NimbusPolicy),
        }),
        clusterEnforcement.start(reconcileEnforcement, {
          ...ctx,
          adapters,
          resource: RESOURCES.ClusterNimbusPolicy,
          bindings: bindingLookup(clusterEnforcement, RESOURCES.ClusterNimbusPolicy),
        }),
        intents.start(reconcileSecurityIntent, { ...ctx, adapters }),
        bindings.start(reconcileBinding, bindingCtx),
        clusterBindings.start(reconcileClusterBinding, clusterBindingCtx),
      ]);
    },
    async stop() {
      await Promise.all(controllers.map((c) => c.stop()));
      await Promise.all([reflectors.stop(), adapters.stop()]);
    },
    resyncAll() {
      for (const c of controllers) c.enqueueAll();
    },
  };
}
