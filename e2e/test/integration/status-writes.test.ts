import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { kubearmorCrdDirectory } from '@nimbus-ts/adapter-kubearmor';
import {
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { createOperator, type Operator } from '@nimbus-ts/core-operator';
import { createLogger, ObjectClient } from '@nimbus-ts/k8s';
import {
  type ApiProxy,
  type ComponentProcess,
  importCertificateAuthority,
  kubeConfigFrom,
  type ProxiedRequest,
  pollUntil,
  pollUntilSteady,
  startApiProxy,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Issue 18: the core operator and an adapter share every NimbusPolicy's status. Both talk to the real API server
// through a proxy that sees every answer, so the test counts what they sent and what was refused in its own
// namespace (the shared control plane's /metrics would mix in every other test's requests).

const API = 'intent.security.nimbus.com/v1alpha1';
const KUBEARMOR_MAIN = fileURLToPath(
  new URL('../../../packages/adapter-kubearmor/dist/main.js', import.meta.url),
);
const BINDINGS = 8;
const INTENTS: [key: string, id: string][] = [
  ['tools', 'swDeploymentTools'],
  ['dns', 'dnsManipulation'],
  ['tmp', 'preventExecutionFromTempOrLogsFolders'],
];
const WRITES = new Set(['POST', 'PUT', 'PATCH']);

describe('the core operator and the KubeArmor adapter writing the same statuses', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const suffix = Math.random().toString(36).slice(2, 7);
  const answers: (ProxiedRequest & { status: number })[] = [];
  let ns: TestNamespace;
  let proxy: ApiProxy;
  let operator: Operator;
  let kubearmor: ComponentProcess | undefined;

  /** The writes answered since `from`, in the test namespace, that match `path`. */
  const writes = (from: number, path: RegExp) =>
    answers
      .slice(from)
      .filter((a) => WRITES.has(a.method) && a.path.includes(`/namespaces/${ns.name}/`) && path.test(a.path));
  const policy = (name: string) =>
    client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name });
  const bind = (name: string) =>
    client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name, namespace: ns.name },
      spec: {
        intents: INTENTS.map(([key]) => ({ name: `${key}-${suffix}` })),
        selector: { workloadSelector: { matchLabels: { app: name } } },
      },
    });
  /** Converged: the operator's part and the adapter's part of the policy's status are both there. */
  const converged = (np: NimbusPolicy | undefined) =>
    np?.status?.status === 'Created' &&
    np.status.numberOfAdapterPolicies === INTENTS.length &&
    np.status.conditions?.find((c) => c.type === 'Enforced')?.status === 'True' &&
    np.status.conditions.some((c) => c.type === 'nimbus-kubearmor/Ready' && c.status === 'True');

  beforeAll(async () => {
    await env.installCRDs([crdDirectory(), kubearmorCrdDirectory()]);
    ns = await env.namespace('status-writes');
    proxy = await startApiProxy({
      upstream: env.kubeConfig,
      ca: await importCertificateAuthority(env.ca),
      dir: env.dir,
      onResponse: (request, status) => answers.push({ ...request, status }),
    });
    for (const [key, id] of INTENTS) {
      await client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
        apiVersion: API,
        kind: 'SecurityIntent',
        metadata: { name: `${key}-${suffix}` },
        spec: { intent: { id, action: 'Block' } },
      } as SecurityIntent);
    }
    const throughProxy = kubeConfigFrom(await readFile(proxy.kubeconfigPath, 'utf8'));
    operator = createOperator(throughProxy, { logger: createLogger('core-operator', { level: 'warn' }) });
    await operator.start();
    kubearmor = startComponentProcess(KUBEARMOR_MAIN, [
      `--kubeconfig=${proxy.kubeconfigPath}`,
      `--lease-namespace=${ns.name}`,
      `--identity=test-${suffix}`,
      '--metrics-port=0',
      '--probe-port=0',
    ]);
    await pollUntil('the adapter to start', 60_000, () =>
      kubearmor?.logs.some((l) => l.message === 'controllers started'),
    );
    // A first binding converged: the operator has seen the adapter's announcement, so the measured ones start from
    // a running system, as in the convergence benchmark.
    await bind('warm-up');
    await pollUntil('the warm-up binding to converge', 60_000, () => policy('warm-up'), { until: converged });
  });
  afterAll(async () => {
    await kubearmor?.stop('SIGKILL');
    await operator?.stop();
    await proxy?.close();
    await ns?.delete({ wait: true });
    for (const [key] of INTENTS) await client.delete(RESOURCES.SecurityIntent, { name: `${key}-${suffix}` });
  });

  it(`converges ${BINDINGS} bindings without a 409, one status write per writer and policy, one Event each`, async () => {
    const from = answers.length;
    const names = Array.from({ length: BINDINGS }, (_, i) => `web-${i}`);
    await Promise.all(names.map(bind));
    for (const name of names) {
      await pollUntil(`binding ${name} to converge`, 90_000, () => policy(name), { until: converged });
    }
    // Late writes count too: wait until the proxy has seen no new write for a while.
    await pollUntilSteady('the writes to stop', 60_000, async () => ({
      writes: writes(from, /\/(nimbuspolicies|securityintentbindings|kubearmorpolicies|events)/).length,
      reconciles: operator.reconciles.success,
    }));

    const refused = answers.slice(from).filter((a) => WRITES.has(a.method) && a.status === 409);
    expect(refused.map((a) => `${a.method} ${a.path}`)).toEqual([]);
    const measured = new RegExp(`/(${names.join('|')})(/status)?(\\?|$)`);
    const policyStatus = writes(from, /\/nimbuspolicies\/[^/]+\/status/).filter((a) => measured.test(a.path));
    // One write by the operator (Created, Built, Enforced) and one by the adapter (its report) per policy.
    const tally: Record<string, number> = {};
    for (const { path } of policyStatus) {
      const writer = `${/nimbuspolicies\/([^/]+)\//.exec(path)?.[1]} ${new URL(path, 'https://x').searchParams.get('fieldManager')}`;
      tally[writer] = (tally[writer] ?? 0) + 1;
    }
    expect(tally).toEqual(
      Object.fromEntries(
        names.flatMap((n) => [`${n} nimbus-core-operator`, `${n} nimbus-kubearmor`].map((w) => [w, 1])),
      ),
    );
    // The operator's writes per binding: the policy, its status and the binding's status.
    const operatorWrites = [
      ...writes(from, /\/nimbuspolicies(\?|$)/),
      ...writes(from, /\/securityintentbindings\/[^/]+\/status/).filter((a) => measured.test(a.path)),
    ];
    expect(operatorWrites.length + policyStatus.length / 2).toBeLessThanOrEqual(3 * BINDINGS);
    // One engine object write each, and Events for transitions: the operator's PolicyCreated and the adapter's sync.
    expect(writes(from, /\/kubearmorpolicies/)).toHaveLength(INTENTS.length * BINDINGS);
    expect(writes(from, /\/events/).length).toBeLessThanOrEqual(2 * BINDINGS);
  });
});
