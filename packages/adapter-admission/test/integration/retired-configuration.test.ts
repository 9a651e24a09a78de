import type { V1Namespace } from '@kubernetes/client-node';
import {
  Backoff,
  createLogger,
  NAMESPACES,
  ObjectClient,
  VALIDATING_WEBHOOK_CONFIGURATIONS,
} from '@nimbus-ts/k8s';
import { freeLoopbackPorts, pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { crdDirectory } from '@nimbus-ts/scan-api';
import { validatingWebhookConfiguration } from '@nimbus-ts/webhook';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdmissionWebhook,
  admissionWebhooks,
  createAdmissionWebhook,
} from '../../src/webhook/admission-webhook.js';
import { webhookConfig } from '../../src/webhook/config.js';
import { RetiredConfigurationRemover } from '../../src/webhook/retired-configuration-remover.js';

// The upgrade from the webhook's earlier objects (Deployment nimbus-clair-webhook, configuration
// nimbus-clair-admission) on a real API server: the configuration the earlier version left behind would send pods to
// a Service that is gone, so the new webhook deletes it once its own is in shape, again if a dying old replica
// re-creates it, and never one that is not its own. The control plane is shared with other test files, so the
// retired name is this file's own (the webhook takes it as an option) and every webhook here selects no namespace.

const logger = createLogger('retired-configuration-test', { level: 'warn' });

describe('the configuration of the retired name', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'retired-configuration-test');
  const suffix = Math.random().toString(36).slice(2, 7);
  const retiredName = `nimbus-clair-admission-${suffix}`;
  const configurationName = `nimbus-admission-${suffix}`;
  let home: TestNamespace;
  let elsewhere: TestNamespace;
  let webhook: AdmissionWebhook | undefined;
  let remover: RetiredConfigurationRemover | undefined;

  /** Creates the retired configuration as the earlier version made it, owned by `owner`. */
  const leaveBehind = async (owner: TestNamespace) => {
    const ns = await admin.get<V1Namespace>(NAMESPACES, { name: owner.name });
    await admin.create(
      VALIDATING_WEBHOOK_CONFIGURATIONS,
      validatingWebhookConfiguration({
        name: retiredName,
        namespace: { name: owner.name, uid: ns?.metadata?.uid ?? '' },
        target: { service: { name: 'nimbus-clair-webhook', port: 443 } },
        // Selects no namespace: it must never refuse a pod of this shared control plane.
        webhooks: admissionWebhooks(
          { failurePolicy: 'Fail', timeoutSeconds: 10 },
          { matchLabels: { 'retired-configuration-test.nimbus-ts.io/never': 'true' } },
        ),
      }),
    );
  };
  const exists = async (name: string) =>
    (await admin.get(VALIDATING_WEBHOOK_CONFIGURATIONS, { name })) !== undefined;

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    home = await env.namespace('retired-home');
    elsewhere = await env.namespace('retired-elsewhere');
  });
  afterEach(async () => {
    await webhook?.stop();
    await remover?.stop();
    webhook = undefined;
    remover = undefined;
    await admin.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: retiredName });
    await admin.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: configurationName });
  });
  afterAll(async () => {
    await home?.delete();
    await elsewhere?.delete();
  });

  it('is deleted once the new configuration is in shape, and again when an old replica re-creates it', async () => {
    await leaveBehind(home);
    const [port] = await freeLoopbackPorts(1);
    webhook = createAdmissionWebhook(env.kubeConfig, {
      config: webhookConfig({
        POD_NAMESPACE: home.name,
        WEBHOOK_PORT: String(port),
        WEBHOOK_URL: `https://127.0.0.1:${port}`,
        WEBHOOK_CONFIGURATION: configurationName,
      }),
      logger,
      host: '127.0.0.1',
      retiredConfiguration: retiredName,
      namespaceSelector: { matchLabels: { 'retired-configuration-test.nimbus-ts.io/never': 'true' } },
    });
    await webhook.start();

    await pollUntil(`${retiredName} to be deleted`, 20_000, async () => !(await exists(retiredName)));
    // Never a moment without a configuration that answers.
    expect(await exists(configurationName)).toBe(true);

    // A replica of the old Deployment that is still stopping keeps its configuration and re-creates it.
    await leaveBehind(home);
    await pollUntil(`${retiredName} to be deleted again`, 20_000, async () => !(await exists(retiredName)));
    expect(await exists(configurationName)).toBe(true);
  });

  it('is left alone when it is not this webhook’s (another namespace owns it)', async () => {
    await leaveBehind(elsewhere);
    remover = new RetiredConfigurationRemover(new ObjectClient(env.kubeConfig, 'retired-remover'), {
      name: retiredName,
      replacement: configurationName,
      namespace: home.name,
      webhookNames: admissionWebhooks({ failurePolicy: 'Fail', timeoutSeconds: 10 }).map((w) => w.name),
      backoff: new Backoff({ initialMs: 50, maxMs: 200 }),
      logger,
    });
    await remover.start();
    await pollUntil(
      'the remover to judge the configuration',
      20_000,
      async () => (remover?.judgements ?? 0) >= 1,
    );
    expect(remover.deletions).toBe(0);
    expect(await exists(retiredName)).toBe(true);

    // The same name, now owned by the webhook's namespace: it is the remover's to delete.
    await admin.delete(VALIDATING_WEBHOOK_CONFIGURATIONS, { name: retiredName });
    await leaveBehind(home);
    // Waits on the remover's own count, not on the name being gone: the API server removes the object before the
    // remover has read the answer to its delete, so a read in between saw it gone with the count still at 0.
    await pollUntil('the remover to delete it', 20_000, async () => (remover?.deletions ?? 0) >= 1);
    expect(remover.deletions).toBe(1);
    expect(await exists(retiredName)).toBe(false);
  });
});
