import type { CoreV1Event, KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { NimbusPolicy, NimbusRule, SecurityIntentBinding } from '@nimbus-ts/api';
import { adapterLeaseName, announcementMetadata, managerName, RESOURCES } from '@nimbus-ts/api';
import type { Logger } from '@nimbus-ts/k8s';
import { EVENTS, LeaderElector, ObjectClient, refOf } from '@nimbus-ts/k8s';
import {
  abortable,
  checkLeastPrivilege,
  type LeastPrivilegeOptions,
  type LeastPrivilegeReport,
  pollUntil,
} from '@nimbus-ts/k8s/testing';
import { createAdapter } from '../adapter.js';
import type { AdapterDeclaration } from '../declaration.js';
import { desiredState, statusEntry } from '../desired.js';

/** Options of {@link exerciseAdapter}. */
export interface ExerciseAdapterOptions {
  /** Admin credentials: the test writes bindings and policies and inspects the results with them. */
  readonly admin: KubeConfig;
  /** The adapter's own credentials (e.g. a ServiceAccount identity with only the shipped RBAC). */
  readonly kubeConfig: KubeConfig;
  readonly declaration: AdapterDeclaration;
  /** Namespace for the binding and its policy. */
  readonly namespace: string;
  /** Namespace of the adapter's Lease (its own namespace in a cluster). */
  readonly leaseNamespace: string;
  /**
   * The policy's rules: at least one the adapter supports. The first is removed halfway; with a single rule the
   * policy is left with none the adapter supports, so every object it built must go.
   */
  readonly rules: readonly NimbusRule[];
  readonly logger: Logger;
  /** Distinguishes repeated runs' object names. */
  readonly id: string;
  /** How long each step may take. Default 20 s. */
  readonly stepTimeoutMs?: number;
  /** Ends the exercise early (it then rejects after cleaning up). */
  readonly signal?: AbortSignal;
}

const API = 'intent.security.nimbus.com/v1alpha1';

/**
 * Runs an adapter through everything the SDK does for it, against a real API server, and rejects at the first
 * step that does not happen: it holds and announces its Lease, builds the objects of a policy owned by a binding,
 * reports them in the policy status, re-creates a deleted object (twice, raising the count of the re-creation's Event), follows
 * a changed selector, deletes the objects of a removed rule, and records Events. Used by the RBAC proofs; third-party
 * adapters can call it in their tests. An adapter that supports a single intent is exercised with one rule: removing
 * it removes all the policy's objects and brings its count in the status to 0.
 */
export async function exerciseAdapter(options: ExerciseAdapterOptions): Promise<void> {
  const { declaration, namespace, id } = options;
  const step = options.stepTimeoutMs ?? 20_000;
  const wait = (what: string, check: () => Promise<boolean>) =>
    pollUntil(what, step, check, { signal: options.signal });
  const admin = new ObjectClient(options.admin, 'exercise-adapter');
  const elector = new LeaderElector(new ObjectClient(options.kubeConfig, managerName(declaration.name)), {
    namespace: options.leaseNamespace,
    name: `${adapterLeaseName(declaration.name)}-${id}`,
    identity: id,
    metadata: announcementMetadata(declaration.name, declaration.intents, declaration.kinds),
    logger: options.logger,
  });
  if (!(await elector.tryAcquireOrRenew())) throw new Error('the adapter could not take its Lease');
  const adapter = createAdapter(options.kubeConfig, declaration, { logger: options.logger, identity: id });
  const name = `exercise-${id}`;
  try {
    await abortable(adapter.start(), options.signal, 'the adapter to start');
    const sib = await admin.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name, namespace },
      spec: { intents: [], selector: { workloadSelector: { matchLabels: { app: name } } } },
    });
    const created = await admin.create<NimbusPolicy>(RESOURCES.NimbusPolicy, {
      apiVersion: API,
      kind: 'NimbusPolicy',
      metadata: {
        name,
        namespace,
        ownerReferences: [
          {
            apiVersion: API,
            kind: 'SecurityIntentBinding',
            name,
            uid: sib.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { selector: { matchLabels: { app: name } }, rules: [...options.rules] },
    });
    const policy = () => admin.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace, name });
    // The adapter writes the policy's status meanwhile, so a plain replace may meet a newer resourceVersion:
    // createOrUpdate re-reads and retries on that conflict.
    const changeSpec = (live: NimbusPolicy, spec: NimbusPolicy['spec']) =>
      admin.createOrUpdate(RESOURCES.NimbusPolicy, { ...live, spec }, live);
    const children = (np: NimbusPolicy) => desiredState(declaration, np).children;
    const live = (child: { resource: (typeof declaration.kinds)[number]; object: KubernetesObject }) =>
      admin.get(child.resource, refOf(child.object));

    const all = children(created);
    if (all.length === 0) {
      throw new Error(
        `adapter ${declaration.name} built nothing for rules ${options.rules.map((r) => r.id).join(', ') || '(none)'}; give at least one rule it supports`,
      );
    }
    // The removed-rule step must see the adapter delete something, or it would pass without proving anything.
    const firstRule = options.rules[0]?.id;
    const withoutFirstRule = (np: NimbusPolicy): NimbusPolicy => ({
      ...np,
      spec: { ...np.spec, rules: np.spec.rules.filter((r) => r.id !== firstRule) },
    });
    if (children(withoutFirstRule(created)).length >= all.length) {
      throw new Error(
        `rule ${firstRule} builds no object of adapter ${declaration.name}; put a rule it supports first`,
      );
    }
    await wait('the adapter to build and report every object', async () => {
      const status = (await policy())?.status;
      const present = await Promise.all(all.map(async (c) => (await live(c)) !== undefined));
      return status?.numberOfAdapterPolicies === all.length && present.every(Boolean);
    });

    const first = all[0] as (typeof all)[number];
    // Deleted twice, re-created twice: the adapter records one EnginePolicySynced Event per sync, listing every
    // change (`<adapter>: created A/a, created A/b`), so the two re-creations are two occurrences of one message,
    // which the adapter aggregates into one Event of count 2 (a patch of the Event it created).
    for (const round of ['first', 'second']) {
      const before = await live(first);
      await admin.delete(first.resource, refOf(first.object));
      await wait(`a deleted object to be re-created (${round} time)`, async () => {
        const now = await live(first);
        return now !== undefined && now.metadata?.uid !== before?.metadata?.uid;
      });
    }
    const recreated = `created ${statusEntry(first.resource.statusKind ?? first.resource.kind, first.object.metadata?.name ?? '')}`;
    await wait(`the Event "${recreated}" to count 2`, async () =>
      (await admin.list<CoreV1Event>(EVENTS, namespace)).some(
        (e) =>
          e.involvedObject.uid === created.metadata?.uid &&
          e.reason === 'EnginePolicySynced' &&
          e.message?.endsWith(`: ${recreated}`) === true &&
          (e.count ?? 0) >= 2,
      ),
    );

    const current = await policy();
    if (!current) throw new Error(`policy ${name} vanished`);
    await changeSpec(current, { ...current.spec, selector: { matchLabels: { app: `${name}-moved` } } });
    await wait('the objects to follow the new selector', async () => {
      const texts = await Promise.all(all.map(async (c) => JSON.stringify(await live(c))));
      return texts.every((t) => t.includes(`${name}-moved`));
    });

    const moved = await policy();
    if (!moved) throw new Error(`policy ${name} vanished`);
    const reduced = withoutFirstRule(moved);
    const remaining = children(reduced);
    await changeSpec(moved, reduced.spec);
    await wait('the objects of a removed rule to be deleted and unlisted', async () => {
      const gone = await Promise.all(
        all
          .filter((c) => !remaining.some((r) => r.object.metadata?.name === c.object.metadata?.name))
          .map(async (c) => (await live(c)) === undefined),
      );
      return gone.every(Boolean) && (await policy())?.status?.numberOfAdapterPolicies === remaining.length;
    });

    const events = await admin.list(EVENTS, namespace);
    if (!events.some((e) => JSON.stringify(e).includes(name)))
      throw new Error('the adapter recorded no Event');
    if (adapter.reconciles.error > 0) throw new Error(`${adapter.reconciles.error} reconciles failed`);
  } finally {
    await adapter.stop();
    await elector.stop();
    await admin.delete(RESOURCES.SecurityIntentBinding, { namespace, name });
    await admin.delete(RESOURCES.NimbusPolicy, { namespace, name });
  }
}

/** Options of {@link checkAdapterLeastPrivilege}. */
export interface AdapterLeastPrivilegeOptions
  extends Pick<
      LeastPrivilegeOptions,
      'kubeConfig' | 'addUser' | 'manifests' | 'serviceAccount' | 'timeoutMs'
    >,
    Pick<ExerciseAdapterOptions, 'declaration' | 'rules'> {
  /** Stands in for the adapter's own namespace (its Lease and Roles). */
  readonly homeNamespace: string;
  /** Where the exercise writes its bindings and policies. */
  readonly workNamespace: string;
}

/**
 * {@link checkLeastPrivilege} with {@link exerciseAdapter} as the scenario: the usual RBAC proof of an adapter's
 * shipped manifests.
 */
export function checkAdapterLeastPrivilege(
  options: AdapterLeastPrivilegeOptions,
): Promise<LeastPrivilegeReport> {
  return checkLeastPrivilege({
    kubeConfig: options.kubeConfig,
    addUser: options.addUser,
    manifests: options.manifests,
    serviceAccount: options.serviceAccount,
    namespace: options.homeNamespace,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    scenario: ({ kubeConfig, logger, run, namespace, signal }) =>
      exerciseAdapter({
        admin: options.kubeConfig,
        kubeConfig,
        declaration: options.declaration,
        namespace: options.workNamespace,
        leaseNamespace: namespace,
        rules: options.rules,
        logger,
        id: `r${run}`,
        signal,
      }),
  });
}
