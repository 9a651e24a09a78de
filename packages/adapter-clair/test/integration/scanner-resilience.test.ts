import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { crdDirectory as nimbusCrds } from '@nimbus-ts/api';
import { ClairClient, ImageScanner } from '@nimbus-ts/clair-client';
import { createLogger, ObjectClient, PODS, SECRETS } from '@nimbus-ts/k8s';
import {
  type CRDSource,
  createTestNamespace,
  pollUntil,
  startControlPlane,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import type { ImageScanPolicy, VulnerabilityReport } from '@nimbus-ts/scan-api';
import { crdDirectory, IMAGE_SCAN_POLICIES, VULNERABILITY_REPORTS } from '@nimbus-ts/scan-api';
import {
  type Clair,
  generatePskKey,
  importVulnerabilityFile,
  mintClairToken,
  type PushedImage,
  pushTestImage,
  runningPodStatus,
  type ScanStack,
  startClair,
  startScanStack,
} from '@nimbus-ts/scan-testenv';
import { BOOKWORM_OS_RELEASE, BOOKWORM_PACKAGES, OP1_FILE, OP2_FILE } from '@nimbus-ts/scan-testenv/bookworm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createNotificationReceiver,
  type NotificationReceiver,
} from '../../src/scanner/notification-receiver.js';
import { IGNORE_UNFIXED_ANNOTATION } from '../../src/scanner/plan.js';
import { createScanController, type ScanController } from '../../src/scanner/scan-controller.js';
import { rescan } from './rescan.js';

// The scanner through the failures users meet, on the real control plane with real Clair, PostgreSQL and
// registry: Clair going away and coming back, the adapter restarting, Clair's notifier announcing new advisories,
// and the scanner's scoping (excluded namespaces, the ignore-unfixed pod annotation). Every test brings its own
// images, pods, policies and Slack; the notifier's tests have a scan stack of their own, because the advisory they
// import changes what Clair reports for every image from then on.

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

// A control plane of its own rather than envtest()'s shared one, so that the file runs in the own-control-plane
// project (vitest.config.ts), beside the shared control plane's one-file-at-a-time line: its notifier test spends
// a minute waiting on Clair's notifier, whose intervals cannot be shorter than that. Started while the file
// is collected, because the fixtures below make their clients then.
const cp = await startControlPlane();
afterAll(() => cp.stop());
const env = {
  kubeConfig: cp.kubeConfig,
  namespace: (prefix: string) => createTestNamespace(cp.kubeConfig, prefix),
  installCRDs: (sources: readonly CRDSource[]) => cp.installCRDs(sources),
};

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

/** Pods, policies, reports and images of one describe block, on the file's control plane and the block's scan stack. */
function resilienceFixture() {
  const admin = new ObjectClient(env.kubeConfig, 'scanner-resilience-test');
  const fixture = {
    admin,
    stack: undefined as unknown as ScanStack,
    async pod(
      namespace: string,
      name: string,
      image: PushedImage,
      labels: Record<string, string>,
      annotations?: Record<string, string>,
    ) {
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
        {
          status: runningPodStatus([{ name: 'app', image: image.reference, imageID: image.digestReference }]),
        },
      );
    },
    /** A policy notifying the Slack whose URL is in the Secret `notify` (key `url`), or none. */
    policy: (namespace: string, name: string, app: string, notify?: string) =>
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
          ...(notify ? { notify: { slack: { webhookSecretRef: { name: notify, key: 'url' } } } } : {}),
        },
      } as ImageScanPolicy),
    /** A Secret holding a Slack webhook URL under `url`. */
    slackSecret: (namespace: string, name: string, url: string) =>
      admin.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace },
        type: 'Opaque',
        data: { url: b64(url) },
      }),
    ready: async (namespace: string, name: string) =>
      (await admin.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, { namespace, name }))?.status?.conditions?.find(
        (c) => c.type === 'Ready',
      ),
    reportOf: async (namespace: string, image: PushedImage) =>
      (await admin.list<VulnerabilityReport>(VULNERABILITY_REPORTS, namespace)).find(
        (r) => r.image.digest === image.digest,
      ),
    /** Pushes an image with a package of its own, so it has its own layer and digest. */
    push: (repository: string) =>
      pushTestImage(fixture.stack.registry, {
        repository,
        tag: '1.0',
        osRelease: BOOKWORM_OS_RELEASE,
        dpkgPackages: [
          ...BOOKWORM_PACKAGES,
          { name: repository.replace('/', '-'), version: '1.0-1', arch: 'amd64' },
        ],
      }),
    /** Waits until the policy's scan is over and its findings were announced: Ready and Notifying True. */
    scanned: (namespace: string, name: string) =>
      pollUntil(
        `ImageScanPolicy ${namespace}/${name} to be scanned and to have notified`,
        60_000,
        () => admin.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, { namespace, name }),
        {
          until: (p) =>
            ['Ready', 'Notifying'].every((type) =>
              p?.status?.conditions?.some((c) => c.type === type && c.status === 'True'),
            ),
        },
      ),
  };
  return fixture;
}

describe('the scanner through outages, restarts and scoping', () => {
  const logger = createLogger('nimbus-clair', { level: 'warn' });
  const fixture = resilienceFixture();
  const { admin, pod, policy, slackSecret, ready, reportOf, push, scanned } = fixture;
  let stack: ScanStack;
  let clair: ClairClient;
  let excluded: TestNamespace;
  const namespaces: TestNamespace[] = [];
  const slacks: Awaited<ReturnType<typeof startSlack>>[] = [];
  // Replaced when the adapter "restarts".
  let controller: ScanController | undefined;
  let failed = false;

  const newController = () =>
    createScanController(env.kubeConfig, {
      logger,
      scanner: new ImageScanner({ clair, logger }),
      // Short waits, so recovery after the outage is seen within the test; the doubling is unit-tested.
      retry: { initialMs: 500, maxMs: 2_000 },
      namespaces: { include: [], exclude: ['kube-*', excluded.name] },
    });
  const namespace = async (prefix: string) => {
    const created = await env.namespace(prefix);
    namespaces.push(created);
    return created;
  };
  const slackIn = async (ns: TestNamespace, secret: string) => {
    const slack = await startSlack();
    slacks.push(slack);
    await slackSecret(ns.name, secret, slack.url);
    return slack;
  };

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    excluded = await namespace('resilience-excluded');
    // A Clair of its own, not the run's shared one (sharedScanStack): these tests stop and restart Clair.
    stack = await startScanStack();
    fixture.stack = stack;
    clair = new ClairClient({
      url: stack.clair.url,
      auth: { key: stack.clair.pskKey, issuer: stack.clair.issuer },
    });
    await importVulnerabilityFile(stack, OP1_FILE);
    controller = newController();
    await controller.start();
  }, 15 * 60_000);
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    await controller?.stop();
    for (const slack of slacks) await new Promise<void>((resolve) => slack.server.close(() => resolve()));
    for (const ns of namespaces) await ns.delete();
    await stack?.stop({ keepDir: failed });
    if (failed && stack)
      process.stderr.write(`scan stack logs kept: ${Object.values(stack.logs).join(', ')}\n`);
  });

  it('keeps reports through a Clair outage, says so in Ready, and catches up by itself when Clair is back', async () => {
    const ns = await namespace('resilience-outage');
    const slack = await slackIn(ns, 'slack');
    const api = await push('outage/api');
    await pod(ns.name, 'api-0', api, { app: 'shop' });
    await policy(ns.name, 'shop-scan', 'shop', 'slack');
    await pollUntil('the first scan and its Slack message', 60_000, async () => {
      return (await ready(ns.name, 'shop-scan'))?.status === 'True' && slack.received.length === 1;
    });
    const before = await reportOf(ns.name, api);
    expect(before?.report.summary).toMatchObject({ critical: 2, high: 1, medium: 1 });

    const failedReconciles = controller?.reconciles.error ?? 0;
    await stack.clair.pause();
    let worker: PushedImage;
    try {
      // A new workload while Clair is down: its image cannot be scanned yet.
      worker = await push('outage/worker');
      await pod(ns.name, 'worker-0', worker, { app: 'shop' });
      await pollUntil('a ScanFailed condition', 60_000, async () => {
        const condition = await ready(ns.name, 'shop-scan');
        return condition?.status === 'False' && condition.reason === 'ScanFailed';
      });
      // A failed scan is a failed reconcile: the runtime's metrics and backoff see it, not a private retry map.
      await pollUntil('the failed scan counted as a failed reconcile', 30_000, () => {
        return (controller?.reconciles.error ?? 0) > failedReconciles;
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
    expect(slack.received[1]).toContain('outage/worker');
    const status = (
      await admin.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, { namespace: ns.name, name: 'shop-scan' })
    )?.status;
    expect(status).toMatchObject({ images: 2, summary: { critical: 4, high: 2, medium: 2 } });
  });

  it('sends nothing again and writes nothing when the adapter restarts', async () => {
    const ns = await namespace('resilience-restart');
    const slack = await slackIn(ns, 'slack');
    const app = await push('restart/app');
    await pod(ns.name, 'app-0', app, { app: 'shop' });
    await policy(ns.name, 'shop-scan', 'shop', 'slack');
    await scanned(ns.name, 'shop-scan');
    await pollUntil('the first scan’s Slack message', 30_000, () => slack.received.length === 1);
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
    // A full scan by the restarted scanner, waited for to its end: nothing to send, nothing to write.
    await rescan(admin, { namespace: ns.name, name: 'shop-scan' });
    expect(slack.received).toHaveLength(sent);
    expect(await reports()).toEqual(before);
  });

  it('leaves excluded namespaces out with a condition that says why, and honours the ignore-unfixed annotation', async () => {
    const api = await push('scoping/api');
    await pod(excluded.name, 'api-0', api, { app: 'shop' });
    await policy(excluded.name, 'shop-scan', 'shop');
    await pollUntil('a NamespaceExcluded condition', 30_000, async () => {
      return (await ready(excluded.name, 'shop-scan'))?.reason === 'NamespaceExcluded';
    });
    expect((await ready(excluded.name, 'shop-scan'))?.message).toContain('SCAN_EXCLUDE_NAMESPACES');
    expect(await admin.list(VULNERABILITY_REPORTS, excluded.name)).toEqual([]);

    // Every pod running this image asks to leave unfixed findings out: CVE-2099-1003 (bash, no fix) goes.
    const ns = await namespace('resilience-scoping');
    const quiet = await push('scoping/quiet');
    await pod(ns.name, 'quiet-0', quiet, { app: 'quiet' }, { [IGNORE_UNFIXED_ANNOTATION]: 'true' });
    await policy(ns.name, 'quiet-scan', 'quiet');
    await pollUntil(
      'the quiet image’s report',
      60_000,
      async () => (await reportOf(ns.name, quiet)) !== undefined,
    );
    const report = (await reportOf(ns.name, quiet))?.report;
    expect(report?.vulnerabilities.map((v) => v.id)).not.toContain('CVE-2099-1003');
    expect(report?.vulnerabilities.map((v) => v.id)).toContain('CVE-2099-1001');
    // An image with the same packages in a pod without the annotation lists it.
    await pod(ns.name, 'api-0', api, { app: 'plain' });
    await policy(ns.name, 'plain-scan', 'plain');
    const plain = await pollUntil('the plain image’s report', 60_000, () => reportOf(ns.name, api));
    expect(plain?.report.vulnerabilities.map((v) => v.id)).toContain('CVE-2099-1003');
  });

  it('announces to each Slack destination once: a second policy on the same images with its own channel hears it all', async () => {
    const ns = await namespace('resilience-destinations');
    const slack = await slackIn(ns, 'slack');
    const other = await slackIn(ns, 'slack-security');
    for (const repository of ['destinations/api', 'destinations/worker']) {
      await pod(ns.name, repository.replace('destinations/', ''), await push(repository), { app: 'shop' });
    }
    await policy(ns.name, 'shop-scan', 'shop', 'slack');
    await scanned(ns.name, 'shop-scan');
    await pollUntil('one message per image on the first channel', 30_000, () => slack.received.length === 2);
    const before = slack.received.length;
    // The same pods as shop-scan, whose channel was told about every finding already.
    await policy(ns.name, 'security-scan', 'shop', 'slack-security');
    // Its scan is over once its status says it notified: every message it was going to send has gone.
    await scanned(ns.name, 'security-scan');
    expect(other.received).toHaveLength(2);
    expect(other.received.join('\n')).toContain('CVE-2099-1001');
    // The first channel hears nothing again, not even from a scan of shop-scan after the second policy's.
    await rescan(admin, { namespace: ns.name, name: 'shop-scan' });
    expect(slack.received).toHaveLength(before);
  });
});

describe('the scanner with Clair’s notifier', () => {
  const logger = createLogger('nimbus-clair', { level: 'warn' });
  const PSK = generatePskKey();
  const fixture = resilienceFixture();
  const { pod, policy, slackSecret, reportOf, push, scanned } = fixture;
  let stack: ScanStack;
  let notifier: Clair | undefined;
  let ns: TestNamespace;
  let slack: Awaited<ReturnType<typeof startSlack>>;
  let receiver: NotificationReceiver;
  let clair: ClairClient | undefined;
  let controller: ScanController | undefined;
  let failed = false;

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    ns = await env.namespace('resilience-notifier');
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
    // A Clair of its own, not the run's shared one (sharedScanStack): its notifier posts to this block's
    // receiver, and notifies about every manifest the Clair indexed, which on a shared one would be other files'.
    stack = await startScanStack({ notifierWebhook: receiver.url, pskKey: PSK });
    fixture.stack = stack;
    clair = new ClairClient({ url: stack.clair.url, auth: { key: PSK, issuer: stack.clair.issuer } });
    await importVulnerabilityFile(stack, OP1_FILE);
    await slackSecret(ns.name, 'slack', slack.url);
    controller = createScanController(env.kubeConfig, {
      logger,
      scanner: new ImageScanner({ clair, logger }),
      namespaces: { include: [], exclude: ['kube-*'] },
    });
    await controller.start();
  }, 15 * 60_000);
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    await controller?.stop();
    await receiver?.stop();
    await new Promise<void>((resolve) => (slack ? slack.server.close(() => resolve()) : resolve()));
    await ns?.delete();
    await notifier?.stop();
    await stack?.stop({ keepDir: failed });
    if (failed && stack)
      process.stderr.write(
        `scan stack logs kept: ${[...Object.values(stack.logs), notifier?.logPath].join(', ')}\n`,
      );
  });

  it('rejects a notifier webhook with a bad JWT', async () => {
    const processed = receiver.processed;
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
    // Refused before anything was read from Clair: the answers above were the whole of it.
    expect(receiver.processed).toBe(processed);
  });

  it(
    'rescans at once when Clair’s notifier announces a new advisory, and sends one message per new finding',
    async () => {
      const images: PushedImage[] = [];
      for (const repository of ['notified/api', 'notified/worker']) {
        const image = await push(repository);
        images.push(image);
        await pod(ns.name, repository.replace('notified/', ''), image, { app: 'shop' });
      }
      await policy(ns.name, 'shop-scan', 'shop', 'slack');
      await scanned(ns.name, 'shop-scan');
      await pollUntil('the first scan’s messages', 30_000, () => slack.received.length === 2);
      // Clair ticks its notifier's poll and delivery together, once a minute at the least (v4.9 raises anything
      // shorter to hours), so a notification its poll creates waits a whole minute for the next delivery tick. A
      // second notifier on the same database, as replicas run, started now — seconds after the first, far more
      // than a poll takes to create the notification — delivers it seconds after that poll instead: the same path
      // (poll, diff, notification, webhook, pages, acknowledgement) through release Clair, a minute sooner. Were
      // it ever too close, the first notifier would deliver a minute later; nothing is lost.
      notifier = await startClair({
        postgres: stack.postgres,
        notifierOf: stack.clair,
        notifierWebhook: receiver.url,
        dir: join(stack.dir, 'clair-notifier'),
      });
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
      // The scan that sent them is over once each report records the finding as announced.
      await pollUntil('both reports to record the announcement', 30_000, async () => {
        const reports = await Promise.all(images.map((image) => reportOf(ns.name, image)));
        return reports.every((r) => JSON.stringify(r?.metadata?.annotations ?? {}).includes('CVE-2099-1005'));
      });
      const fresh = slack.received.slice(sent);
      expect(fresh).toHaveLength(2);
      for (const message of fresh) {
        expect(message).toContain('CVE-2099-1005');
        expect(message).not.toContain('CVE-2099-1001');
      }
    },
    6 * 60_000,
  );
});
