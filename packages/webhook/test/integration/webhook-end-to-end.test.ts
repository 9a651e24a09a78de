import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import {
  createLogger,
  NAMESPACES,
  ObjectClient,
  VALIDATING_WEBHOOK_CONFIGURATIONS as VWC,
} from '@nimbus-ts/k8s';
import type { TestNamespace } from '@nimbus-ts/k8s/testing';
import { pollUntil } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SelfManagedCertificates } from '../../src/self-managed-certificates.js';
import { WebhookConfigurationKeeper } from '../../src/webhook-configuration-keeper.js';

/** What the webhook saw of one AdmissionReview request. */
interface Seen {
  readonly uid: string;
  readonly kind: string;
  readonly operation: string;
  readonly namespace: string;
  readonly name: string;
}

/** The rights the components document, granted to a user that has no others. */
async function grantDocumentedRights(env: ReturnType<typeof envtest>, user: string, namespace: string) {
  const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  const subjects = [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }];
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: 'webhook-certificates' },
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update'] },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'webhook-certificates' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'webhook-certificates' },
      subjects,
    },
  });
  await rbac.createClusterRole({
    body: {
      metadata: { name: `webhook-configuration-${namespace}` },
      rules: [
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['validatingwebhookconfigurations'],
          verbs: ['get', 'list', 'watch', 'create', 'update'],
        },
        { apiGroups: [''], resources: ['namespaces'], resourceNames: [namespace], verbs: ['get'] },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: `webhook-configuration-${namespace}` },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: `webhook-configuration-${namespace}`,
      },
      subjects,
    },
  });
  return async () => {
    await rbac.deleteClusterRoleBinding({ name: `webhook-configuration-${namespace}` });
    await rbac.deleteClusterRole({ name: `webhook-configuration-${namespace}` });
  };
}

describe('an HTTPS webhook with self-managed certificates and a kept configuration', () => {
  const env = envtest();
  const admin = new ObjectClient(env.kubeConfig, 'webhook-e2e-admin');
  const logger = createLogger('test', { level: 'error' });
  const seen: Seen[] = [];
  let home: TestNamespace;
  let target: TestNamespace;
  let server: Server | undefined;
  let certs: SelfManagedCertificates | undefined;
  let keeper: WebhookConfigurationKeeper | undefined;
  let revokeRights: (() => Promise<void>) | undefined;
  const configName = 'webhook-e2e-configmaps';

  beforeAll(async () => {
    home = await env.namespace('webhook-home');
    target = await env.namespace('webhook-target');
    const user = await env.addUser('webhook-e2e');
    revokeRights = await grantDocumentedRights(env, user.name, home.name);
    const client = new ObjectClient(user.kubeConfig, 'webhook-e2e');
    await pollUntil(
      'the RoleBindings to take effect',
      30_000,
      async () => (await client.get(NAMESPACES, { name: home.name })) !== undefined,
    );

    certs = new SelfManagedCertificates(client, {
      namespace: home.name,
      name: 'webhook-serving',
      hosts: ['127.0.0.1', 'localhost'],
      logger,
      onChange: (m) => {
        server?.setSecureContext({ cert: m.cert, key: m.key });
        keeper?.setCaBundle(m.caBundle);
      },
    });
    await certs.start();
    const material = certs.current();
    if (!material) throw new Error('no certificate after start');

    // Allows everything, recording what it was asked.
    server = createServer({ cert: material.cert, key: material.key }, (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const review = JSON.parse(body) as {
          request: {
            uid: string;
            kind: { kind: string };
            operation: string;
            namespace: string;
            name: string;
          };
        };
        const { uid, kind, operation, namespace, name } = review.request;
        seen.push({ uid, kind: kind.kind, operation, namespace, name });
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: { uid, allowed: true },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    keeper = new WebhookConfigurationKeeper(client, {
      name: configName,
      namespace: home.name,
      target: { url: `https://127.0.0.1:${port}` },
      webhooks: [
        {
          name: 'configmaps.webhook-e2e.nimbus-ts.io',
          path: '/validate',
          // Fail closed, so a TLS or CA problem fails the test loudly rather than being skipped.
          failurePolicy: 'Fail',
          timeoutSeconds: 5,
          rules: [
            { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] },
          ],
          // Only the target namespace: other tests share this API server.
          namespaceSelector: {
            matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [target.name] }],
          },
        },
      ],
      caBundle: material.caBundle,
      logger,
    });
    await keeper.start();
  });

  afterAll(async () => {
    await keeper?.stop();
    await certs?.stop();
    await admin.delete(VWC, { name: configName });
    await new Promise((resolve) => server?.close(resolve));
    await revokeRights?.();
    await home?.delete();
    await target?.delete();
  });

  it('receives the API server’s admission requests over TLS it verified against the kept CA bundle', async () => {
    const core = env.kubeConfig.makeApiClient(CoreV1Api);
    const created: string[] = [];
    // The API server picks the configuration up asynchronously: create until the webhook is called.
    await pollUntil('an admission request at the webhook', 60_000, async () => {
      const name = `probe-${created.length}`;
      await core.createNamespacedConfigMap({ namespace: target.name, body: { metadata: { name } } });
      created.push(name);
      return seen.some((s) => s.namespace === target.name && s.name === name);
    });
    const request = seen.find((s) => s.namespace === target.name && created.includes(s.name));
    expect(request).toMatchObject({ kind: 'ConfigMap', operation: 'CREATE', namespace: target.name });
    expect(request?.uid).toBeTruthy();
    // Allowed: the object exists.
    const stored = await core.readNamespacedConfigMap({ namespace: target.name, name: request?.name ?? '' });
    expect(stored.metadata?.name).toBe(request?.name);
    // Requests from the webhook's own namespace never reach it.
    expect(seen.every((s) => s.namespace === target.name)).toBe(true);
  });
});
