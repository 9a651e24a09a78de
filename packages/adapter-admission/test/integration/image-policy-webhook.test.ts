import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, NAMESPACES, ObjectClient, PODS } from '@nimbus-ts/k8s';
import {
  type ControlPlane,
  createCertificateAuthority,
  freeLoopbackPorts,
  startControlPlane,
} from '@nimbus-ts/k8s/testing';
import type { ImageAdmissionPolicy } from '@nimbus-ts/scan-api';
import { crdDirectory, IMAGE_ADMISSION_POLICIES } from '@nimbus-ts/scan-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdmissionWebhook, createAdmissionWebhook } from '../../src/webhook/admission-webhook.js';
import { webhookConfig } from '../../src/webhook/config.js';

// The other admission path: a kube-apiserver started with the ImagePolicyWebhook plugin and an admission
// configuration pointing at the webhook's /imagepolicy. Clusters that configure the apiserver this way get the
// same decisions without a ValidatingWebhookConfiguration. It needs its own control plane (the plugin is an
// apiserver flag), started after the webhook's address and certificate are known.

describe('the ImagePolicyWebhook path', () => {
  let dir: string;
  let cp: ControlPlane | undefined;
  let webhook: AdmissionWebhook | undefined;
  let admin: ObjectClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nimbus-imagepolicy-'));
    const [port] = await freeLoopbackPorts(1);
    const ca = await createCertificateAuthority('nimbus-ts imagepolicy test CA');
    const serving = await ca.issueServing(['127.0.0.1']);
    const client = await ca.issueClient('kube-apiserver', []);
    const file = async (name: string, text: string) => {
      const path = join(dir, name);
      await writeFile(path, text, { mode: 0o600 });
      return path;
    };
    const caFile = await file('ca.crt', ca.certPem);
    const certFile = await file('tls.crt', serving.certPem);
    const keyFile = await file('tls.key', serving.keyPem);
    // The plugin's kubeconfig: the backend is the "cluster", the apiserver the "user".
    const kubeconfig = await file(
      'imagepolicy.kubeconfig',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'nimbus',
            cluster: { server: `https://127.0.0.1:${port}/imagepolicy`, 'certificate-authority': caFile },
          },
        ],
        users: [
          {
            name: 'kube-apiserver',
            user: {
              'client-certificate': await file('client.crt', client.certPem),
              'client-key': await file('client.key', client.keyPem),
            },
          },
        ],
        contexts: [{ name: 'nimbus', context: { cluster: 'nimbus', user: 'kube-apiserver' } }],
        'current-context': 'nimbus',
      }),
    );
    const admissionConfig = await file(
      'admission.json',
      JSON.stringify({
        apiVersion: 'apiserver.config.k8s.io/v1',
        kind: 'AdmissionConfiguration',
        plugins: [
          {
            name: 'ImagePolicyWebhook',
            configuration: {
              imagePolicy: {
                kubeConfigFile: kubeconfig,
                allowTTL: 50,
                denyTTL: 50,
                retryBackoff: 500,
                // Fail closed: an unreachable backend must not wave images through in this test.
                defaultAllow: false,
              },
            },
          },
        ],
      }),
    );
    cp = await startControlPlane({
      controllerManager: false,
      apiServerFlags: {
        'enable-admission-plugins': 'OwnerReferencesPermissionEnforcement,ImagePolicyWebhook',
        'admission-control-config-file': admissionConfig,
      },
    });
    admin = new ObjectClient(cp.kubeConfig, 'imagepolicy-test');
    await cp.installCRDs([crdDirectory()]);
    for (const name of ['nimbus-system', 'shop']) {
      await admin.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    await admin.create<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES, {
      apiVersion: IMAGE_ADMISSION_POLICIES.apiVersion,
      kind: 'ImageAdmissionPolicy',
      metadata: { name: 'pinned', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'web' } }, disallowLatestTag: { action: 'Block' } },
    } as ImageAdmissionPolicy);
    webhook = createAdmissionWebhook(cp.kubeConfig, {
      config: webhookConfig({
        POD_NAMESPACE: 'nimbus-system',
        WEBHOOK_PORT: String(port),
        WEBHOOK_TLS_CERT_FILE: certFile,
        WEBHOOK_TLS_KEY_FILE: keyFile,
        // The apiserver reaches this webhook through its admission configuration, not a ValidatingWebhookConfiguration.
        WEBHOOK_MANAGE_CONFIGURATION: 'false',
      }),
      logger: createLogger('nimbus-admission', { level: 'warn' }),
      host: '127.0.0.1',
    });
    await webhook.start();
  }, 10 * 60_000);
  afterAll(async () => {
    await webhook?.stop();
    await cp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const create = async (name: string, image: string) => {
    try {
      await admin.create(PODS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'shop', labels: { app: 'web' } },
        spec: { containers: [{ name: 'app', image }] },
      });
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('denies nginx:latest through the plugin with our reason, and admits a pinned tag', async () => {
    const message = await create('latest', 'nginx:latest');
    // Kubernetes' own wording (older releases spell it "webook"), then ours.
    expect(message).toMatch(/image policy webh?ook backend denied one or more images: image nginx:latest/);
    expect(message).toContain('nginx:latest');
    expect(message).toMatch(/mutable tag latest/);
    expect(await create('pinned', 'nginx:1.27.3')).toBeUndefined();
  });
});
