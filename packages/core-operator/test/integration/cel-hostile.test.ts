import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import {
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { ObjectClient } from '@nimbus-ts/k8s';
import {
  type ComponentProcess,
  pollUntil,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const API = 'intent.security.nimbus.com/v1alpha1';

// Issue 15: a tenant who may create a binding and a pod in their own namespace froze the operator with
// spec.cel. The operator runs as its own process here, as in a cluster, so that a frozen operator cannot freeze
// the test's own waits: the bounded wait for the other tenant's binding is what shows the stall.
describe('hostile spec.cel from one tenant', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const id = Math.random().toString(36).slice(2, 7);
  const intentName = `cel-hostile-${id}`;
  let hostile: TestNamespace;
  let other: TestNamespace;
  let operator: ComponentProcess | undefined;

  const pod = (namespace: string, name: string, labels: Record<string, string>) =>
    env.kubeConfig.makeApiClient(CoreV1Api).createNamespacedPod({
      namespace,
      body: { metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } },
    });
  const binding = (namespace: string, name: string, cel: string[]) =>
    client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name, namespace },
      spec: { intents: [{ name: intentName }], selector: {}, cel },
    });
  const selectorCondition = async (namespace: string, name: string) =>
    (
      await client.get<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, { namespace, name })
    )?.status?.conditions?.find((c) => c.type === 'SelectorResolved');

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    hostile = await env.namespace('cel-hostile');
    other = await env.namespace('cel-other');
    await client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name: intentName },
      spec: { intent: { id: 'swDeploymentTools', action: 'Block' } },
    });
  });
  afterAll(async () => {
    operator?.child.kill('SIGKILL');
    await hostile?.delete({ wait: true });
    await other?.delete({ wait: true });
    await client.delete(RESOURCES.SecurityIntent, { name: intentName });
  });

  it('lets another namespace converge while the hostile bindings get conditions that say why', async () => {
    // The longest label value Kubernetes allows; a backtracking `(a+)+$` over it would run for ages.
    await pod(hostile.name, 'victim', { app: 'x', long: `${'a'.repeat(62)}b` });
    // Forty labels: comprehensions nested five deep over them are 40^5 = 10^8 iterations.
    await pod(
      hostile.name,
      'tagged',
      Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])),
    );
    await pod(other.name, 'web', { app: 'web' });

    operator = startComponentProcess(MAIN, [
      `--kubeconfig=${env.kubeconfigPath}`,
      `--lease-namespace=${other.name}`,
      `--lease-name=core-operator-${id}`,
      `--identity=cel-${id}`,
      '--metrics-port=0',
      '--probe-port=0',
      '--log-level=warn',
    ]);
    // Hostile first, so the operator meets them before the ordinary binding.
    const redos = 'labels.long.matches("(a+)+$")';
    let nested = 'k5 != ""';
    for (const v of ['k5', 'k4', 'k3', 'k2', 'k1']) nested = `labels.all(${v}, ${nested})`;
    await binding(hostile.name, 'redos', [redos]);
    await binding(hostile.name, 'nested', [nested]);
    await binding(other.name, 'web', ['labels.app == "web"']);

    const np = await pollUntil(
      'the other namespace’s NimbusPolicy while hostile bindings are being reconciled',
      20_000,
      () => client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: other.name, name: 'web' }),
    );
    expect(np?.spec.selector).toEqual({ matchLabels: { app: 'web' } });

    // RE2 answers `(a+)+$` at once: the pattern simply does not match, so no pod is selected.
    const redosCondition = await pollUntil('the ReDoS binding’s condition', 20_000, () =>
      selectorCondition(hostile.name, 'redos'),
    );
    expect(redosCondition).toMatchObject({ status: 'False', reason: 'CELMatchedNoPods' });
    const budget = await pollUntil('the nested binding’s condition', 20_000, () =>
      selectorCondition(hostile.name, 'nested'),
    );
    expect(budget).toMatchObject({ status: 'False', reason: 'CELBudgetExceeded' });
    expect(budget?.message).toContain('spec.cel[0]');
    expect(budget?.message).toContain('pod tagged');
    expect(budget?.message).toMatch(/nested/);
    // Neither hostile binding got a policy: a selector that could not be resolved writes none.
    for (const name of ['redos', 'nested']) {
      expect(await client.get(RESOURCES.NimbusPolicy, { namespace: hostile.name, name })).toBeUndefined();
    }
  });
});
