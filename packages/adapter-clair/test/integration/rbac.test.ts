import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { exerciseAdapter } from '@nimbus-ts/adapter-sdk/testing';
import { crdDirectory as nimbusCrds } from '@nimbus-ts/api';
import { ClairClient, ImageScanner } from '@nimbus-ts/clair-client';
import { NAMESPACES, NODES, ObjectClient, PODS, SECRETS, SERVICE_ACCOUNTS } from '@nimbus-ts/k8s';
import {
  abortable,
  checkLeastPrivilege,
  isPermissionError,
  leastPrivilegeProblems,
  parseManifests,
  pollUntil,
  type ScenarioContext,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import type { ImageScanPolicy, VulnerabilityReport } from '@nimbus-ts/scan-api';
import { crdDirectory, IMAGE_SCAN_POLICIES, VULNERABILITY_REPORTS } from '@nimbus-ts/scan-api';
import {
  bindSecretReader,
  importVulnerabilityFile,
  LINUX_AMD64,
  type PushedImage,
  pushTestImage,
  runningPodStatus,
  type ScanStack,
} from '@nimbus-ts/scan-testenv';
import { BOOKWORM_OS_RELEASE, BOOKWORM_PACKAGES, OP1_FILE } from '@nimbus-ts/scan-testenv/bookworm';
import { sharedScanStack } from '@nimbus-ts/scan-testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clairScanDeclaration } from '../../src/adapter.js';
import { createScanController } from '../../src/scanner/scan-controller.js';

// The shipped RBAC of deploy/adapter-clair, proven on the RBAC-enforcing control plane against a real Clair,
// PostgreSQL and registry: the adapter's SDK part and its scanner do everything they do with exactly those rules
// and no 403, and without any one of them a run fails.

const DEPLOY = fileURLToPath(new URL('../../../../deploy/adapter-clair', import.meta.url));
// The ClusterRole rbac.yaml ships unbound, for namespaces' owners to bind to the scanner.
const SECRET_READER = 'nimbus-clair-secret-reader';
const CREDENTIALS = { username: 'puller', password: 'rbac-proof-password' };
const ARM64 = { os: 'linux', architecture: 'arm64' };
// The API server's words for a permission error, as they reach a condition message.
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/** A stand-in for Slack's incoming webhooks: answers 200 and keeps every message body. */
async function startSlack(): Promise<{ url: string; bodies: string[]; server: Server }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/rbac`,
    bodies,
    server,
  };
}

describe('the Clair adapter’s RBAC (deploy/adapter-clair)', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'rbac-test');
  let home: TestNamespace;
  let work: TestNamespace;
  let stack: ScanStack;
  let slack: Awaited<ReturnType<typeof startSlack>>;
  // A two-platform image (the arm64 node's pod must get the arm64 manifest scanned) and a private one.
  let multiArch: PushedImage;
  let privateImage: PushedImage;
  let failed = false;

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    // The scanner watches every namespace, and creating a report in a terminating one is refused with a 403 that
    // would fail a run for a reason that is not RBAC: let earlier test files' namespaces go first.
    await pollUntil('earlier namespaces to finish terminating', 120_000, async () =>
      (await admin.list<{ status?: { phase?: string } } & { apiVersion: string }>(NAMESPACES)).every(
        (ns) => ns.status?.phase !== 'Terminating',
      ),
    );
    home = await env.namespace('rbac-clair');
    work = await env.namespace('rbac-clair-work');
    stack = await sharedScanStack({ registryAuth: CREDENTIALS });
    if (!stack.authRegistry) throw new Error('the stack was started with registryAuth');
    multiArch = await pushTestImage(stack.registry, {
      repository: 'shop/web',
      tag: '1.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: [...BOOKWORM_PACKAGES, { name: 'web', version: '1.0-1', arch: 'amd64' }],
      platforms: [LINUX_AMD64, ARM64],
    });
    privateImage = await pushTestImage(stack.authRegistry, {
      repository: 'private/payments',
      tag: '2.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
    });
    await importVulnerabilityFile(stack, OP1_FILE);
    slack = await startSlack();
  }, 15 * 60_000);

  afterAll(async () => {
    slack?.server.closeAllConnections();
    await new Promise<void>((resolve) => (slack ? slack.server.close(() => resolve()) : resolve()));
    await work?.delete();
    await home?.delete();
    await stack?.stop({ keepDir: failed });
    if (failed && stack)
      process.stderr.write(`scan stack logs kept: ${Object.values(stack.logs).join(', ')}\n`);
  });

  /**
   * The scanner's whole behaviour in a namespace of its own: pods on a node it must look up, a private image
   * pulled with a secret named on the pods' ServiceAccount, an ImageScanPolicy with Slack notifications whose
   * webhook URL is in a Secret. Resolves once both images have reports (the multi-arch one for the node's
   * platform), the policy is Ready and Notifying, and Slack got the findings.
   */
  const scanEverything = async (ctx: ScenarioContext, signal: AbortSignal) => {
    const { kubeConfig, logger, run } = ctx;
    const id = `r${run}`;
    const ns = await env.namespace(`rbac-clair-${id}`);
    const node = `${ns.name}-node`;
    const scanner = new ImageScanner({
      clair: new ClairClient({
        url: stack.clair.url,
        auth: { key: stack.clair.pskKey, issuer: stack.clair.issuer },
      }),
      logger,
    });
    const controller = createScanController(kubeConfig, { logger, scanner });
    try {
      await abortable(controller.start(), signal, 'the scan controller to start');
      await admin.create(NODES, {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: node, labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64' } },
      });
      const host = stack.authRegistry?.host ?? '';
      await bindSecretReader(admin, ctx, ns.name, 'nimbus-clair', SECRET_READER);
      await admin.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'regcred', namespace: ns.name },
        type: 'kubernetes.io/dockerconfigjson',
        data: {
          '.dockerconfigjson': b64(
            JSON.stringify({
              auths: { [host]: { auth: b64(`${CREDENTIALS.username}:${CREDENTIALS.password}`) } },
            }),
          ),
        },
      });
      await admin.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'slack', namespace: ns.name },
        type: 'Opaque',
        data: { webhook: b64(slack.url) },
      });
      await admin.create(SERVICE_ACCOUNTS, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'shop', namespace: ns.name },
        imagePullSecrets: [{ name: 'regcred' }],
      });
      for (const [name, image, nodeName] of [
        ['web', multiArch, node],
        ['payments', privateImage, undefined],
      ] as const) {
        await admin.create(PODS, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name, namespace: ns.name, labels: { tier: 'shop' } },
          spec: {
            serviceAccountName: 'shop',
            ...(nodeName ? { nodeName } : {}),
            containers: [{ name: 'app', image: image.reference }],
          },
        });
        // What the kubelet reports once the container runs: the digest it pulled by.
        await admin.patchStatus(
          PODS,
          { namespace: ns.name, name },
          {
            status: runningPodStatus([
              { name: 'app', image: image.reference, imageID: image.digestReference },
            ]),
          },
        );
      }
      await admin.create<ImageScanPolicy>(IMAGE_SCAN_POLICIES, {
        apiVersion: IMAGE_SCAN_POLICIES.apiVersion as ImageScanPolicy['apiVersion'],
        kind: 'ImageScanPolicy',
        metadata: { name: 'shop', namespace: ns.name },
        spec: {
          selector: { matchLabels: { tier: 'shop' } },
          severityThreshold: 'High',
          rescanInterval: '6h',
          ignoreUnfixed: false,
          notify: { slack: { webhookSecretRef: { name: 'slack', key: 'webhook' } } },
        },
      } as ImageScanPolicy);

      // A scan that fails for lack of permission is reported in a condition, not logged: end the run on it at once.
      let denied: string | undefined;
      await pollUntil(
        `reports, a Ready and Notifying ImageScanPolicy and a Slack message in ${ns.name}`,
        45_000,
        async () => {
          const policy = await admin.get<ImageScanPolicy>(IMAGE_SCAN_POLICIES, {
            namespace: ns.name,
            name: 'shop',
          });
          const conditions = policy?.status?.conditions ?? [];
          const refused = conditions.find((c) => c.status === 'False' && isPermissionError(c.message ?? ''));
          if (refused) {
            denied = `ImageScanPolicy ${ns.name}/shop is ${refused.type}=False: ${refused.message}`;
            return true;
          }
          const reports = await admin.list<VulnerabilityReport>(VULNERABILITY_REPORTS, ns.name);
          const web = reports.find((r) => r.image.repository === 'shop/web');
          return (
            reports.some((r) => r.image.repository === 'private/payments') &&
            web?.image.platform.architecture === 'arm64' &&
            web.image.digest === multiArch.manifestFor('arm64').digest &&
            conditions.some((c) => c.type === 'Ready' && c.status === 'True') &&
            conditions.some((c) => c.type === 'Notifying' && c.status === 'True') &&
            slack.bodies.some((body) => body.includes(ns.name))
          );
        },
        { signal },
      );
      if (denied) throw new Error(denied);
      if (controller.reconciles.error > 0) throw new Error(`${controller.reconciles.error} scans failed`);
    } finally {
      await controller.stop();
      // No kubelet confirms the deletion of a pod bound to a node: delete at once, or the namespace never goes.
      await env.runKubectl(['delete', 'pods', '--all', '-n', ns.name, '--grace-period=0', '--force']);
      await admin.delete(NODES, { name: node });
      // The next run's scanner watches every namespace: with the pods and the policy gone it has nothing to scan
      // here, so the namespace may terminate beside that run (the namespace controller holds each deletion 5 s).
      await admin.delete(IMAGE_SCAN_POLICIES, { namespace: ns.name, name: 'shop' });
      await ns.delete();
    }
  };

  /** The SDK part and the scanner side by side, as in the adapter's process; the first failure stops both. */
  const scenario = async (ctx: ScenarioContext) => {
    const stop = new AbortController();
    ctx.signal.addEventListener('abort', () => stop.abort(), { once: true });
    // The first failure is the cause; the other part then fails only because it was stopped.
    let cause: { error: unknown } | undefined;
    const stopOnFailure = (part: Promise<void>) =>
      part.catch((error: unknown) => {
        cause ??= { error };
        stop.abort();
      });
    // Both parts clean up before the run ends, so the next run never overlaps this one.
    await Promise.all([
      stopOnFailure(
        exerciseAdapter({
          admin: env.kubeConfig,
          kubeConfig: ctx.kubeConfig,
          declaration: clairScanDeclaration,
          namespace: work.name,
          leaseNamespace: ctx.namespace,
          // Its one kind, from its one intent: removing the rule halfway must delete the ImageScanPolicy.
          rules: [{ id: 'vulnerabilityScanning', rule: { action: 'Audit' } }],
          logger: ctx.logger,
          id: `r${ctx.run}`,
          signal: stop.signal,
        }),
      ),
      stopOnFailure(scanEverything(ctx, stop.signal)),
    ]);
    if (cause) throw cause.error;
  };

  it(
    'is enough for everything the adapter and its scanner do, and every rule is needed',
    async () => {
      try {
        const report = await checkLeastPrivilege({
          kubeConfig: env.kubeConfig,
          addUser: env.addUser,
          manifests: parseManifests(await env.runKubectl(['kustomize', DEPLOY])),
          serviceAccount: 'nimbus-clair',
          perNamespaceClusterRoles: [SECRET_READER],
          namespace: home.name,
          scenario,
          timeoutMs: 60_000,
        });
        expect(leastPrivilegeProblems(report, { minRules: 13 })).toEqual([]);
      } catch (error) {
        failed = true;
        throw error;
      }
    },
    // Sixteen runs; a failing one ends on its first 403, so this bound is only reached when something hangs.
    10 * 60_000,
  );
});
