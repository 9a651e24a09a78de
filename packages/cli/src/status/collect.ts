import type { KubernetesObject } from '@kubernetes/client-node';
import {
  ADAPTER_LABEL,
  adapterConditionType,
  type ClusterNimbusPolicy,
  type ClusterSecurityIntentBinding,
  liveAnnouncement,
  MANAGED_BY_ANNOTATION,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { ConditionType, ENFORCED, fanOutPolicyName } from '@nimbus-ts/core-operator';
import { isControlledBy, LEASES, type ObjectRef, type ResourceType } from '@nimbus-ts/k8s';
import type { AdapterKind, AdapterRegistry } from '../adapters.js';
import { conditionProblems, conditionViews } from './conditions.js';
import {
  type AdapterView,
  type BindingView,
  bindingHealthy,
  type EngineObjectView,
  type IntentView,
  type PolicyView,
  type StatusReport,
} from './model.js';
import { objectStatus } from './object-status.js';

/** The reads `nimbus status` makes; `ObjectClient` of `@nimbus-ts/k8s` is one. */
export interface ClusterReader {
  /**
   * The objects of `resource` in `namespace`, or in every namespace when it is omitted; only those matching
   * `options.labelSelector` when given.
   */
  list<T extends KubernetesObject>(
    resource: ResourceType,
    namespace?: string,
    options?: { labelSelector?: string },
  ): Promise<T[]>;
  /** One object, or undefined when it does not exist. */
  get<T extends KubernetesObject>(resource: ResourceType, ref: ObjectRef): Promise<T | undefined>;
}

type Policy = NimbusPolicy | ClusterNimbusPolicy;
type Binding = SecurityIntentBinding | ClusterSecurityIntentBinding;

/** The running adapters' announcements: by name, the intent IDs and kinds each announces on its Lease. */
type Announced = ReadonlyMap<
  string,
  { readonly intents: ReadonlySet<string>; readonly kinds: ResourceType[] }
>;

/**
 * What the running adapters announce on their Leases (see `liveAnnouncement`), so third-party adapters' kinds
 * and IDs are known without their code. A user who may not list Leases cluster-wide gets none, and status
 * falls back to the adapters it has.
 */
async function readAnnouncements(reader: ClusterReader, now: number): Promise<Announced> {
  let leases: KubernetesObject[];
  try {
    leases = await reader.list(LEASES, undefined, { labelSelector: ADAPTER_LABEL });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 401 || code === 403) return new Map();
    throw error;
  }
  const announced = new Map<string, { intents: Set<string>; kinds: ResourceType[] }>();
  for (const lease of leases) {
    const live = liveAnnouncement(lease, now);
    if (!live) continue;
    const entry = announced.get(live.name) ?? { intents: new Set<string>(), kinds: [] };
    for (const id of live.intents) entry.intents.add(id);
    for (const kind of live.kinds ?? [])
      if (!entry.kinds.some((k) => k.apiVersion === kind.apiVersion && k.kind === kind.kind))
        entry.kinds.push(kind);
    announced.set(live.name, entry);
  }
  return announced;
}

// The adapter that writes `kind`: one the CLI has the code of, else one whose Lease announces the kind.
function adapterForKind(
  adapters: AdapterRegistry,
  announced: Announced,
  kind: string,
  recorded: string | undefined,
): AdapterKind | undefined {
  const known = adapters.forKind(kind, recorded);
  if (known && (recorded === undefined || known.adapter === recorded)) return known;
  // The recorded adapter is not loaded here, but may announce the kind on its Lease.
  const announcedByRecorded = recorded
    ? announced.get(recorded)?.kinds.find((k) => (k.statusKind ?? k.kind) === kind || k.kind === kind)
    : undefined;
  if (recorded && announcedByRecorded) return { adapter: recorded, resource: announcedByRecorded };
  // Only the adapter that recorded an entry may say what it is: another adapter's kind of the same name (k8tls
  // writes ConfigMaps, so may a third-party adapter) can be another object, so the entry stays unchecked.
  if (recorded !== undefined) return undefined;
  for (const [adapter, { kinds }] of announced) {
    const resource = kinds.find((k) => (k.statusKind ?? k.kind) === kind || k.kind === kind);
    if (resource) return { adapter, resource };
  }
  return undefined;
}

const ADAPTER_CONDITION = /^nimbus-(.+)\/Ready$/;

function byName<T extends { metadata?: { name?: string; namespace?: string } }>(a: T, b: T): number {
  const key = (o: T) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

// `<Kind>/<name>` for objects in the policy's namespace (or cluster-scoped), `<namespace>/<Kind>/<name>` for
// objects elsewhere (upstream's k8tls CronJobs of a ClusterNimbusPolicy).
function parseEntry(entry: string, policy: Policy): { kind: string; namespace?: string; name: string } {
  const parts = entry.split('/');
  if (parts.length >= 3) return { namespace: parts[0], kind: parts[1] ?? '', name: parts.slice(2).join('/') };
  return { kind: parts[0] ?? '', name: parts[1] ?? '', namespace: policy.metadata.namespace };
}

async function engineObject(
  reader: ClusterReader,
  adapters: AdapterRegistry,
  announced: Announced,
  policy: Policy,
  entry: string,
): Promise<{ adapter: string; view: EngineObjectView }> {
  const { kind, namespace, name } = parseEntry(entry, policy);
  // Several adapters may write the same kind: the adapter that recorded the entry says which one it is.
  const recorded = policy.status?.policiesByAdapter?.find((r) => r.policies?.includes(entry))?.adapter;
  const known = adapterForKind(adapters, announced, kind, recorded);
  const base = { entry, kind, name, ...(namespace ? { namespace } : {}) };
  if (!known) return { adapter: recorded ?? 'unknown', view: { ...base, state: 'unchecked' } };
  const live = await reader.get(known.resource, known.resource.namespaced ? { namespace, name } : { name });
  const state = !live
    ? 'missing'
    : isControlledBy(live.metadata?.ownerReferences, policy)
      ? 'present'
      : 'notOwned';
  // The object says who manages it; trust that over the record and the kind table when they disagree.
  const managedBy = live?.metadata?.annotations?.[MANAGED_BY_ANNOTATION]?.replace(/^nimbus-/, '');
  return {
    adapter: managedBy ?? recorded ?? known.adapter,
    view: { ...base, state, ...(live ? objectStatus(live) : {}) },
  };
}

function objectProblem(view: EngineObjectView): string | undefined {
  const what = `${view.kind} ${view.namespace ? `${view.namespace}/` : ''}${view.name}`;
  if (view.state === 'missing') return `${what} is listed in the policy status but does not exist`;
  if (view.state === 'notOwned') return `${what} exists but is not controlled by the policy`;
  if (view.ready?.status === 'False') return `${what}: ${view.ready.reason}: ${view.ready.message}`;
  return undefined;
}

async function policyView(
  reader: ClusterReader,
  adapters: AdapterRegistry,
  announced: Announced,
  policy: Policy,
): Promise<PolicyView> {
  const generation = policy.metadata.generation;
  const conditions = conditionViews(policy.status?.conditions, generation);
  const objects = await Promise.all(
    (policy.status?.adapterPolicies ?? []).map((entry) =>
      engineObject(reader, adapters, announced, policy, entry),
    ),
  );
  // Every adapter that left a trace: a condition, an enforcement entry or an object; registry order first.
  const names = new Set<string>();
  for (const a of adapters.names()) names.add(a);
  const traced = new Set<string>([
    ...conditions.flatMap((c) => ADAPTER_CONDITION.exec(c.type)?.[1] ?? []),
    ...(policy.status?.enforcement ?? []).flatMap((e) => e.adapters ?? []),
    ...objects.map((o) => o.adapter),
  ]);
  const ordered = [...names, ...[...traced].sort()].filter(
    (n, i, all) => traced.has(n) && all.indexOf(n) === i,
  );
  const adapterViews: AdapterView[] = ordered.map((name) => {
    const condition = conditions.find((c) => c.type === adapterConditionType(name));
    const mine = objects.filter((o) => o.adapter === name).map((o) => o.view);
    const problems = [
      ...(condition || mine.length > 0
        ? conditionProblems(
            condition,
            adapterConditionType(name),
            'the adapter has not reported on this policy',
          )
        : []),
      ...mine.flatMap((o) => objectProblem(o) ?? []),
    ];
    return { name, ...(condition ? { condition } : {}), objects: mine, problems };
  });
  const enforced = conditions.find((c) => c.type === ENFORCED);
  return {
    kind: policy.kind,
    ...(policy.metadata.namespace ? { namespace: policy.metadata.namespace } : {}),
    name: policy.metadata.name ?? '',
    found: true,
    conditions: conditions.filter((c) => !ADAPTER_CONDITION.test(c.type)),
    rules: policy.spec.rules.map((r) => ({
      id: r.id,
      adapters: policy.status?.enforcement?.find((e) => e.ruleId === r.id)?.adapters ?? [],
    })),
    adapters: adapterViews,
    problems: conditionProblems(enforced, ENFORCED, 'the core operator has not checked which adapters run'),
  };
}

function missingPolicy(kind: PolicyView['kind'], name: string, namespace?: string): PolicyView {
  const where = `${namespace ? `${namespace}/` : ''}${name}`;
  return {
    kind,
    ...(namespace ? { namespace } : {}),
    name,
    found: false,
    conditions: [],
    rules: [],
    adapters: [],
    problems: [`${kind} ${where} is named in the binding status but does not exist`],
  };
}

function intentViews(
  binding: Binding,
  intents: ReadonlyMap<string, SecurityIntent>,
  announced: Announced,
): IntentView[] {
  return binding.spec.intents.map(({ name }) => {
    const si = intents.get(name);
    if (!si)
      return {
        name,
        found: false,
        problems: [`SecurityIntent ${name} does not exist; the binding skips it`],
      };
    const supported = si.status?.conditions?.find((c) => c.type === ConditionType.IntentSupported);
    // A running adapter that announces the ID enforces it, even before the operator's condition catches up.
    const announcedBy = [...announced.values()].some((a) => a.intents.has(si.spec.intent.id));
    return {
      name,
      found: true,
      id: si.spec.intent.id,
      action: si.spec.intent.action,
      problems: supported?.status === 'False' && !announcedBy ? [supported.message] : [],
    };
  });
}

function bindingProblems(binding: Binding): { conditions: BindingView['conditions']; problems: string[] } {
  const conditions = conditionViews(binding.status?.conditions, binding.metadata.generation);
  const ready = conditions.find((c) => c.type === ConditionType.Ready);
  return {
    conditions,
    problems: conditionProblems(
      ready,
      ConditionType.Ready,
      'the core operator has not processed the binding',
    ),
  };
}

// The verdict goes right after the name, so it is the first thing a reader of the JSON or YAML sees.
function bindingView(view: Omit<BindingView, 'healthy'>): BindingView {
  const { kind, namespace, name, ...rest } = view;
  return { kind, ...(namespace ? { namespace } : {}), name, healthy: bindingHealthy(view), ...rest };
}

/** Which objects `nimbus status` looks at. */
export interface StatusScope {
  /** One namespace; undefined for all. */
  readonly namespace?: string;
  /** The clock that decides which adapter Leases are live (ms since the epoch); default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Reads the bindings in scope and everything that follows from each: the intents it names, its
 * (Cluster)NimbusPolicies with their conditions, and each engine object listed in their status, looked up to
 * show that it exists and is controlled by its policy.
 *
 * A ClusterSecurityIntentBinding is in a namespace's scope when it has (or should have) a NimbusPolicy there;
 * only the NimbusPolicies of the scope are shown, with its ClusterNimbusPolicy.
 *
 * Engine objects of kinds none of `adapters` writes are looked up through the kinds running adapters announce
 * on their Leases, and an intent ID a running adapter announces is not reported as unsupported.
 */
export async function collectStatus(
  reader: ClusterReader,
  adapters: AdapterRegistry,
  scope: StatusScope,
): Promise<StatusReport> {
  const ns = scope.namespace;
  const [sibs, csibs, intents, policies, clusterPolicies, announced] = await Promise.all([
    reader.list<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, ns),
    reader.list<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding),
    reader.list<SecurityIntent>(RESOURCES.SecurityIntent),
    reader.list<NimbusPolicy>(RESOURCES.NimbusPolicy, ns),
    reader.list<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy),
    readAnnouncements(reader, (scope.now ?? Date.now)()),
  ]);
  const intentsByName = new Map(intents.map((si) => [si.metadata.name ?? '', si]));
  const owned = <P extends Policy>(list: readonly P[], binding: Binding) =>
    list.filter((p) => isControlledBy(p.metadata.ownerReferences, binding)).sort(byName);

  const bindings: BindingView[] = [];
  for (const sib of [...sibs].sort(byName)) {
    const views = await Promise.all(
      owned(policies, sib).map((p) => policyView(reader, adapters, announced, p)),
    );
    const expected = sib.status?.nimbusPolicy;
    if (expected && !views.some((v) => v.name === expected)) {
      views.push(missingPolicy('NimbusPolicy', expected, sib.metadata.namespace));
    }
    bindings.push(
      bindingView({
        kind: 'SecurityIntentBinding',
        namespace: sib.metadata.namespace,
        name: sib.metadata.name ?? '',
        ...bindingProblems(sib),
        intents: intentViews(sib, intentsByName, announced),
        policies: views,
      }),
    );
  }
  for (const csib of [...csibs].sort(byName)) {
    const fanOut = owned(policies, csib);
    const expectedNamespaces = (csib.status?.nimbusPolicyNamespaces ?? []).filter(
      (n) => ns === undefined || n === ns,
    );
    if (ns !== undefined && fanOut.length === 0 && expectedNamespaces.length === 0) continue;
    const views: PolicyView[] = [];
    for (const cluster of owned(clusterPolicies, csib))
      views.push(await policyView(reader, adapters, announced, cluster));
    const expectedCluster = csib.status?.clusterNimbusPolicy;
    if (expectedCluster && !views.some((v) => v.kind === 'ClusterNimbusPolicy')) {
      views.push(missingPolicy('ClusterNimbusPolicy', expectedCluster));
    }
    for (const policy of fanOut) views.push(await policyView(reader, adapters, announced, policy));
    for (const namespace of expectedNamespaces) {
      if (!fanOut.some((p) => p.metadata.namespace === namespace)) {
        views.push(missingPolicy('NimbusPolicy', fanOutPolicyName(csib.metadata.name ?? ''), namespace));
      }
    }
    bindings.push(
      bindingView({
        kind: 'ClusterSecurityIntentBinding',
        name: csib.metadata.name ?? '',
        ...bindingProblems(csib),
        intents: intentViews(csib, intentsByName, announced),
        policies: views,
      }),
    );
  }
  return { ...(ns ? { namespace: ns } : {}), bindings, healthy: bindings.every((b) => b.healthy) };
}
