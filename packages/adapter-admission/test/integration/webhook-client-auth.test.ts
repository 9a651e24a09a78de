import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crdDirectory as nimbusCrds } from '@nimbus-ts/api';
import { NAMESPACES, ObjectClient, PODS } from '@nimbus-ts/k8s';
import {
  type CertificateAuthority,
  type ComponentProcess,
  type ControlPlane,
  createCertificateAuthority,
  freeLoopbackPorts,
  type KeyPairPem,
  pollUntil,
  startComponentProcess,
  startControlPlane,
} from '@nimbus-ts/k8s/testing';
import type { ImageAdmissionPolicy } from '@nimbus-ts/scan-api';
import { crdDirectory, IMAGE_ADMISSION_POLICIES } from '@nimbus-ts/scan-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The webhook authenticates the API server: kube-apiserver is started with an admission configuration whose
// kubeConfigFile gives it a client certificate for the webhook's host (what self-managed control planes such as
// kubeadm, kind and k3s can set), and the webhook process, run as deployed, serves only callers presenting a
// certificate of that CA with that name. It needs its own control plane: the configuration is an apiserver flag.

const WEBHOOK_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const API_SERVER_NAME = 'kube-apiserver-webhook-client';

/** POSTs an empty object to the webhook as a pod could, with `client` as its certificate; resolves to the outcome. */
function callDirectly(port: number, client?: KeyPairPem): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/validate',
        headers: { 'content-type': 'application/json' },
        rejectUnauthorized: false,
        agent: false,
        ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(`HTTP ${res.statusCode}`));
      },
    );
    req.on('error', (error) => resolve(`refused: ${error.message}`));
    req.end('{}');
  });
}

describe('the webhook, authenticating the API server by client certificate', () => {
  let dir: string;
  let cp: ControlPlane | undefined;
  let webhook: ComponentProcess | undefined;
  let admin: ObjectClient;
  let callers: CertificateAuthority;
  let port = 0;

  const create = async (name: string, image: string) => {
    try {
      await admin.create(PODS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'shop' },
        spec: { containers: [{ name: 'app', image }] },
      });
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nimbus-webhook-client-auth-'));
    [port = 0] = await freeLoopbackPorts(1);
    callers = await createCertificateAuthority('nimbus-ts webhook callers CA');
    const apiServerCert = await callers.issueClient(API_SERVER_NAME, []);
    const file = async (name: string, text: string) => {
      const path = join(dir, name);
      await writeFile(path, text, { mode: 0o600 });
      return path;
    };
    // The admission plugin's kubeconfig: the user named after the webhook's host:port is what the API server
    // presents to it.
    const kubeconfig = await file(
      'webhook-clients.kubeconfig',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        users: [
          {
            name: `127.0.0.1:${port}`,
            user: {
              'client-certificate': await file('client.crt', apiServerCert.certPem),
              'client-key': await file('client.key', apiServerCert.keyPem),
            },
          },
        ],
      }),
    );
    const admissionConfig = await file(
      'admission.json',
      JSON.stringify({
        apiVersion: 'apiserver.config.k8s.io/v1',
        kind: 'AdmissionConfiguration',
        plugins: [
          {
            name: 'ValidatingAdmissionWebhook',
            configuration: {
              apiVersion: 'apiserver.config.k8s.io/v1',
              kind: 'WebhookAdmissionConfiguration',
              kubeConfigFile: kubeconfig,
            },
          },
        ],
      }),
    );
    cp = await startControlPlane({
      controllerManager: false,
      apiServerFlags: { 'admission-control-config-file': admissionConfig },
    });
    admin = new ObjectClient(cp.kubeConfig, 'client-auth-test');
    await cp.installCRDs([nimbusCrds(), crdDirectory()]);
    for (const name of ['nimbus-system', 'shop']) {
      await admin.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
    await admin.create<ImageAdmissionPolicy>(IMAGE_ADMISSION_POLICIES, {
      apiVersion: IMAGE_ADMISSION_POLICIES.apiVersion,
      kind: 'ImageAdmissionPolicy',
      metadata: { name: 'pinned', namespace: 'shop' },
      spec: { selector: {}, disallowLatestTag: { action: 'Block' } },
    } as ImageAdmissionPolicy);
    webhook = startComponentProcess(
      WEBHOOK_MAIN,
      [`--kubeconfig=${cp.kubeconfigPath}`, '--leader-elect=false', '--metrics-port=0', '--probe-port=0'],
      {
        env: {
          POD_NAMESPACE: 'nimbus-system',
          WEBHOOK_PORT: String(port),
          WEBHOOK_URL: `https://127.0.0.1:${port}`,
          WEBHOOK_CLIENT_CA_FILE: await file('callers-ca.crt', callers.certPem),
          WEBHOOK_CLIENT_NAMES: API_SERVER_NAME,
        },
      },
    );
    await pollUntil('the API server to call the webhook', 60_000, async () =>
      (await create(`probe-${Date.now()}`, 'nginx:latest'))?.includes('denied the request'),
    );
  }, 10 * 60_000);
  afterAll(async () => {
    await webhook?.stop('SIGKILL');
    await cp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers the API server, which presents its certificate', async () => {
    const message = await create('latest', 'nginx:latest');
    expect(message).toContain('admission webhook "pods.images.scanning.nimbus-ts.io" denied the request');
    expect(message).toMatch(/mutable tag latest/);
    expect(await create('pinned', 'nginx:1.27.3')).toBeUndefined();
  });

  it('refuses any other caller: without a certificate, with another CA’s, or with another name', async () => {
    expect(await callDirectly(port)).toMatch(/^refused: /);
    const stranger = await (await createCertificateAuthority('some other CA')).issueClient(
      API_SERVER_NAME,
      [],
    );
    expect(await callDirectly(port, stranger)).toMatch(/^refused: /);
    expect(await callDirectly(port, await callers.issueClient('some-pod', []))).toBe('HTTP 403');
  });
});
