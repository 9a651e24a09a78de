import { fileURLToPath } from 'node:url';
import type { KubernetesObject } from '@kubernetes/client-node';
import { exerciseAdapter } from '@nimbus-ts/adapter-sdk/testing';
import { crdDirectory as nimbusCrds } from '@nimbus-ts/api';
import {
  EVENTS,
  NAMESPACES,
  ObjectClient,
  PODS,
  SECRETS,
  SERVICE_ACCOUNTS,
  VALIDATING_WEBHOOK_CONFIGURATIONS,
} from '@nimbus-ts/k8s';
import {
  abortable,
  checkLeastPrivilege,
  freeLoopbackPorts,
  leastPrivilegeProblems,
  type PolicyRule,
  parseManifests,
  pollUntil,
  type ScenarioContext,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import type { ImageAdmissionPolicy } from '@nimbus-ts/scan-api';
import { crdDirectory, IMAGE_ADMISSION_POLICIES } from '@nimbus-ts/scan-api';
import {
  bindSecretReader,
  importVulnerabilityFile,
  type PushedImage,
  pushTestImage,
  type ScanStack,
} from '@nimbus-ts/scan-testenv';
import { BOOKWORM_OS_RELEASE, BOOKWORM_PACKAGES, OP1_FILE } from '@nimbus-ts/scan-testenv/bookworm';
import { sharedScanStack } from '@nimbus-ts/scan-testenv/vitest';
import { validatingWebhookConfiguration } from '@nimbus-ts/webhook';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admissionDeclaration } from '../../src/adapter.js';
import { admissionWebhooks, createAdmissionWebhook } from '../../src/webhook/admission-webhook.js';
import { webhookConfig } from '../../src/webhook/config.js';
import { RETIRED_CONFIGURATION } from '../../src/webhook/retired-configuration.js';

// The shipped RBAC of the admission adapter (deploy/adapter-admission/rbac.yaml), proven on the
// RBAC-enforcing control plane against a real Clair, PostgreSQL and registry: the adapter SDK builds, repairs and
// deletes ImageAdmissionPolicies from NimbusPolicies and announces itself; the webhook keeps its certificate
// Secret and its ValidatingWebhookConfiguration, serves ImageAdmissionPolicies and marks them Ready, records an
// Audit Event and scans a private image with the pull secret its pod's ServiceAccount names, and deletes the
// configuration its earlier version left under the retired name, all with exactly those rules and no 403; without any
// one of them a run fails.

const DEPLOY = fileURLToPath(new URL('../../../../deploy/adapter-admission', import.meta.url));
// The ClusterRole rbac.yaml ships unbound, for namespaces' owners to bind to the webhook (pull secrets).
const SECRET_READER = 'nimbus-admission-secret-reader';
const SERVICE_ACCOUNT = 'nimbus-admission';
const CREDENTIALS = { username: 'puller', password: 'webhook-rbac-password' };
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

interface Configuration extends KubernetesObject {
  webhooks: { name: string; failurePolicy: string; clientConfig: { caBundle?: string } }[];
}

/**
 * The manifests with the configurations' names in the webhook's resourceNames replaced as `names` says (shipped →
 * the test's): the control plane is shared with other test files, so the test keeps configurations of its own names.
 * (checkLeastPrivilege itself picks the roles bound to the webhook's ServiceAccount out of the directory.)
 */
function renameConfigurations(all: readonly KubernetesObject[], names: Readonly<Record<string, string>>) {
  return all.map((o) =>
    o.kind === 'ClusterRole' || o.kind === 'Role'
      ? {
          ...o,
          rules: ((o as { rules?: PolicyRule[] }).rules ?? []).map((rule) =>
            rule.resources?.includes('validatingwebhookconfigurations') && rule.resourceNames
              ? { ...rule, resourceNames: rule.resourceNames.map((n) => names[n] ?? n) }
              : rule,
          ),
        }
      : o,
  );
}

/**
 * Calls `step` until it returns true, like pollUntil; a step that returns a text has found the run failed, and the
 * wait ends at once with that text (pollUntil would take a thrown error for "not yet" and sit out its deadline).
 */
async function pollOrFail(
  what: string,
  timeoutMs: number,
  signal: AbortSignal,
  step: () => Promise<boolean | string>,
): Promise<void> {
  let failure: string | undefined;
  await pollUntil(
    what,
    timeoutMs,
    async () => {
      const outcome = await step();
      if (typeof outcome === 'string') failure = outcome;
      return outcome !== false;
    },
    { signal },
  );
  if (failure !== undefined) throw new Error(failure);
}

describe('the admission adapter’s RBAC (deploy/adapter-admission/rbac.yaml)', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'webhook-rbac-test');
  // One name for every run of this file, deleted after each run (the RBAC names it, so it cannot change per run).
  const suffix = Math.random().toString(36).slice(2, 7);
  const configurationName = `nimbus-admission-rbac-${suffix}`;
  // The configuration of the retired name, as the webhook's earlier version left it behind.
  const retiredName = `nimbus-clair-admission-rbac-${suffix}`;
  let home: TestNamespace;
  // Where every run's SDK part builds (names carry the run): exerciseAdapter deletes what it made, so no run waits
  // for a namespace of its own to terminate (the namespace controller holds each deletion 5 s before it starts).
  let built: TestNamespace;
  let stack: ScanStack;
  let privateImage: PushedImage;
  let failed = false;

  beforeAll(async () => {
    await env.installCRDs([nimbusCrds(), crdDirectory()]);
    home = await env.namespace('rbac-webhook');
    built = await env.namespace('rbac-admission');
    stack = await sharedScanStack({ registryAuth: CREDENTIALS });
    if (!stack.authRegistry) throw new Error('the stack was started with registryAuth');
    privateImage = await pushTestImage(stack.authRegistry, {
      repository: 'private/payments',
      tag: '2.0',
      osRelease: BOOKWORM_OS_RELEASE,
      dpkgPackages: BOOKWORM_PACKAGES,
    });
    await importVulnerabilityFile(stack, OP1_FILE);
  }, 15 * 60_000);

  afterAll(async () => {
    // Each run deletes it; this covers a run that never got that far.
    await admin.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: configurationName });
    await admin.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: retiredName });
    await built?.delete();
    await home?.delete();
    await stack?.stop({ keepDir: failed });
    if (failed && stack)
      process.stderr.write(`scan stack logs kept: ${Object.values(stack.logs).join(', ')}\n`);
  });

  const policy = (namespace: string, name: string, app: string, spec: Record<string, unknown>) =>
    admin.create<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES, {
      apiVersion: IMAGE_ADMISSION_POLICIES.apiVersion,
      kind: 'ImageAdmissionPolicy',
      metadata: { name, namespace },
      spec: { selector: { matchLabels: { app } }, ...spec },
    } as ImageAdmissionPolicy);
  const pod = (namespace: string, name: string, app: string, image: string, serviceAccountName?: string) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app } },
    spec: { ...(serviceAccountName ? { serviceAccountName } : {}), containers: [{ name: 'app', image }] },
  });
  /** Creates a Pod as admin, resolving with the API server's refusal message, or undefined when it was admitted. */
  const refusal = async (object: ReturnType<typeof pod>) => {
    try {
      await admin.create(PODS, object as KubernetesObject);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };

  /** What the pull-secret reads of the webhook's identity answer: the cause of an image refused as unscanned. */
  const pullSecretAccess = async (ctx: ScenarioContext, namespace: string) => {
    const identity = new ObjectClient(ctx.kubeConfig, 'webhook-rbac-diagnosis');
    const problems: string[] = [];
    for (const [resource, name] of [
      [SERVICE_ACCOUNTS, 'puller'],
      [SECRETS, 'regcred'],
    ] as const) {
      await identity.get(resource, { namespace, name }).catch((e: Error) => problems.push(e.message));
    }
    return problems.length > 0 ? problems.join('; ') : 'the webhook can read the pull secret';
  };

  /**
   * Everything the webhook does, in a work namespace of its own: its certificate Secret (found already there,
   * unlabelled, so it is created, re-read after the conflict, and updated), its configuration (created with the CA
   * bundle, then repaired after an edit), three ImageAdmissionPolicies (each Ready, reason Serving), a Pod with
   * nginx:latest refused, an Audit policy's Pod admitted with an Event, and a Pod whose image from the private
   * registry is scanned with the pull secret its ServiceAccount names and refused for Critical findings; and the
   * configuration an earlier version kept under the retired name, deleted once its own is in shape.
   */
  const webhookScenario = async (ctx: ScenarioContext, signal: AbortSignal) => {
    const work = await env.namespace(`rbac-webhook-r${ctx.run}`);
    const [port] = await freeLoopbackPorts(1);
    const config = webhookConfig({
      POD_NAMESPACE: ctx.namespace,
      WEBHOOK_PORT: String(port),
      WEBHOOK_URL: `https://127.0.0.1:${port}`,
      WEBHOOK_CONFIGURATION: configurationName,
      WEBHOOK_TIMEOUT_SECONDS: '15',
      CLAIR_URL: stack.clair.url,
      CLAIR_PSK_KEY: stack.clair.pskKey,
      CLAIR_PSK_ISSUER: stack.clair.issuer,
    });
    if (config.tls.kind !== 'self-managed') throw new Error('the test runs self-managed certificates');
    const secret = { namespace: ctx.namespace, name: config.tls.secretName };
    const webhook = createAdmissionWebhook(ctx.kubeConfig, {
      config,
      logger: ctx.logger,
      identity: `webhook-r${ctx.run}`,
      host: '127.0.0.1',
      retiredConfiguration: retiredName,
      // Only this run's namespace: the control plane is shared with other test files.
      namespaceSelector: {
        matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [work.name] }],
      },
    });
    try {
      // As if another replica, or a person, had made the Secret first.
      await admin.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: secret,
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': '', 'tls.key': '' },
      } as KubernetesObject);
      const host = stack.authRegistry?.host ?? '';
      await admin.create(SECRETS, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'regcred', namespace: work.name },
        type: 'kubernetes.io/dockerconfigjson',
        data: {
          '.dockerconfigjson': b64(
            JSON.stringify({
              auths: { [host]: { auth: b64(`${CREDENTIALS.username}:${CREDENTIALS.password}`) } },
            }),
          ),
        },
      } as KubernetesObject);
      await admin.create(SERVICE_ACCOUNTS, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'puller', namespace: work.name },
        imagePullSecrets: [{ name: 'regcred' }],
      } as KubernetesObject);
      await bindSecretReader(admin, ctx, work.name, SERVICE_ACCOUNT, SECRET_READER);
      // As the earlier version made it: owned by the webhook's namespace, pointing at its old Service. Its webhooks
      // select no namespace, so that it never refuses a pod of this shared control plane.
      const owner = await admin.get<KubernetesObject>(NAMESPACES, { name: ctx.namespace });
      await admin.create(
        VALIDATING_WEBHOOK_CONFIGURATIONS,
        validatingWebhookConfiguration({
          name: retiredName,
          namespace: { name: ctx.namespace, uid: owner?.metadata?.uid ?? '' },
          target: { service: { name: 'nimbus-clair-webhook', port: 443 } },
          webhooks: admissionWebhooks(
            { failurePolicy: 'Fail', timeoutSeconds: 10 },
            { matchLabels: { 'webhook-rbac.nimbus-ts.io/never': 'true' } },
          ),
        }),
      );
      await policy(work.name, 'tags', 'tags', { disallowLatestTag: { action: 'Block' } });
      await policy(work.name, 'audit', 'audit', { disallowLatestTag: { action: 'Audit' } });
      await policy(work.name, 'vuln', 'vuln', {
        blockVulnerableImages: {
          action: 'Block',
          severityThreshold: 'Critical',
          unscannedImages: 'Deny',
          scanTimeoutSeconds: 10,
        },
      });

      await abortable(webhook.start(), signal, 'the webhook to start');

      const configuration = () =>
        admin.get<Configuration>(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: configurationName });
      const created = await configuration();
      expect(created?.webhooks.length).toBeGreaterThan(0);
      for (const w of created?.webhooks ?? []) {
        expect(Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString()).toContain(
          'BEGIN CERTIFICATE',
        );
      }
      // The retired configuration goes once this one is in shape.
      await pollUntil(
        `the retired ValidatingWebhookConfiguration ${retiredName} to be deleted`,
        20_000,
        async () => !(await admin.get(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: retiredName })),
        { signal },
      );
      // Someone loosens it; the webhook puts it back.
      await admin.replace(VALIDATING_WEBHOOK_CONFIGURATIONS, {
        ...created,
        webhooks: created?.webhooks.map((w) => ({ ...w, failurePolicy: 'Ignore' })),
      } as Configuration);
      await pollUntil(
        `ValidatingWebhookConfiguration ${configurationName} to be repaired`,
        30_000,
        async () => (await configuration())?.webhooks.every((w) => w.failurePolicy === 'Fail') === true,
        { signal },
      );

      await pollUntil(
        `the ImageAdmissionPolicies of ${work.name} to be Ready (Serving)`,
        30_000,
        async () => {
          const policies = await admin.list<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES, work.name);
          return (
            policies.length === 3 &&
            policies.every((p) =>
              p.status?.conditions?.some(
                (c) => c.type === 'Ready' && c.status === 'True' && c.reason === 'Serving',
              ),
            )
          );
        },
        { signal },
      );

      // The API server picks up a new configuration within a moment: until it does, the pod is admitted.
      let attempt = 0;
      await pollOrFail(`the API server to refuse nginx:latest in ${work.name}`, 30_000, signal, async () => {
        const message = await refusal(pod(work.name, `latest-${attempt++}`, 'tags', 'nginx:latest'));
        if (message === undefined || /failed calling webhook/.test(message)) return false;
        if (/denied the request/.test(message) && message.includes('nginx:latest')) return true;
        return `Pod ${work.name}/latest-${attempt - 1} was refused for another reason: ${message}`;
      });

      expect(await refusal(pod(work.name, 'audited', 'audit', 'nginx:latest'))).toBeUndefined();
      await pollUntil(
        `the ImagePolicyAudit Event on Pod ${work.name}/audited`,
        30_000,
        async () =>
          (await admin.list<KubernetesObject & { reason?: string }>(EVENTS, work.name)).some(
            (e) =>
              e.reason === 'ImagePolicyAudit' &&
              (e as { involvedObject?: { name?: string } }).involvedObject?.name === 'audited',
          ),
        { signal },
      );

      // A scan that outlives the budget goes on, and the next request finds it: only that is worth a retry. Any
      // other refusal (a pull secret the webhook may not read shows here, as an unscanned image) ends the run.
      await pollOrFail(
        `the API server to refuse ${privateImage.reference} for its Critical findings`,
        60_000,
        signal,
        async () => {
          const message = await refusal(pod(work.name, 'payments', 'vuln', privateImage.reference, 'puller'));
          if (message === undefined)
            return `Pod ${work.name}/payments with ${privateImage.reference} was admitted`;
          if (/no scan result within/.test(message)) return false;
          if (/Critical/.test(message) && message.includes(privateImage.reference)) return true;
          return (
            `Pod ${work.name}/payments was refused for another reason than its Critical findings: ${message} ` +
            `(reading its pull secret as the webhook: ${await pullSecretAccess(ctx, work.name)})`
          );
        },
      );
    } finally {
      await webhook.stop();
      // The webhook never deletes its configuration: delete it, or a fail-closed webhook outlives the run.
      await admin.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: configurationName });
      await admin.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: retiredName });
      await admin.delete(SECRETS, secret);
      // The next run's webhook watches ImageAdmissionPolicies everywhere: delete these now, so it never sees them in
      // a terminating namespace (where writing their status is refused), and let the namespace go without waiting.
      for (const name of ['tags', 'audit', 'vuln'])
        await admin.delete(IMAGE_ADMISSION_POLICIES, { namespace: work.name, name });
      await work.delete();
    }
  };

  /**
   * The SDK part, then the webhook, with the one identity of the adapter's process. One after the other: the SDK's
   * ImageAdmissionPolicies would change the namespaces the webhook's configuration covers while the webhook part
   * edits that configuration.
   */
  const scenario = async (ctx: ScenarioContext) => {
    // The builder works in a namespace of its own, so that the webhook's part sees only its own policies.
    await exerciseAdapter({
      admin: env.kubeConfig,
      kubeConfig: ctx.kubeConfig,
      declaration: admissionDeclaration,
      namespace: built.name,
      leaseNamespace: ctx.namespace,
      // Every admission rule folds into one ImageAdmissionPolicy: with its one rule removed halfway, it must go.
      rules: [{ id: 'disallowLatestTag', rule: { action: 'Block' } }],
      logger: ctx.logger,
      id: `r${ctx.run}`,
      signal: ctx.signal,
    });
    await webhookScenario(ctx, ctx.signal);
  };

  it(
    'is enough for everything the adapter and its webhook do, and every rule is needed',
    async () => {
      try {
        const shipped = webhookConfig({ POD_NAMESPACE: 'nimbus-system' }).configuration?.name ?? '';
        const manifests = renameConfigurations(parseManifests(await env.runKubectl(['kustomize', DEPLOY])), {
          [shipped]: configurationName,
          [RETIRED_CONFIGURATION]: retiredName,
        });
        const report = await checkLeastPrivilege({
          kubeConfig: env.kubeConfig,
          addUser: env.addUser,
          manifests,
          serviceAccount: SERVICE_ACCOUNT,
          perNamespaceClusterRoles: [SECRET_READER],
          namespace: home.name,
          scenario,
          timeoutMs: 90_000,
        });
        expect(leastPrivilegeProblems(report, { minRules: 17 })).toEqual([]);
      } catch (error) {
        failed = true;
        throw error;
      }
    },
    // Eighteen runs; a failing one ends on its first 403, so this bound is only reached when something hangs.
    15 * 60_000,
  );
});
