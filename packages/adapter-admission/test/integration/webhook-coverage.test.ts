import { fileURLToPath } from 'node:url';
import type { V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import { crdDirectory as nimbusCrds } from '@nimbus-ts/api';
import { ObjectClient, PODS, VALIDATING_WEBHOOK_CONFIGURATIONS } from '@nimbus-ts/k8s';
import {
  type ComponentProcess,
  freeLoopbackPorts,
  pollUntil,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import type { ImageAdmissionPolicy } from '@nimbus-ts/scan-api';
import { crdDirectory, IMAGE_ADMISSION_POLICIES } from '@nimbus-ts/scan-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Admission that fails safe without failing the cluster: the webhook, run as deployed (dist/main.js), keeps
// its ValidatingWebhookConfiguration's namespaceSelector equal to the namespaces an ImageAdmissionPolicy covers. Once
// it is down, failurePolicy Fail refuses pods where a policy applies, and nowhere else.

const WEBHOOK_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

type Configuration = V1ValidatingWebhookConfiguration;

describe('the webhook configuration follows the namespaces image policies cover', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'coverage-test');
  const configurationName = `nimbus-clair-coverage-${Math.random().toString(36).slice(2, 7)}`;
  let home: TestNamespace;
  let covered: TestNamespace;
  let uncovered: TestNamespace;
  let webhook: ComponentProcess | undefined;

  const policy = (namespace: string, name: string) =>
    admin.create<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES, {
      apiVersion: IMAGE_ADMISSION_POLICIES.apiVersion,
      kind: 'ImageAdmissionPolicy',
      metadata: { name, namespace },
      spec: { selector: {}, disallowLatestTag: { action: 'Block' } },
    } as ImageAdmissionPolicy);
  const pod = (namespace: string, name: string, image: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { containers: [{ name: 'app', image }] },
  });
  /** Creates a pod, resolving with the API server's refusal, or undefined when it was admitted. */
  const refusal = async (namespace: string, name: string, image: string) => {
    try {
      await admin.create(PODS, pod(namespace, name, image) as never);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
  /**
   * Of this test's namespaces, those each webhook of the configuration selects by name with In, sorted. The control
   * plane is shared: namespaces of earlier test files that still hold policies are selected too, and left out here.
   */
  const selected = async () => {
    const live = await admin.get<Configuration>(VALIDATING_WEBHOOK_CONFIGURATIONS, {
      name: configurationName,
    });
    const ours = new Set([covered.name, uncovered.name]);
    return live?.webhooks?.map((w) =>
      (
        w.namespaceSelector?.matchExpressions?.find(
          (e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'In',
        )?.values ?? []
      )
        .filter((n) => ours.has(n))
        .sort(),
    );
  };

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    home = await env.namespace('cov-home');
    covered = await env.namespace('cov-covered');
    uncovered = await env.namespace('cov-uncovered');
    await policy(covered.name, 'no-latest');
    const [port] = await freeLoopbackPorts(1);
    webhook = startComponentProcess(
      WEBHOOK_MAIN,
      [
        `--kubeconfig=${env.kubeconfigPath}`,
        '--leader-elect=false',
        '--metrics-port=0',
        '--probe-port=0',
        '--log-level=info',
      ],
      {
        env: {
          POD_NAMESPACE: home.name,
          WEBHOOK_PORT: String(port),
          WEBHOOK_URL: `https://127.0.0.1:${port}`,
          WEBHOOK_CONFIGURATION: configurationName,
          WEBHOOK_FAILURE_POLICY: 'Fail',
        },
      },
    );
    // The API server picks up a new configuration within a moment: wait until it calls the webhook.
    await pollUntil('the API server to call the webhook', 60_000, async () => {
      const message = await refusal(covered.name, `probe-${Date.now()}`, 'nginx:latest');
      return message?.includes('denied the request') === true;
    });
  }, 120_000);
  afterAll(async () => {
    await webhook?.stop('SIGKILL');
    await admin.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: configurationName });
    for (const ns of [covered, uncovered, home]) await ns?.delete();
  });

  it('selects exactly the covered namespaces, following policies as they come and go, and marks them Ready', async () => {
    expect(await selected()).toEqual([[covered.name], [covered.name]]);
    await pollUntil('the policy to be Ready', 30_000, async () => {
      const live = await admin.get<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES, {
        namespace: covered.name,
        name: 'no-latest',
      });
      return live?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    });

    await policy(uncovered.name, 'for-a-while');
    const both = [covered.name, uncovered.name].sort();
    await pollUntil('the new namespace to be selected', 30_000, async () =>
      (await selected())?.every((values) => JSON.stringify(values) === JSON.stringify(both)),
    );
    await admin.delete(IMAGE_ADMISSION_POLICIES, { namespace: uncovered.name, name: 'for-a-while' });
    await pollUntil('the namespace to be dropped', 30_000, async () =>
      (await selected())?.every((values) => JSON.stringify(values) === JSON.stringify([covered.name])),
    );
  });

  it('once the webhook is down, refuses pods (failurePolicy Fail) only where a policy applies', async () => {
    expect(await webhook?.stop('SIGKILL')).toBeNull();
    // The API server has this configuration (the refusal above came through it) and nobody answers it now.
    const refused = await refusal(covered.name, 'pinned', 'nginx:1.27.3');
    expect(refused).toMatch(/failed calling webhook "pods\.images\.scanning\.nimbus-ts\.io"/);
    // No policy here: the configuration does not send this namespace, so nothing waits on the dead webhook.
    expect(await refusal(uncovered.name, 'anything', 'nginx:latest')).toBeUndefined();
  });
});
