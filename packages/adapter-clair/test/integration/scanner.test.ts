import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { crdDirectory as nimbusCrds } from '@nimbus-ts/api';
import { ClairClient, ImageScanner } from '@nimbus-ts/clair-client';
import { createLogger, NODES, ObjectClient, PODS, SECRETS } from '@nimbus-ts/k8s';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import type { ImageScanPolicy, VulnerabilityReport } from '@nimbus-ts/scan-api';
import { crdDirectory, IMAGE_SCAN_POLICIES, VULNERABILITY_REPORTS } from '@nimbus-ts/scan-api';
import {
  importVulnerabilityFile,
  LINUX_AMD64,
  type PushedImage,
  pushTestImage,
  runningPodStatus,
  type ScanStack,
} from '@nimbus-ts/scan-testenv';
import { BOOKWORM_OS_RELEASE, BOOKWORM_PACKAGES, OP1_FILE, OP2_FILE } from '@nimbus-ts/scan-testenv/bookworm';
import { sharedScanStack } from '@nimbus-ts/scan-testenv/vitest';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ScanMetrics } from '../../src/scanner/metrics.js';
import { createScanController } from '../../src/scanner/scan-controller.js';
import { rescan as rescanPolicy } from './rescan.js';

// The scanner on the real control plane with real Clair, PostgreSQL and registry: pods (whose status the test
// writes, as a kubelet would) running known-vulnerable images get VulnerabilityReports with the fixture's counts.

const CREDENTIALS = { username: 'puller', password: 'hunter2-but-longer' };
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** The scanner's moving parts on the shared control plane, in the namespace a describe block sets in `state`. */
function scanningFixture(env: ReturnType<typeof envtest>) {
  const admin = new ObjectClient(env.kubeConfig, 'scanner-test');
  const registry = new Registry();
  const scanMetrics = new ScanMetrics(registry);
  const state: { ns?: TestNamespace } = {};
  const here = () => {
    if (!state.ns) throw new Error('the describe block has not created its namespace yet');
    return state.ns.name;
  };
  /** Runs a pod as a kubelet would report it: with the digest its container was pulled by. */
  const pod = async (
    name: string,
    image: PushedImage,
    labels: Record<string, string>,
    pullSecret?: string,
    namespace = here(),
    nodeName?: string,
  ) => {
    await admin.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels },
      spec: {
        ...(nodeName ? { nodeName } : {}),
        containers: [{ name: 'app', image: image.reference }],
        ...(pullSecret ? { imagePullSecrets: [{ name: pullSecret }] } : {}),
      },
    });
    // What the kubelet reports once the container runs: the digest it pulled by.
    await admin.patchStatus(
      PODS,
      { namespace, name },
      { status: runningPodStatus([{ name: 'app', image: image.reference, imageID: image.digestReference }]) },
    );
  };
  const policy = (name: string, app: string, namespace = here()) =>
    admin.create<ImageScanPolicy>(IMAGE_SCAN_POLICIES, {
      apiVersion: IMAGE_SCAN_POLICIES.apiVersion as ImageScanPolicy['apiVersion'],
      kind: 'ImageScanPolicy',
      metadata: { name, namespace },
      spec: {
        selector: { matchLabels: { app } },
        severityThreshold: 'High',
        rescanInterval: '6h',
        ignoreUnfixed: false,
      },
    } as ImageScanPolicy);
  const getPolicy = (name: string, namespace = here()) =>
    admin.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, { namespace, name });
  const reports = async (namespace = here()) =>
    (await admin.list<VulnerabilityReport>(VULNERABILITY_REPORTS, namespace)).sort((a, b) =>
      a.image.repository.localeCompare(b.image.repository),
    );
  /** Has the policy scanned again and waits until that scan is over (see rescan.ts). */
  const rescan = (name: string, namespace = here()) => rescanPolicy(admin, { namespace, name });
  return { admin, registry, scanMetrics, state, pod, policy, getPolicy, reports, rescan };
}

/**
 * A scanner and its scan controller against a scan stack, as the adapter's process builds them; its log (warn and
 * above) goes to `logStream` when one is given, else to stdout.
 */
async function startScanner(
  env: ReturnType<typeof envtest>,
  stack: ScanStack,
  scanMetrics: ScanMetrics,
  logStream?: Writable,
) {
  const logger = createLogger('nimbus-clair', { level: 'warn', ...(logStream ? { stream: logStream } : {}) });
  const scanner = new ImageScanner({
    metrics: scanMetrics,
    clair: new ClairClient({
      url: stack.clair.url,
      auth: { key: stack.clair.pskKey, issuer: stack.clair.issuer },
    }),
    logger,
  });
  const controller = createScanController(env.kubeConfig, { logger, scanner, scanMetrics });
  await controller.start();
  return { logger, scanner, controller };
}

describe('the image scanner', () => {
  const env = envtest();
  const scanning = scanningFixture(env);
  const { admin, registry, scanMetrics, pod, policy, getPolicy, reports, rescan } = scanning;
  let stack: ScanStack;
  let ns: TestNamespace;
  const images: PushedImage[] = [];
  let privateImage: PushedImage;
  let scanner: ImageScanner;
  let logger: ReturnType<typeof createLogger>;
  let controller: ReturnType<typeof createScanController>;
  let failed = false;
  // The scanner's log lines (warn and above), parsed; they are also written to stdout as before.
  const logLines: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      process.stdout.write(chunk);
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    ns = await env.namespace('scanner');
    scanning.state.ns = ns;
    stack = await sharedScanStack({ registryAuth: CREDENTIALS });
    for (const repository of ['shop/cart', 'shop/checkout', 'shop/search']) {
      images.push(
        await pushTestImage(stack.registry, {
          repository,
          tag: '1.0',
          osRelease: BOOKWORM_OS_RELEASE,
          // One package of its own, so each image has its own layer and digest (equal content would be one image).
          dpkgPackages: [
            ...BOOKWORM_PACKAGES,
            { name: repository.replace('shop/', 'app-'), version: '1.0-1', arch: 'amd64' },
          ],
        }),
      );
    }
    if (!stack.authRegistry) throw new Error('the stack was started with registryAuth');
    privateImage = await pushTestImage(stack.authRegistry, {
      repository: 'private/payments',
      tag: '2.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
    });
    await importVulnerabilityFile(stack, OP1_FILE);
    ({ logger, scanner, controller } = await startScanner(env, stack, scanMetrics, logStream));
  }, 15 * 60_000);
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    await controller?.stop();
    await ns?.delete();
    await stack?.stop({ keepDir: failed });
    if (failed && stack)
      process.stderr.write(`scan stack logs kept: ${Object.values(stack.logs).join(', ')}\n`);
  });

  it('scans 50 pods sharing 3 digests with exactly 3 index requests, and reports the fixture’s findings', async () => {
    stack.registry.clearRequests();
    // The scanner is shared with the other tests, which index images of their own: count from here.
    const indexedBefore = scanner.counters.indexRequests;
    for (let i = 0; i < 50; i++) await pod(`web-${i}`, images[i % 3] as PushedImage, { app: 'web' });
    await policy('web-scan', 'web');
    // Within the test's own 120 s, so a timeout names what was last seen.
    await pollUntil(
      'three reports and a scanned policy',
      100_000,
      async () => ({
        reports: (await reports()).map((r) => r.image.repository),
        ready: (await getPolicy('web-scan'))?.status?.conditions?.find((c) => c.type === 'Ready'),
      }),
      { until: (seen) => seen.reports.length === 3 && seen.ready?.status === 'True' },
    );
    expect(scanner.counters.indexRequests - indexedBefore).toBe(3);
    // Clair fetched each image's layers once: the registry saw no second round of blob GETs.
    const layers = images.flatMap((image) => image.manifests[0]?.layers.map((l) => l.digest) ?? []);
    expect(layers).toHaveLength(3);
    const layerGets = stack.registry.requests.filter(
      (r) => r.kind === 'blobs' && r.method === 'GET' && layers.some((d) => r.path.endsWith(d)),
    );
    expect(layerGets.length).toBe(3);

    const all = await reports();
    expect(all.map((r) => r.image.repository)).toEqual(['shop/cart', 'shop/checkout', 'shop/search']);
    for (const report of all) {
      expect(report.image.digest).toBe(images.find((i) => i.repository === report.image.repository)?.digest);
      expect(report.report.summary).toMatchObject({ critical: 2, high: 1, medium: 1 });
      expect(report.report.vulnerabilities[0]).toMatchObject({ id: 'CVE-2099-1001', severity: 'Critical' });
      // Owned by the pods that run the image (17 or 16 of the 50), so it goes when they go.
      expect(report.metadata?.ownerReferences?.length).toBeGreaterThanOrEqual(16);
      expect(report.metadata?.ownerReferences?.every((o) => o.kind === 'Pod')).toBe(true);
    }
    // The same figures on /metrics: index requests and vulnerability gauges per image. The gauges are read from
    // the controller's cache of reports, which follows the API server a moment later: wait for it.
    const gauge = `nimbus_clair_vulnerabilities{namespace="${ns.name}",image="shop/cart@${images[0]?.digest}",severity="critical"} 2`;
    const text = await pollUntil('the vulnerability gauges', 30_000, () => registry.metrics(), {
      until: (metrics) => metrics.includes(gauge),
    });
    expect(text).toMatch(new RegExp(`^nimbus_clair_index_requests_total ${indexedBefore + 3}$`, 'm'));
    expect(text).toContain(gauge);
    const status = (await getPolicy('web-scan'))?.status;
    expect(status).toMatchObject({ images: 3, summary: { critical: 6, high: 3, medium: 3 } });
  });

  it('scans a private image with the pod’s imagePullSecret, and names a missing secret in the condition', async () => {
    // A namespace of its own: its reports are not the first test's three.
    const own = await env.namespace('scanner-private');
    try {
      const host = stack.authRegistry?.host ?? '';
      await admin.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'regcred', namespace: own.name },
        type: 'kubernetes.io/dockerconfigjson',
        data: {
          '.dockerconfigjson': b64(
            JSON.stringify({
              auths: { [host]: { auth: b64(`${CREDENTIALS.username}:${CREDENTIALS.password}`) } },
            }),
          ),
        },
      });
      await pod('payments-0', privateImage, { app: 'payments' }, 'regcred', own.name);
      await policy('payments-scan', 'payments', own.name);
      await pollUntil('the private image report', 60_000, async () => {
        const found = (await reports(own.name)).some((r) => r.image.repository === 'private/payments');
        return found;
      });

      // Another private image, which no pod with credentials runs: without its secret it cannot be read at all.
      const unreadable = await pushTestImage(stack.authRegistry as NonNullable<ScanStack['authRegistry']>, {
        repository: 'private/ledger',
        tag: '1.0',
        osRelease: BOOKWORM_OS_RELEASE,
        dpkgPackages: [...BOOKWORM_PACKAGES, { name: 'ledger', version: '1.0-1', arch: 'amd64' }],
      });
      await pod('ledger-0', unreadable, { app: 'payments-nosecret' }, 'missing-secret', own.name);
      await policy('nosecret-scan', 'payments-nosecret', own.name);
      await pollUntil('a failed scan condition', 60_000, async () => {
        const ready = (await getPolicy('nosecret-scan', own.name))?.status?.conditions?.find(
          (c) => c.type === 'Ready',
        );
        return ready?.status === 'False' && ready.reason === 'ScanFailed';
      });
      const ready = (await getPolicy('nosecret-scan', own.name))?.status?.conditions?.find(
        (c) => c.type === 'Ready',
      );
      const ledger = `${unreadable.repository}@${unreadable.digest}`;
      expect(ready?.message).toContain('private/ledger');
      expect(ready?.message).toContain('imagePullSecret missing-secret does not exist');
      // The image is named once, however the registry's message begins.
      expect(ready?.message?.split(ledger)).toHaveLength(2);
      // And the failure is logged, at warn (the registry refused: the environment, not a bug), with its fields.
      const loggedLine = () =>
        logLines.find(
          (l) => l.message === 'an image could not be scanned' && l.policy === `${own.name}/nosecret-scan`,
        );
      await pollUntil('the failed scan in the log', 10_000, () => loggedLine() !== undefined);
      const logged = loggedLine();
      expect(logged).toMatchObject({ level: 'warn', component: 'nimbus-clair', image: `${host}/${ledger}` });
      expect(logged?.reason).toEqual(
        expect.stringContaining('imagePullSecret missing-secret does not exist'),
      );
      expect(String(logged?.reason)).not.toContain(ledger);
    } finally {
      await own.delete();
    }
  });

  it('writes nothing on a rescan that finds nothing new', async () => {
    // A namespace of its own: its report is this test's alone.
    const own = await env.namespace('scanner-rescan');
    try {
      // An image of its own too: the first test counts the index requests for its three.
      const image = await pushTestImage(stack.registry, {
        repository: 'shop/rescan',
        tag: '1.0',
        osRelease: BOOKWORM_OS_RELEASE,
        dpkgPackages: [...BOOKWORM_PACKAGES, { name: 'app-rescan', version: '1.0-1', arch: 'amd64' }],
      });
      await pod('rescan-0', image, { app: 'rescan' }, undefined, own.name);
      await policy('rescan', 'rescan', own.name);
      await pollUntil('the first scan', 60_000, () => getPolicy('rescan', own.name), {
        until: (p) => p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
      });
      const before = (await reports(own.name)).map((r) => r.metadata?.resourceVersion);
      expect(before).toHaveLength(1);
      await rescan('rescan', own.name);
      expect((await reports(own.name)).map((r) => r.metadata?.resourceVersion)).toEqual(before);
    } finally {
      await own.delete();
    }
  });

  it('gives each platform of a multi-arch image its own report, which goes with the last pod of that platform, also across a restart', async () => {
    const multi = await pushTestImage(stack.registry, {
      repository: 'shop/multi',
      tag: '1.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: [...BOOKWORM_PACKAGES, { name: 'multi', version: '1.0-1', arch: 'amd64' }],
      platforms: [LINUX_AMD64, { os: 'linux', architecture: 'arm64' }],
    });
    const amd64 = multi.manifestFor('amd64').digest;
    const arm64 = multi.manifestFor('arm64').digest;
    // A namespace of its own: its two reports are not the first test's three.
    const own = await env.namespace('scanner-multi');
    const nodes = { amd64: `${own.name}-amd64`, arm64: `${own.name}-arm64` };
    const multiReports = async () =>
      (await reports(own.name)).filter((r) => r.image.repository === 'shop/multi');
    const ownerNames = (report: VulnerabilityReport | undefined) =>
      report?.metadata?.ownerReferences?.map((o) => o.name);
    const series = (digest: string) =>
      `nimbus_clair_vulnerabilities{namespace="${own.name}",image="shop/multi@${digest}",severity="critical"} 2`;
    try {
      for (const [arch, node] of Object.entries(nodes)) {
        await admin.create(NODES, {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: node, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': arch } },
        });
      }
      // Both pods pulled the index; each node runs its own platform's manifest of it.
      await pod('multi-amd64', multi, { app: 'multi' }, undefined, own.name, nodes.amd64);
      await pod('multi-arm64', multi, { app: 'multi' }, undefined, own.name, nodes.arm64);
      await policy('multi-scan', 'multi', own.name);
      await pollUntil('a report per platform', 120_000, async () => (await multiReports()).length === 2);
      const [first, second] = await multiReports();
      const byDigest = new Map([first, second].map((r) => [r?.image.digest, r]));
      expect(ownerNames(byDigest.get(amd64))).toEqual(['multi-amd64']);
      expect(ownerNames(byDigest.get(arm64))).toEqual(['multi-arm64']);
      expect(byDigest.get(amd64)?.image).toMatchObject({ indexDigest: multi.digest, platform: LINUX_AMD64 });
      const before = await registry.metrics();
      expect(before).toContain(series(amd64));
      expect(before).toContain(series(arm64));

      // The only amd64 pod goes (at once: no kubelet confirms it): the garbage collector takes the amd64 report.
      await env.runKubectl(['delete', 'pod', 'multi-amd64', '-n', own.name, '--grace-period=0', '--force']);
      await pollUntil('the amd64 report to go with its pod', 60_000, async () =>
        (await multiReports()).every((r) => r.image.digest !== amd64),
      );
      const left = await multiReports();
      expect(left.map((r) => r.image.digest)).toEqual([arm64]);
      expect(ownerNames(left[0])).toEqual(['multi-arm64']);
      await pollUntil('the amd64 series to leave /metrics', 30_000, async () => {
        const text = await registry.metrics();
        return !text.includes(`image="shop/multi@${amd64}"`) && text.includes(series(arm64));
      });

      // A restarted scanner sees the arm64 pod only: it must not bring the amd64 report back. A spec change makes
      // the new process's reconcile of this policy observable (it writes the new observedGeneration).
      await controller.stop();
      controller = createScanController(env.kubeConfig, { logger, scanner, scanMetrics });
      await controller.start();
      const current = (await getPolicy('multi-scan', own.name)) as ImageScanPolicy;
      const changed = await admin.replace<ImageScanPolicy>(IMAGE_SCAN_POLICIES, {
        ...current,
        spec: { ...current.spec, rescanInterval: '5h' },
      });
      await pollUntil('the restarted scanner to reconcile the policy', 60_000, async () => {
        const status = (await getPolicy('multi-scan', own.name))?.status;
        return (
          status?.observedGeneration === changed.metadata.generation &&
          status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
        );
      });
      expect((await getPolicy('multi-scan', own.name))?.status).toMatchObject({
        images: 1,
        summary: { critical: 2 },
      });
      expect((await multiReports()).map((r) => r.image.digest)).toEqual([arm64]);
      expect(await registry.metrics()).not.toContain(`image="shop/multi@${amd64}"`);
    } finally {
      // No kubelet confirms the deletion of a pod bound to a node: delete at once, or the namespace never goes.
      await env.runKubectl([
        'delete',
        'pods',
        '-l',
        'app=multi',
        '-n',
        own.name,
        '--grace-period=0',
        '--force',
      ]);
      for (const node of Object.values(nodes)) await admin.delete(NODES, { name: node });
      await own.delete();
    }
  });
});

// A new advisory changes what Clair reports for every image from then on. On the run's shared Clair each import is
// a fresh update operation, so this block's import of the second advisories lasts until the next file (or block)
// imports what it needs in its beforeAll: the tests above count the first advisories, whatever ran before them.
describe('the image scanner’s Slack notifications', () => {
  const env = envtest();
  const scanning = scanningFixture(env);
  const { admin, scanMetrics, pod, reports, rescan } = scanning;
  let stack: ScanStack;
  let ns: TestNamespace;
  let controller: ReturnType<typeof createScanController>;
  let failed = false;

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    ns = await env.namespace('scanner-slack');
    scanning.state.ns = ns;
    stack = await sharedScanStack();
    await importVulnerabilityFile(stack, OP1_FILE);
    ({ controller } = await startScanner(env, stack, scanMetrics));
  }, 15 * 60_000);
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });
  afterAll(async () => {
    await controller?.stop();
    await ns?.delete();
    await stack?.stop({ keepDir: failed });
    if (failed && stack)
      process.stderr.write(`scan stack logs kept: ${Object.values(stack.logs).join(', ')}\n`);
  });

  it('sends one Slack message when a report first crosses the threshold, and one per new finding after a rescan', async () => {
    // A local Slack: records every message it receives.
    const received: { text: string }[] = [];
    const slack = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(JSON.parse(body) as { text: string });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => slack.listen(0, '127.0.0.1', resolve));
    const address = slack.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/T0/B0/x`;
    try {
      await admin.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'slack', namespace: ns.name },
        type: 'Opaque',
        data: { webhook: b64(url) },
      });
      const alerting = await pushTestImage(stack.registry, {
        repository: 'shop/alerts',
        tag: '1.0',
        osRelease: BOOKWORM_OS_RELEASE,
        dpkgPackages: [...BOOKWORM_PACKAGES, { name: 'alerts', version: '1.0-1', arch: 'amd64' }],
      });
      await pod('alerts-0', alerting, { app: 'alerts' });
      await admin.create<ImageScanPolicy>(IMAGE_SCAN_POLICIES, {
        apiVersion: IMAGE_SCAN_POLICIES.apiVersion as ImageScanPolicy['apiVersion'],
        kind: 'ImageScanPolicy',
        metadata: { name: 'alerts-scan', namespace: ns.name },
        spec: {
          selector: { matchLabels: { app: 'alerts' } },
          severityThreshold: 'High',
          rescanInterval: '6h',
          ignoreUnfixed: false,
          notify: { slack: { webhookSecretRef: { name: 'slack', key: 'webhook' } } },
        },
      } as ImageScanPolicy);
      await pollUntil('the first Slack message', 60_000, () => received.length >= 1);
      expect(JSON.stringify(received[0])).toContain('CVE-2099-1001');
      expect(JSON.stringify(received[0])).not.toContain('CVE-2099-1003'); // Medium: below the threshold

      // A new advisory, then a rescan: exactly one more message, about the new finding only.
      await importVulnerabilityFile(stack, OP2_FILE);
      await admin.patchStatus(
        PODS,
        { namespace: ns.name, name: 'alerts-0' },
        { status: { message: 'rescan' } },
      );
      await pollUntil('the second Slack message', 60_000, () => received.length >= 2);
      expect(JSON.stringify(received[1])).toContain('CVE-2099-1005');
      expect(JSON.stringify(received[1])).not.toContain('CVE-2099-1001');

      // Nothing new: a further rescan, waited for to its end, sends nothing. It starts once the scan that sent the
      // message has recorded it on the report, as a rescan hours later would.
      await pollUntil('the new finding in the report’s notified ledger', 30_000, async () =>
        JSON.stringify((await reports())[0]?.metadata?.annotations ?? {}).includes('CVE-2099-1005'),
      );
      const rescanned = await rescan('alerts-scan');
      expect(received).toHaveLength(2);
      const notifying = rescanned?.status?.conditions?.find((c) => c.type === 'Notifying');
      expect(notifying).toMatchObject({ status: 'True' });
    } finally {
      await new Promise<void>((resolve) => slack.close(() => resolve()));
    }
  });
});
