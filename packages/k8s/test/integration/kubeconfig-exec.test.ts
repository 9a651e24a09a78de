import { chmod, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { dump, load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterConnection } from '../../src/cluster-connection.js';
import { rawRequest } from '../../src/raw-request.js';
import type { TestNamespace } from '../../src/testing/namespace.js';
import { envtest } from '../../src/testing/vitest.js';

/**
 * kubectl-grade kubeconfigs against the real API server: an exec credential plugin (as EKS, GKE, AKS and OIDC
 * users have) hands out a real ServiceAccount token for an unprivileged identity, from a KUBECONFIG of two
 * merged files, selected with --context.
 */
describe('exec credential plugins and merged kubeconfigs', () => {
  const env = envtest();
  const core = env.kubeConfig.makeApiClient(CoreV1Api);
  const rbac = env.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  let ns: TestNamespace;
  let dir: string;
  let kubeconfigEnv: { KUBECONFIG: string; HOME: string };

  const runs = async () => Number((await readFile(join(dir, 'runs'), 'utf8').catch(() => '0')).trim());

  beforeAll(async () => {
    ns = await env.namespace('exec-plugin');
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: 'reader' } } });
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: 'read-configmaps' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read-configmaps' },
        subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ns.name }],
      },
    });
    const requested = await core.createNamespacedServiceAccountToken({
      name: 'reader',
      namespace: ns.name,
      body: { spec: { expirationSeconds: 3600 } },
    });
    const token = requested.status?.token;
    if (!token) throw new Error('the TokenRequest returned no token');

    dir = await mkdtemp(join(tmpdir(), 'nimbus-exec-'));
    await writeFile(join(dir, 'token'), token);
    // The plugin's first answer is a token the API server refuses (a lapsed login); after that, the real one.
    await writeFile(
      join(dir, 'get-token.sh'),
      [
        '#!/bin/sh',
        'set -e',
        'cd "$(dirname "$0")"',
        'n=$(($(cat runs 2>/dev/null || echo 0) + 1)); echo "$n" > runs',
        'if [ "$n" = 1 ]; then token=lapsed; else token=$(cat token); fi',
        'printf \'{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}\' "$token"',
      ].join('\n'),
    );
    await chmod(join(dir, 'get-token.sh'), 0o755);
    const admin = load(await readFile(env.kubeconfigPath, 'utf8')) as {
      clusters: { cluster: Record<string, unknown> }[];
    };
    // Two files, as a cloud CLI leaves them: users and contexts in one, the cluster in the other.
    await writeFile(
      join(dir, 'users.yaml'),
      dump({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'admin-elsewhere',
        contexts: [{ name: 'reader', context: { cluster: 'envtest', user: 'sso', namespace: ns.name } }],
        users: [
          {
            name: 'sso',
            user: {
              exec: {
                apiVersion: 'client.authentication.k8s.io/v1',
                command: './get-token.sh',
                interactiveMode: 'Never',
              },
            },
          },
        ],
      }),
    );
    await writeFile(
      join(dir, 'clusters.yaml'),
      dump({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'envtest', cluster: admin.clusters[0]?.cluster }],
      }),
    );
    kubeconfigEnv = { KUBECONFIG: `${join(dir, 'users.yaml')}:${join(dir, 'clusters.yaml')}`, HOME: dir };
  });

  afterAll(async () => {
    await ns?.delete();
  });

  it('authenticates as the plugin says, renews after a 401, and caches the credential', async () => {
    const connection = loadClusterConnection({ env: kubeconfigEnv, context: 'reader' });
    expect(connection.namespace).toBe(ns.name);
    const list = `/api/v1/namespaces/${ns.name}/configmaps`;

    const refused = await rawRequest(connection, list);
    expect(refused.status).toBe(401);
    expect(await runs()).toBe(1);

    const allowed = await rawRequest(connection, list);
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.body).kind).toBe('ConfigMapList');
    for (let i = 0; i < 3; i++) expect((await rawRequest(connection, list)).status).toBe(200);
    expect(await runs()).toBe(2);

    // The identity is the unprivileged ServiceAccount, not the admin the cluster file came from.
    const review = await rawRequest(connection, '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    });
    expect(review.status).toBe(201);
    expect(JSON.parse(review.body).status.userInfo.username).toBe(`system:serviceaccount:${ns.name}:reader`);
    const forbidden = await rawRequest(connection, '/api/v1/namespaces/kube-system/configmaps');
    expect(forbidden.status).toBe(403);
  });

  it('the current context of the merged files is used without --context, and a wrong one is named', () => {
    expect(() => loadClusterConnection({ env: kubeconfigEnv })).toThrow(
      /context "admin-elsewhere" not found \(contexts: reader\)/,
    );
  });
});
