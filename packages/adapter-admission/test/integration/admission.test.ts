import { execFile } from 'node:child_process';
import { crdDirectory as nimbusCrds } from '@nimbus-ts/api';
import {
  ControllerMetrics,
  createLogger,
  DEPLOYMENTS,
  EVENTS,
  ObjectClient,
  PODS,
  type ResourceType,
  VALIDATING_WEBHOOK_CONFIGURATIONS,
} from '@nimbus-ts/k8s';
import { freeLoopbackPorts, pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import type { ImageAdmissionPolicy } from '@nimbus-ts/scan-api';
import { crdDirectory, IMAGE_ADMISSION_POLICIES } from '@nimbus-ts/scan-api';
import {
  importVulnerabilityFile,
  type PushedImage,
  pushTestImage,
  type ScanStack,
} from '@nimbus-ts/scan-testenv';
import { BOOKWORM_OS_RELEASE, BOOKWORM_PACKAGES, OP1_FILE } from '@nimbus-ts/scan-testenv/bookworm';
import { sharedScanStack } from '@nimbus-ts/scan-testenv/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdmissionWebhook, createAdmissionWebhook } from '../../src/webhook/admission-webhook.js';
import { webhookConfig } from '../../src/webhook/config.js';

// Image admission through the real kube-apiserver: the webhook (certificates in a Secret it keeps, its own
// ValidatingWebhookConfiguration pointing at it by URL) decides Pods and Deployments that the API server sends it,
// with real Clair scanning images that were never scanned before.

describe('the image admission webhook, through the API server', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'admission-test');
  const suffix = Math.random().toString(36).slice(2, 7);
  const configurationName = `nimbus-admission-${suffix}`;
  let home: TestNamespace;
  let tags: TestNamespace;
  let audit: TestNamespace;
  let vuln: TestNamespace;
  let stack: ScanStack;
  let vulnerable: PushedImage;
  let clean: PushedImage;
  let privateImage: PushedImage;
  let webhook: AdmissionWebhook | undefined;
  // What the process serves on /metrics.
  const metrics = new ControllerMetrics('nimbus_clair_webhook');

  const policy = (namespace: string, name: string, spec: Record<string, unknown>) =>
    admin.create<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES, {
      apiVersion: IMAGE_ADMISSION_POLICIES.apiVersion,
      kind: 'ImageAdmissionPolicy',
      metadata: { name, namespace },
      spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
    } as ImageAdmissionPolicy);
  const pod = (namespace: string, name: string, image: string, app = 'web') => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app } },
    spec: { containers: [{ name: 'app', image }] },
  });
  /** Creates an object, resolving with the API server's refusal message, or undefined when it was admitted. */
  const refusal = async (resource: ResourceType, object: { metadata: { namespace: string } }) => {
    try {
      await admin.create(resource, object as never);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    home = await env.namespace('adm-home');
    tags = await env.namespace('adm-tags');
    audit = await env.namespace('adm-audit');
    vuln = await env.namespace('adm-vuln');
    stack = await sharedScanStack({
      registryAuth: { username: 'puller', password: 'admission-test-password' },
    });
    await importVulnerabilityFile(stack, OP1_FILE);
    vulnerable = await pushTestImage(stack.registry, {
      repository: 'shop/vulnerable',
      tag: '1.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
    });
    clean = await pushTestImage(stack.registry, {
      repository: 'shop/clean',
      tag: '1.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: [{ name: 'base-files', version: '12.4+deb12u5' }],
    });
    if (!stack.authRegistry) throw new Error('the stack was started with registryAuth');
    privateImage = await pushTestImage(stack.authRegistry, {
      repository: 'private/payments',
      tag: '2.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
    });

    await policy(tags.name, 'tags', {
      disallowLatestTag: { action: 'Block' },
      allowedRegistries: { action: 'Block', registries: ['docker.io/library', stack.registry.host] },
    });
    await policy(audit.name, 'audit', { disallowLatestTag: { action: 'Audit' } });
    await policy(vuln.name, 'vuln', {
      blockVulnerableImages: {
        action: 'Block',
        severityThreshold: 'Critical',
        unscannedImages: 'Deny',
        scanTimeoutSeconds: 10,
      },
    });

    const [port] = await freeLoopbackPorts(1);
    const config = webhookConfig({
      POD_NAMESPACE: home.name,
      WEBHOOK_PORT: String(port),
      WEBHOOK_URL: `https://127.0.0.1:${port}`,
      WEBHOOK_CONFIGURATION: configurationName,
      WEBHOOK_TIMEOUT_SECONDS: '15',
      CLAIR_URL: stack.clair.url,
      CLAIR_PSK_KEY: stack.clair.pskKey,
      CLAIR_PSK_ISSUER: stack.clair.issuer,
    });
    webhook = createAdmissionWebhook(env.kubeConfig, {
      config,
      logger: createLogger('nimbus-admission', { level: 'warn' }),
      metrics,
      host: '127.0.0.1',
      // Only this test's namespaces: the control plane is shared with other test files.
      namespaceSelector: {
        matchExpressions: [
          { key: 'kubernetes.io/metadata.name', operator: 'In', values: [tags.name, audit.name, vuln.name] },
        ],
      },
    });
    await webhook.start();
    // The API server picks up a new webhook configuration within a moment: wait until it calls us.
    await pollUntil('the API server to call the webhook', 30_000, async () => {
      const message = await refusal(PODS, { ...pod(tags.name, `probe-${Date.now()}`, 'nginx:latest') });
      return message?.includes('denied the request') === true;
    });
  }, 15 * 60_000);
  afterAll(async () => {
    await webhook?.stop();
    // The keeper never deletes its configuration (a stopping replica must not disarm the others): the test does.
    await admin.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: configurationName });
    for (const ns of [tags, audit, vuln, home]) await ns?.delete();
    await stack?.stop();
  });

  it('keeps a ValidatingWebhookConfiguration with its CA bundle that exempts its own namespace and kube-system', async () => {
    const vwc = await admin.get<
      {
        webhooks: {
          name: string;
          failurePolicy: string;
          clientConfig: { url?: string; caBundle?: string };
          namespaceSelector: { matchExpressions: { key: string; operator: string; values: string[] }[] };
        }[];
      } & {
        apiVersion: string;
        kind: string;
        metadata: { ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string }[] };
      }
    >(VALIDATING_WEBHOOK_CONFIGURATIONS, {
      name: configurationName,
    });
    expect(vwc?.webhooks.map((w) => w.name)).toEqual([
      'pods.images.scanning.nimbus-ts.io',
      'workloads.images.scanning.nimbus-ts.io',
    ]);
    for (const w of vwc?.webhooks ?? []) {
      expect(w.failurePolicy).toBe('Fail');
      expect(Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString()).toContain('BEGIN CERTIFICATE');
      expect(w.namespaceSelector.matchExpressions).toContainEqual({
        key: 'kubernetes.io/metadata.name',
        operator: 'NotIn',
        values: expect.arrayContaining([home.name, 'kube-system']),
      });
    }
    expect(vwc?.metadata.ownerReferences).toMatchObject([{ kind: 'Namespace', name: home.name }]);
  });

  it('refuses nginx:latest with a message naming the image and why, and admits a pinned tag', async () => {
    const message = await refusal(PODS, pod(tags.name, 'latest', 'nginx:latest'));
    expect(message).toContain('admission webhook "pods.images.scanning.nimbus-ts.io" denied the request');
    expect(message).toContain('nginx:latest');
    expect(message).toMatch(/mutable tag latest/);
    expect(await refusal(PODS, pod(tags.name, 'pinned', 'nginx:1.27.3'))).toBeUndefined();
    // A pod the policy does not select is not its business.
    expect(await refusal(PODS, pod(tags.name, 'other', 'nginx:latest', 'other'))).toBeUndefined();
  });

  it('refuses a Deployment whose pod template breaks the rules, listing each offending image', async () => {
    const message = await refusal(DEPLOYMENTS, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: tags.name },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [
              { name: 'web', image: 'nginx' },
              { name: 'exporter', image: 'quay.io/prometheus/node-exporter:v1.8.2' },
            ],
          },
        },
      },
    } as never);
    expect(message).toContain(
      'admission webhook "workloads.images.scanning.nimbus-ts.io" denied the request',
    );
    expect(message).toContain('container web');
    expect(message).toContain('container exporter');
    expect(message).toContain('quay.io');
    expect(await admin.get(DEPLOYMENTS, { namespace: tags.name, name: 'web' })).toBeUndefined();
  });

  it('counts the API server’s calls on /metrics under path="/validate", though it calls /validate?timeout=15s', async () => {
    const served = async () =>
      (await metrics.registry.getSingleMetric('nimbus_clair_webhook_requests_total')?.get())?.values ?? [];
    const validated = async () =>
      (await served()).find((v) => v.labels.path === '/validate' && v.labels.code === '200')?.value ?? 0;
    const before = await validated();
    expect(await refusal(PODS, pod(tags.name, 'counted', 'nginx:latest'))).toContain('denied the request');
    await pollUntil('the admission call to be counted', 10_000, async () => (await validated()) > before);
    // Every call so far came from the API server: none of them is "other".
    expect((await served()).filter((v) => v.labels.path !== '/validate')).toEqual([]);
    expect(await metrics.registry.metrics()).toMatch(
      /^nimbus_clair_webhook_request_duration_seconds_count\{path="\/validate"\} \d+$/m,
    );
  });

  it('admits under Audit with a warning kubectl prints, and records an Event', async () => {
    const manifest = JSON.stringify(pod(audit.name, 'audited', 'nginx:latest'));
    const { stderr } = await execKubectl(['create', '-f', '-'], manifest);
    expect(stderr).toMatch(/Warning: .*nginx:latest.*latest/);
    expect(await admin.get(PODS, { namespace: audit.name, name: 'audited' })).toBeDefined();
    await pollUntil('the audit Event', 30_000, async () =>
      (
        await admin.list<{ reason?: string; message?: string } & { apiVersion: string; kind: string }>(
          EVENTS,
          audit.name,
        )
      ).some((e) => e.reason === 'ImagePolicyAudit' && e.message?.includes('nginx:latest') === true),
    );
  });

  it('scans an image on admission: refuses one with Critical vulnerabilities from the fixture, admits a clean one', async () => {
    const message = await refusal(PODS, pod(vuln.name, 'vulnerable', vulnerable.reference));
    expect(message).toContain(vulnerable.reference);
    expect(message).toMatch(/has 2 Critical vulnerabilities \(CVE-2099-1001/);
    expect(await refusal(PODS, pod(vuln.name, 'clean', clean.reference))).toBeUndefined();
    // An image that cannot be read is unscanned, and this policy denies unscanned images.
    const missing = await refusal(PODS, pod(vuln.name, 'missing', `${stack.registry.host}/shop/nope:1.0`));
    expect(missing).toMatch(/has not been scanned for vulnerabilities yet \(reading the manifest failed/);
    expect(missing?.split('shop/nope:1.0')).toHaveLength(2); // the image is named once
  });

  it('refuses an image the registry will not serve without a pull secret, naming the pull secret as the fix', async () => {
    const host = stack.authRegistry?.host ?? '';
    const message = await refusal(PODS, pod(vuln.name, 'private', privateImage.reference));
    expect(message).toContain(
      `image ${privateImage.reference} could not be read from ${host} with the credentials available (`,
    );
    expect(message).toContain(
      `unscannedImages is Deny: give the pod or its ServiceAccount an imagePullSecret for ${host} that can pull it (policy vuln, blockVulnerableImages)`,
    );
    expect(message).not.toContain('retry once the scan has finished');
  });

  it('marks each ImageAdmissionPolicy Ready once it is served', async () => {
    await pollUntil('Ready policies', 30_000, async () => {
      const policies = await Promise.all(
        [
          [tags.name, 'tags'],
          [audit.name, 'audit'],
          [vuln.name, 'vuln'],
        ].map(([namespace, name]) =>
          admin.get<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES, {
            namespace: namespace as string,
            name: name as string,
          }),
        ),
      );
      return policies.every((p) =>
        p?.status?.conditions?.some(
          (c) => c.type === 'Ready' && c.status === 'True' && c.reason === 'Serving',
        ),
      );
    });
  });

  /** kubectl as admin with stdin, returning both streams (warnings go to stderr). */
  async function execKubectl(args: string[], stdin: string): Promise<{ stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        env.kubectl,
        [`--kubeconfig=${env.kubeconfigPath}`, ...args],
        (error, stdout, stderr) =>
          error ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr}`)) : resolve({ stdout, stderr }),
      );
      child.stdin?.end(stdin);
    });
  }
});
