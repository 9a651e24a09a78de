import { createServer, type Server } from 'node:http';
import { createLogger, crdDirectory as nimbusCrds, ObjectClient, PODS, SECRETS } from '@nimbus-ts/k8s';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_SCAN_POLICIES, VULNERABILITY_REPORTS } from '../../src/api/constants.js';
import { crdDirectory } from '../../src/api/crds.js';
import type { ImageScanPolicy, VulnerabilityReport } from '../../src/api/generated.js';
import { ClairClient } from '../../src/clair/clair-client.js';
import { ImageScanner } from '../../src/scanner/image-scanner.js';
import {
  createNotificationReceiver,
  type NotificationReceiver,
} from '../../src/scanner/notification-receiver.js';
import { IGNORE_UNFIXED_ANNOTATION } from '../../src/scanner/plan.js';
import { createScanController, type ScanController } from '../../src/scanner/scan-controller.js';
import {
  generatePskKey,
  importVulnerabilityFile,
  mintClairToken,
  type PushedImage,
  pushTestImage,
  runningPodStatus,
  type ScanStack,
  startScanStack,
} from '../../src/testing/index.js';
import { BOOKWORM_OS_RELEASE, BOOKWORM_PACKAGES, OP1_FILE, OP2_FILE } from '../fixtures/bookworm.js';

// The scanner through the failures users meet, on the real control plane with real Clair, PostgreSQL and
// registry: Clair going away and coming back, the adapter restarting, Clair's notifier announcing new advisories,
// and the scanner's scoping (excluded namespaces, the ignore-unfixed pod annotation).

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A local Slack incoming webhook that records every message. */
async function startSlack(): Promise<{ url: string; received: string[]; server: Server }> {
  const received: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push(body);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/hooks/T0/B0/x`, received, server };
}

describe('the scanner through outages, restarts and Clair notifications', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'scanner-resilience-test');
  const logger = createLogger('nimbus-clair', { level: 'warn' });
  const PSK = generatePskKey();
  let stack: ScanStack;
  let ns: TestNamespace;
  let excluded: TestNamespace;
  let slack: Awaited<ReturnType<typeof startSlack>>;
  let receiver: NotificationReceiver;
  let clair: ClairClient | undefined;
  // The controller Clair's notifications refresh: replaced when the adapter "restarts".
  let controller: ScanController | undefined;
  const images: PushedImage[] = [];
  let failed = false;

  const newController = () =>
    createScanController(env.kubeConfig, {
      logger,
      scanner: new ImageScanner({ clair: clair as ClairClient, logger }),
      // Short waits, so recovery after the outage is seen within the test; the doubling is unit-tested.
      retry: { initialMs: 500, maxMs: 2_000 },
      namespaces: { include: [], exclude: ['kube-*', excluded.name] },
    });

  const pod = async (
    namespace: string,
    name: string,
    image: PushedImage,
    labels: Record<string, string>,
    annotations?: Record<string, string>,
  ) => {
    await admin.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels, ...(annotations ? { annotations } : {}) },
      spec: { containers: [{ name: 'app', image: image.reference }] },
    });
    // What the kubelet reports once the container runs: the digest it pulled by.
    await admin.patchStatus(
      PODS,
      { namespace, name },
      { status: runningPodStatus([{ name: 'app', image: image.reference, imageID: image.digestReference }]) },
    );
  };
  const policy = (namespace: string, name: string, app: string, notify: boolean | string) =>
    admin.create<ImageScanPolicy>(IMAGE_SCAN_POLICIES, {
      apiVersion: IMAGE_SCAN_POLICIES.apiVersion as ImageScanPolicy['apiVersion'],
      kind: 'ImageScanPolicy',
      metadata: { name, namespace },
      spec: {
        selector: { matchLabels: { app } },
        severityThreshold: 'High',
        // Long: every rescan in these tests comes from a change, a retry or a Clair notification.
        rescanInterval: '6h',
        ignoreUnfixed: false,
        ...(notify
          ? {
              notify: {
                slack: {
                  webhookSecretRef: { name: typeof notify === 'string' ? notify : 'slack', key: 'url' },
                },
              },
            }
          : {}),
      },
    } as ImageScanPolicy);
  const ready = async (namespace: string, name: string) =>
    (await admin.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, { namespace, name }))?.status?.conditions?.find(
      (c) => c.type === 'Ready',
    );
  const reportOf = async (namespace: string, image: PushedImage) =>
    (await admin.list<VulnerabilityReport>(VULNERABILITY_REPORTS, namespace)).find(
      (r) => r.image.digest === image.digest,
    );
  const push = async (repository: string) => {
    const image = await pushTestImage(stack.registry, {
      repository,
      tag: '1.0',
      osRelease: BOOKWORM_OS_RELEASE,
      // A package of its own, so each image has its own layer and digest.
      dpkgPackages: [
        ...BOOKWORM_PACKAGES,
        { name: repository.replace('/', '-'), version: '1.0-1', arch: 'amd64' },
      ],
    });
    images.push(image);
    return image;
  };

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    ns = await env.namespace('resilience');
    excluded = await env.namespace('resilience-excluded');
    slack = await startSlack();
    // Clair's notifier must know where to post before it starts, and the receiver reads notifications from
    // Clair: the receiver starts first and reaches Clair through the client made once Clair is up.
    receiver = createNotificationReceiver({
      clair: {
        notificationPage: (id, options) => (clair as ClairClient).notificationPage(id, options),
        deleteNotification: (id) => (clair as ClairClient).deleteNotification(id),
      },
      pskKey: PSK,
      host: '127.0.0.1',
      logger,
      refresh: (digests) => controller?.refresh(digests) ?? 0,
    });
    await receiver.start();
    stack = await startScanStack({ notifierWebhook: receiver.url, pskKey: PSK });
    clair = new ClairClient({ url: stack.clair.url, auth: { key: PSK, issuer: stack.clair.issuer } });
    await importVulnerabilityFile(stack, OP1_FILE);
    await admin.create(SECRETS, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'slack', namespace: ns.name },
      type: 'Opaque',
      data: { url: b64(slack.url) },
    });
    controller = newController();
    await controller.start();
  }, 15 * 60_000);
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    await controller?.stop();
    await receiver?.stop();
    await new Promise<void>((resolve) => (slack ? slack.server.close(() => resolve()) : resolve()));
    await excluded?.delete();
    await ns?.delete();
    await stack?.stop({ keepDir: failed });
    if (failed && stack)
      process.stderr.write(`scan stack logs kept: ${Object.values(stack.logs).join(', ')}\n`);
  });

  it('keeps reports through a Clair outage, says so in Ready, and catches up by itself when Clair is back', async () => {
    const api = await push('shop/api');
    await pod(ns.name, 'api-0', api, { app: 'shop' });
    await policy(ns.name, 'shop-scan', 'shop', true);
    await pollUntil('the first scan and its Slack message', 60_000, async () => {
      return (await ready(ns.name, 'shop-scan'))?.status === 'True' && slack.received.length === 1;
    });
    const before = await reportOf(ns.name, api);
    expect(before?.report.summary).toMatchObject({ critical: 2, high: 1, medium: 1 });

    await stack.clair.pause();
    try {
      // A new workload while Clair is down: its image cannot be scanned yet.
      const worker = await push('shop/worker');
      await pod(ns.name, 'worker-0', worker, { app: 'shop' });
      await pollUntil('a ScanFailed condition', 60_000, async () => {
        const condition = await ready(ns.name, 'shop-scan');
        return condition?.status === 'False' && condition.reason === 'ScanFailed';
      });
      const condition = await ready(ns.name, 'shop-scan');
      expect(condition?.message).toContain('could not be scanned');
      expect(condition?.message).toContain(stack.clair.url);
      // Nothing is lost meanwhile: the existing report stands unchanged, and the totals still count it.
      expect((await reportOf(ns.name, api))?.metadata?.resourceVersion).toBe(
        before?.metadata?.resourceVersion,
      );
      const status = (
        await admin.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, { namespace: ns.name, name: 'shop-scan' })
      )?.status;
      expect(status?.summary).toMatchObject({ critical: 2, high: 1, medium: 1 });
      expect(slack.received).toHaveLength(1);
    } finally {
      await stack.clair.resume();
    }

    // No pod changes from here: the retries alone find Clair back.
    const worker = images.at(-1) as PushedImage;
    await pollUntil('recovery: both images scanned and Ready again', 60_000, async () => {
      return (
        (await ready(ns.name, 'shop-scan'))?.status === 'True' &&
        (await reportOf(ns.name, worker)) !== undefined
      );
    });
    expect((await reportOf(ns.name, worker))?.report.summary).toMatchObject({
      critical: 2,
      high: 1,
      medium: 1,
    });
    // The new image's findings are announced once, like any first scan.
    await pollUntil('the Slack message for the new image', 30_000, () => slack.received.length === 2);
    expect(slack.received[1]).toContain('shop/worker');
    const status = (
      await admin.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, { namespace: ns.name, name: 'shop-scan' })
    )?.status;
    expect(status).toMatchObject({ images: 2, summary: { critical: 4, high: 2, medium: 2 } });
  });

  it('sends nothing again and writes nothing when the adapter restarts', async () => {
    const reports = async () =>
      (await admin.list<VulnerabilityReport>(VULNERABILITY_REPORTS, ns.name))
        .map((r) => `${r.metadata?.name}@${r.metadata?.resourceVersion}`)
        .sort();
    const before = await reports();
    const sent = slack.received.length;
    await controller?.stop();
    // A new process: new scanner (nothing remembered), new controller, same cluster and Clair.
    controller = newController();
    await controller.start();
    const restarted = controller;
    await pollUntil('the restarted scanner to reconcile', 30_000, () => restarted.reconciles.success > 0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(slack.received).toHaveLength(sent);
    expect(await reports()).toEqual(before);
  });

  it('rejects a notifier webhook with a bad JWT', async () => {
    const url = receiver.url as string;
    const body = JSON.stringify({
      notification_id: '6d2e2f8c-4d5b-4c55-9a43-1f8f4b1a2c3d',
      callback: `${stack.clair.url}/notifier/api/v1/notification/6d2e2f8c-4d5b-4c55-9a43-1f8f4b1a2c3d`,
    });
    const post = (token: string | undefined) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body,
      });
    for (const token of [undefined, mintClairToken(generatePskKey(), 'clair-notifier'), 'not.a.jwt']) {
      const res = await post(token);
      await res.body?.cancel();
      expect(res.status).toBe(401);
    }
    expect(receiver.processed).toBe(0);
  });

  it(
    'rescans at once when Clair’s notifier announces a new advisory, and sends one message per new finding',
    async () => {
      const sent = slack.received.length;
      const processed = receiver.processed;
      const api = images[0] as PushedImage;
      // A new advisory on tar, which every image has. The policy's interval is 6 hours and no pod changes:
      // only the notification can bring the finding in.
      await importVulnerabilityFile(stack, OP2_FILE);
      await pollUntil(
        'Clair’s notification, processed and acknowledged',
        4 * 60_000,
        async () => receiver.processed > processed,
        { intervalMs: 1_000 },
      );
      await pollUntil('the refreshed report', 60_000, async () =>
        ((await reportOf(ns.name, api))?.report.vulnerabilities ?? []).some((v) => v.id === 'CVE-2099-1005'),
      );
      // CVE-2099-1005 is High: at the threshold, so each of the two images gets one message about it, and
      // nothing else is announced again.
      await pollUntil(
        'one message per image about the new finding',
        60_000,
        () => slack.received.length >= sent + 2,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      const fresh = slack.received.slice(sent);
      expect(fresh).toHaveLength(2);
      for (const message of fresh) {
        expect(message).toContain('CVE-2099-1005');
        expect(message).not.toContain('CVE-2099-1001');
      }
    },
    6 * 60_000,
  );

  it('leaves excluded namespaces out with a condition that says why, and honours the ignore-unfixed annotation', async () => {
    const api = images[0] as PushedImage;
    await pod(excluded.name, 'api-0', api, { app: 'shop' });
    await policy(excluded.name, 'shop-scan', 'shop', false);
    await pollUntil('a NamespaceExcluded condition', 30_000, async () => {
      return (await ready(excluded.name, 'shop-scan'))?.reason === 'NamespaceExcluded';
    });
    expect((await ready(excluded.name, 'shop-scan'))?.message).toContain('SCAN_EXCLUDE_NAMESPACES');
    expect(await admin.list(VULNERABILITY_REPORTS, excluded.name)).toEqual([]);

    // Every pod running this image asks to leave unfixed findings out: CVE-2099-1003 (bash, no fix) goes.
    const quiet = await push('shop/quiet');
    await pod(ns.name, 'quiet-0', quiet, { app: 'quiet' }, { [IGNORE_UNFIXED_ANNOTATION]: 'true' });
    await policy(ns.name, 'quiet-scan', 'quiet', false);
    await pollUntil(
      'the quiet image’s report',
      60_000,
      async () => (await reportOf(ns.name, quiet)) !== undefined,
    );
    const report = (await reportOf(ns.name, quiet))?.report;
    expect(report?.vulnerabilities.map((v) => v.id)).not.toContain('CVE-2099-1003');
    expect(report?.vulnerabilities.map((v) => v.id)).toContain('CVE-2099-1001');
    // The same image in a pod without the annotation lists it.
    expect((await reportOf(ns.name, api))?.report.vulnerabilities.map((v) => v.id)).toContain(
      'CVE-2099-1003',
    );
  });

  it('announces to each Slack destination once: a second policy on the same images with its own channel hears it all', async () => {
    const other = await startSlack();
    try {
      await admin.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'slack-security', namespace: ns.name },
        type: 'Opaque',
        data: { url: b64(other.url) },
      });
      const before = slack.received.length;
      // The same pods as shop-scan, whose channel was told about every finding already.
      await policy(ns.name, 'security-scan', 'shop', 'slack-security');
      await pollUntil(
        'one message per image on the second channel',
        60_000,
        () => other.received.length >= 2,
      );
      await new Promise((r) => setTimeout(r, 1_000));
      expect(other.received).toHaveLength(2);
      expect(other.received.join('\n')).toContain('CVE-2099-1001');
      // The first channel hears nothing again.
      expect(slack.received).toHaveLength(before);
    } finally {
      await new Promise<void>((resolve) => other.server.close(() => resolve()));
    }
  });
});
