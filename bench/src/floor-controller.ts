// The floor of the convergence benchmark: a bare client that makes exactly the writes the workload needs, and
// nothing else, run as its own process in place of the core operator or the KubeArmor adapter.
//
//   node bench/src/floor-controller.ts --role=operator --kubeconfig=PATH --concurrency=16
//   node bench/src/floor-controller.ts --role=adapter  --kubeconfig=PATH --concurrency=16
//
// As the operator, for each SecurityIntentBinding it sees: one NimbusPolicy create, one NimbusPolicy status
// patch, one binding status patch. As the adapter, for each NimbusPolicy it sees: one create per KubeArmorPolicy,
// then one NimbusPolicy status patch recording them. The objects and statuses are those nimbus-ts writes (built
// with its own pure builders), so requests weigh the same; what the floor leaves out is everything a controller
// adds to them: no reads before writing, no resourceVersion preconditions (so no 409s), no Events, no Leases, no
// retries, no resync. It discovers work the way a controller must, by watching, and works on `--concurrency`
// objects at once, as the controllers do. Logs one JSON object per line, as the components do.
import { parseArgs } from 'node:util';
import {
  type AdapterDeclaration,
  desiredState,
  mergeAdapterReport,
  statusEntry,
} from '@nimbus-ts/adapter-sdk';
import {
  adapterConditionType,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { loadClusterConnection, ObjectClient, Reflector, refOf, setConditions } from '@nimbus-ts/k8s';
import { workQueue } from './work-queue.ts';

type CoreOperator = typeof import('@nimbus-ts/core-operator');

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    kubeconfig: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
  },
});
const log = (message: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ level: 'info', message, ...fields })}\n`);
const fail = (error: unknown) => {
  process.stderr.write(`floor-controller: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
};

// nimbus-ts's own connection, as the components use: client-node's would weigh ~90 MB more in the floor's RSS.
const kc = loadClusterConnection({ kubeconfig: values.kubeconfig ?? fail('--kubeconfig is required') });
const client = new ObjectClient(kc, 'bench-floor');
const concurrency = Number(values.concurrency);
const now = () => new Date();

/** The operator's writes for one binding: its NimbusPolicy, that policy's status, the binding's status. */
async function buildPolicy(
  operator: CoreOperator,
  sib: SecurityIntentBinding,
  intents: ReadonlyMap<string, SecurityIntent>,
) {
  const { buildNimbusPolicy, ConditionType, resolveRules, STATUS_CREATED } = operator;
  const ref = refOf(sib);
  const { namespace, name } = ref;
  const resolved = resolveRules(sib.spec.intents, (n) => intents.get(n));
  const created = await client.create<NimbusPolicy>(
    RESOURCES.NimbusPolicy,
    buildNimbusPolicy(sib, resolved.rules),
  );
  const at = now().toISOString();
  await client.patchStatus(RESOURCES.NimbusPolicy, ref, {
    status: {
      status: STATUS_CREATED,
      numberOfAdapterPolicies: 0,
      lastUpdated: at,
      conditions: setConditions(
        undefined,
        [
          {
            type: 'Built',
            status: 'True',
            reason: 'BuiltFromBinding',
            message: `built by the core operator from SecurityIntentBinding ${namespace}/${name}`,
            observedGeneration: created.metadata?.generation,
          },
        ],
        now,
      ),
    },
  });
  const generation = sib.metadata.generation;
  await client.patchStatus(RESOURCES.SecurityIntentBinding, ref, {
    status: {
      status: STATUS_CREATED,
      numberOfBoundIntents: resolved.bound.length,
      boundIntents: resolved.bound,
      nimbusPolicy: name,
      lastUpdated: at,
      conditions: setConditions(
        undefined,
        [
          {
            type: ConditionType.IntentsResolved,
            status: 'True',
            reason: 'AllIntentsFound',
            message: 'every SecurityIntent named in spec.intents exists',
            observedGeneration: generation,
          },
          {
            type: ConditionType.Ready,
            status: 'True',
            reason: 'NimbusPolicyUpToDate',
            message: `NimbusPolicy ${namespace}/${name} has ${resolved.rules.length} rule(s)`,
            observedGeneration: generation,
          },
        ],
        now,
      ),
    },
  });
}

/** The KubeArmor adapter's writes for one policy: each engine object, then its record on the policy. */
async function buildEnginePolicies(kubearmorAdapter: AdapterDeclaration, np: NimbusPolicy) {
  const state = desiredState(kubearmorAdapter, np);
  const entries: string[] = [];
  for (const child of state.children) {
    await client.create(child.resource, child.object);
    entries.push(statusEntry(child.resource.kind, refOf(child.object).name));
  }
  const conditionType = adapterConditionType(kubearmorAdapter.name);
  const status = mergeAdapterReport(
    np.status,
    {
      adapter: kubearmorAdapter.name,
      entries,
      enforced: state.rules.map((r) => r.rule.id),
      conditionType,
      condition: {
        type: conditionType,
        status: 'True',
        reason: 'Applied',
        message: `${entries.length} engine policies enforce ${state.rules.map((r) => r.rule.id).join(', ')}`,
        observedGeneration: np.metadata.generation,
      },
    },
    now,
  );
  await client.patchStatus(RESOURCES.NimbusPolicy, refOf(np), { status });
}

/** Watches `resource` and hands each object it has not seen before to `work`, `concurrency` at a time. */
async function onEachNew<T extends { metadata: { uid?: string } }>(
  resource: (typeof RESOURCES)[keyof typeof RESOURCES],
  work: (object: T) => Promise<void>,
): Promise<void> {
  const seen = new Set<string>();
  const queue = workQueue<T>(concurrency, work, fail);
  const reflector = new Reflector<T>(kc, { ...resource });
  reflector.onChange((object, change) => {
    const uid = object.metadata.uid ?? '';
    if (change === 'deleted' || seen.has(uid)) return;
    seen.add(uid);
    queue.push(object);
  });
  reflector.start();
  await reflector.store.waitUntilReady();
}

if (values.role === 'operator') {
  // Each role loads only the package of the component it stands in for, so its RSS compares with that one's.
  const operator = await import('@nimbus-ts/core-operator');
  const intents = new Map(
    (await client.list<SecurityIntent>(RESOURCES.SecurityIntent)).map((si) => [si.metadata.name ?? '', si]),
  );
  await onEachNew<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, (sib) =>
    buildPolicy(operator, sib, intents),
  );
} else if (values.role === 'adapter') {
  const { kubearmorAdapter } = await import('@nimbus-ts/adapter-kubearmor');
  await onEachNew<NimbusPolicy>(RESOURCES.NimbusPolicy, (np) => buildEnginePolicies(kubearmorAdapter, np));
} else {
  fail(`--role must be operator or adapter, not ${values.role}`);
}
log('controllers started', { role: values.role, concurrency });
process.on('SIGTERM', () => process.exit(0));
