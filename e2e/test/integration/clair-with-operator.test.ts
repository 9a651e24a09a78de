import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type NimbusPolicy,
  crdDirectory as nimbusCrds,
  RESOURCES,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { createOperator, type Operator } from '@nimbus-ts/core-operator';
import { createLogger, ObjectClient, PODS, SECRETS } from '@nimbus-ts/k8s';
import {
  type ComponentProcess,
  freeLoopbackPorts,
  pollUntil,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import type { ImageScanPolicy, VulnerabilityReport } from '@nimbus-ts/scan-api';
import { crdDirectory, IMAGE_SCAN_POLICIES, VULNERABILITY_REPORTS } from '@nimbus-ts/scan-api';
import {
  generatePskKey,
  importVulnerabilityFile,
  mintClairToken,
  type PushedImage,
  pushTestImage,
  runningPodStatus,
  type ScanStack,
  startScanStack,
} from '@nimbus-ts/scan-testenv';
import { BOOKWORM_OS_RELEASE, BOOKWORM_PACKAGES, OP1_FILE } from '@nimbus-ts/scan-testenv/bookworm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The product path for scanning, on the real control plane with real Clair: a SecurityIntent and a binding, the
// core operator (in this process) making the NimbusPolicy, and `nimbus-clair` as the process it is deployed as
// (dist/main.js, configured by its environment) building the ImageScanPolicy, scanning, reporting and notifying.

const API = 'intent.security.nimbus.com/v1alpha1';
const CLAIR_MAIN = fileURLToPath(import.meta.resolve('@nimbus-ts/adapter-clair/package.json')).replace(
  /package\.json$/,
  'dist/main.js',
);
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('the core operator with nimbus-clair', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const suffix = Math.random().toString(36).slice(2, 7);
  const PSK = generatePskKey();
  let ns: TestNamespace;
  let stack: ScanStack;
  let operator: Operator;
  let adapter: ComponentProcess | undefined;
  let image: PushedImage;
  let notifierPort: number;
  const slack: { received: string[]; server?: Server; url?: string } = { received: [] };

  const policy = () => client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name: 'web' });

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    ns = await env.namespace('clair-operator');
    [notifierPort = 0] = await freeLoopbackPorts(1);
    // A Clair of its own, not the run's shared one (sharedScanStack): its notifier posts to this test's adapter,
    // and notifies about every manifest the Clair indexed, which on a shared one would be other files'.
    stack = await startScanStack({
      pskKey: PSK,
      notifierWebhook: `http://127.0.0.1:${notifierPort}/clair/notifications`,
    });
    await importVulnerabilityFile(stack, OP1_FILE);
    image = await pushTestImage(stack.registry, {
      repository: 'shop/web',
      tag: '1.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
    });
    slack.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        slack.received.push(body);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => slack.server?.listen(0, '127.0.0.1', resolve));
    const address = slack.server.address();
    slack.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/T/B/x`;

    operator = createOperator(env.kubeConfig, { logger: createLogger('core-operator', { level: 'warn' }) });
    await operator.start();
    // The PSK as a mounted Secret would hold it.
    const keyFile = join(stack.clair.dir, 'nimbus-clair-psk');
    await writeFile(keyFile, `${PSK}\n`, { mode: 0o600 });
    adapter = startComponentProcess(
      CLAIR_MAIN,
      [
        `--kubeconfig=${env.kubeconfigPath}`,
        `--lease-namespace=${ns.name}`,
        `--identity=test-${suffix}`,
        '--metrics-port=0',
        '--probe-port=0',
        '--log-level=info',
      ],
      {
        env: {
          CLAIR_URL: stack.clair.url,
          CLAIR_PSK_KEY_FILE: keyFile,
          CLAIR_PSK_ISSUER: stack.clair.issuer,
          CLAIR_NOTIFIER_PORT: String(notifierPort),
        },
      },
    );
    const started = adapter;
    await pollUntil('nimbus-clair to start', 60_000, () =>
      started.logs.some((l) => l.message === 'controllers started'),
    );
  }, 15 * 60_000);
  afterAll(async () => {
    await adapter?.stop('SIGKILL');
    await operator?.stop();
    await new Promise<void>((resolve) => (slack.server ? slack.server.close(() => resolve()) : resolve()));
    await ns?.delete({ wait: true });
    await client.delete(RESOURCES.SecurityIntent, { name: `scan-${suffix}` });
    await stack?.stop();
  });

  it('turns a vulnerabilityScanning intent into an ImageScanPolicy, reports, a Slack message and NimbusPolicy status', async () => {
    await client.create(SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'slack', namespace: ns.name },
      type: 'Opaque',
      data: { url: b64(slack.url ?? '') },
    });
    await client.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-0', namespace: ns.name, labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: image.reference }] },
    });
    await client.patchStatus(
      PODS,
      { namespace: ns.name, name: 'web-0' },
      { status: runningPodStatus([{ name: 'app', image: image.reference, imageID: image.digestReference }]) },
    );
    // Exactly what a user writes: upstream's shape, our intent ID and parameters.
    await client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name: `scan-${suffix}` },
      spec: {
        intent: {
          id: 'vulnerabilityScanning',
          action: 'Audit',
          params: { severityThreshold: ['High'], slackWebhookSecret: ['slack/url'] },
        },
      },
    } as SecurityIntent);
    await client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name: 'web', namespace: ns.name },
      spec: {
        intents: [{ name: `scan-${suffix}` }],
        selector: { workloadSelector: { matchLabels: { app: 'web' } } },
      },
    });

    await pollUntil('the ImageScanPolicy, scanned', 90_000, async () => {
      const isp = await client.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, {
        namespace: ns.name,
        name: 'web-vulnerabilityscanning',
      });
      return isp?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
    });
    const np = await policy();
    const isp = await client.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, {
      namespace: ns.name,
      name: 'web-vulnerabilityscanning',
    });
    expect(isp).toMatchObject({
      metadata: {
        ownerReferences: [{ kind: 'NimbusPolicy', name: 'web', uid: np?.metadata.uid, controller: true }],
      },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        severityThreshold: 'High',
        action: 'Audit',
        notify: { slack: { webhookSecretRef: { name: 'slack', key: 'url' } } },
      },
      status: { images: 1, summary: { critical: 2, high: 1, medium: 1 } },
    });
    const reports = await client.list<VulnerabilityReport>(VULNERABILITY_REPORTS, ns.name);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.image.digest).toBe(image.digest);
    await pollUntil('the Slack message', 30_000, () => slack.received.length === 1);
    expect(slack.received[0]).toContain('CVE-2099-1001');

    // The NimbusPolicy says who enforces what: the Clair adapter's entry, and the rule as enforced.
    await pollUntil('the NimbusPolicy status', 30_000, async () => {
      const status = (await policy())?.status;
      return (
        status?.numberOfAdapterPolicies === 1 &&
        status.conditions?.some((c) => c.type === 'Enforced' && c.status === 'True') === true
      );
    });
    expect((await policy())?.status?.adapterPolicies).toEqual(['ImageScanPolicy/web-vulnerabilityscanning']);
  });

  it('listens for Clair’s notifier on CLAIR_NOTIFIER_PORT and refuses unsigned deliveries', async () => {
    expect(adapter?.logs.some((l) => l.message === 'listening for clair notifications')).toBe(true);
    const url = `http://127.0.0.1:${notifierPort}/clair/notifications`;
    const post = (token: string) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          notification_id: '0b4f8a34-9f5e-4d7c-8a4b-2b1f6f0c9d11',
          callback: `${stack.clair.url}/notifier/api/v1/notification/0b4f8a34-9f5e-4d7c-8a4b-2b1f6f0c9d11`,
        }),
      });
    const forged = await post(mintClairToken(generatePskKey(), 'clair-notifier'));
    await forged.body?.cancel();
    expect(forged.status).toBe(401);
    // Signed with Clair's key: accepted (the set does not exist, which the adapter logs, but the delivery is fine).
    const signed = await post(mintClairToken(PSK, 'clair-notifier'));
    await signed.body?.cancel();
    expect(signed.status).toBe(200);
  });
});
