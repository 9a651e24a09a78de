import {
  type ClusterNimbusPolicy,
  type ClusterSecurityIntentBinding,
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntent,
} from '@nimbus-ts/api';
import { createLogger, ObjectClient } from '@nimbus-ts/k8s';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOperator, type Operator } from '../../src/operator.js';
import { writesAcrossResync } from './metrics.js';

const API = 'intent.security.nimbus.com/v1alpha1';

describe('ClusterSecurityIntentBinding → ClusterNimbusPolicy + one NimbusPolicy per namespace', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'test-user');
  const id = Math.random().toString(36).slice(2, 7);
  const name = (n: string) => `${n}-${id}`;
  const namespaces: TestNamespace[] = [];
  let a: TestNamespace;
  let b: TestNamespace;
  let operator: Operator;

  const csib = (n: string) =>
    client.get<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding, { name: name(n) });
  const cwnp = (n: string) =>
    client.get<ClusterNimbusPolicy>(RESOURCES.ClusterNimbusPolicy, { name: name(n) });
  const fanOut = (n: string, namespace: string) =>
    client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace, name: `nimbus-ctlr-gen-${name(n)}` });
  const bindings: string[] = [];
  const intentNames: string[] = [];
  const createIntent = (n: string, intentId: string, action = 'Block') => {
    intentNames.push(name(n));
    return client.create<SecurityIntent>(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name: name(n) },
      spec: { intent: { id: intentId, action } },
    } as SecurityIntent);
  };
  const createBinding = (n: string, nsSelector: Record<string, string[]>, intents = ['pkg', 'dns']) => {
    bindings.push(name(n));
    return client.create<ClusterSecurityIntentBinding>(RESOURCES.ClusterSecurityIntentBinding, {
      apiVersion: API,
      kind: 'ClusterSecurityIntentBinding',
      metadata: { name: name(n), labels: { owner: 'platform' } },
      spec: {
        intents: intents.map((i) => ({ name: name(i) })),
        selector: { nsSelector, workloadSelector: { matchLabels: { tier: 'frontend' } } },
      },
    });
  };
  /**
   * A binding over both test namespaces, once its status counts both fan-out policies: the status is written last
   * in a reconcile, so the ClusterNimbusPolicy and the NimbusPolicies exist by then.
   */
  const converged = async (n: string, intents = ['pkg', 'dns']) => {
    const created = await createBinding(n, { matchNames: [a.name, b.name] }, intents);
    await pollUntil('the status', 30_000, () => csib(n), {
      until: (c) => c?.status?.numberOfNimbusPolicies === 2,
    });
    return created;
  };

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    a = await env.namespace('csib-a');
    b = await env.namespace('csib-b');
    namespaces.push(a, b);
    // Shared by the tests that only read them; a test that changes an intent makes its own.
    await createIntent('pkg', 'swDeploymentTools');
    await createIntent('dns', 'dnsManipulation');
    operator = createOperator(env.kubeConfig, { logger: createLogger('core-operator', { level: 'warn' }) });
    await operator.start();
  });
  afterAll(async () => {
    await operator?.stop();
    for (const ns of namespaces) await ns.delete({ wait: true });
    for (const n of intentNames) await client.delete(RESOURCES.SecurityIntent, { name: n });
    for (const n of bindings) await client.delete(RESOURCES.ClusterSecurityIntentBinding, { name: n });
  });

  it('builds the ClusterNimbusPolicy and a NimbusPolicy in each named namespace, with upstream names', async () => {
    const created = await createBinding('pair', { matchNames: [a.name, b.name] });
    await pollUntil(
      'the status',
      30_000,
      async () => (await csib('pair'))?.status?.numberOfNimbusPolicies === 2,
    );
    const owner = {
      apiVersion: API,
      kind: 'ClusterSecurityIntentBinding',
      name: name('pair'),
      uid: created.metadata.uid,
    };
    const cluster = await cwnp('pair');
    expect(cluster?.metadata.labels).toEqual({ owner: 'platform' });
    expect(cluster?.metadata.ownerReferences).toEqual([
      { ...owner, controller: true, blockOwnerDeletion: true },
    ]);
    expect(cluster?.spec.rules.map((r) => r.id)).toEqual(['swDeploymentTools', 'dnsManipulation']);
    expect(cluster?.spec.nsSelector).toEqual({ matchNames: [a.name, b.name] });
    for (const ns of [a, b]) {
      const np = await fanOut('pair', ns.name);
      expect(np?.spec.selector).toEqual({ matchLabels: { tier: 'frontend' } });
      expect(np?.spec.rules).toEqual(cluster?.spec.rules);
      expect(np?.metadata.ownerReferences?.[0]?.uid).toBe(created.metadata.uid);
    }
    expect((await csib('pair'))?.status).toMatchObject({
      status: 'Created',
      numberOfBoundIntents: 2,
      clusterNimbusPolicy: name('pair'),
      numberOfNimbusPolicies: 2,
      nimbusPolicyNamespaces: [a.name, b.name].sort(),
    });
  });

  it("starts every policy's adapter count at 0, as upstream's operator does", async () => {
    // Each policy's status is its own write: wait for all three rather than infer one from another.
    await pollUntil('the policies to be marked created', 30_000, async () => {
      const all = await Promise.all([cwnp('pair'), fanOut('pair', a.name), fanOut('pair', b.name)]);
      return all.every((p) => p?.status?.status === 'Created');
    });
    const all = await Promise.all([cwnp('pair'), fanOut('pair', a.name), fanOut('pair', b.name)]);
    expect(all.map((p) => `${p?.kind} ${p?.status?.numberOfAdapterPolicies}`)).toEqual([
      'ClusterNimbusPolicy 0',
      'NimbusPolicy 0',
      'NimbusPolicy 0',
    ]);
  });

  it('updates every fan-out NimbusPolicy when an intent changes, not just the first', async () => {
    await createIntent('update-pkg', 'swDeploymentTools');
    await createIntent('update-dns', 'dnsManipulation');
    await converged('update', ['update-pkg', 'update-dns']);
    // Read now: the operator has written its status since it was created.
    const si = (await client.get<SecurityIntent>(RESOURCES.SecurityIntent, {
      name: name('update-dns'),
    })) as SecurityIntent;
    await client.replace(RESOURCES.SecurityIntent, {
      ...si,
      spec: { intent: { ...si.spec.intent, action: 'Audit' } },
    });
    await pollUntil('both policies to carry Audit', 30_000, async () => {
      const all = await Promise.all([fanOut('update', a.name), fanOut('update', b.name), cwnp('update')]);
      return all.every((p) => p?.spec.rules[1]?.rule.action === 'Audit');
    });
  });

  it('reverts an edited ClusterNimbusPolicy', async () => {
    await converged('revert');
    const cluster = (await cwnp('revert')) as ClusterNimbusPolicy;
    await client.replace(RESOURCES.ClusterNimbusPolicy, { ...cluster, spec: { ...cluster.spec, rules: [] } });
    await pollUntil(
      'the rules to be restored',
      30_000,
      async () => (await cwnp('revert'))?.spec.rules.length === 2,
    );
  });

  it('re-creates a deleted fan-out NimbusPolicy and a deleted ClusterNimbusPolicy', async () => {
    await converged('recreate');
    const np = await fanOut('recreate', b.name);
    await client.delete(RESOURCES.NimbusPolicy, { namespace: b.name, name: np?.metadata.name ?? '' });
    const cluster = await cwnp('recreate');
    await client.delete(RESOURCES.ClusterNimbusPolicy, { name: name('recreate') });
    await pollUntil('both to be back', 30_000, async () => {
      const [again, againCluster] = await Promise.all([fanOut('recreate', b.name), cwnp('recreate')]);
      return (
        again?.metadata.uid !== undefined &&
        again.metadata.uid !== np?.metadata.uid &&
        againCluster?.metadata.uid !== undefined &&
        againCluster.metadata.uid !== cluster?.metadata.uid
      );
    });
  });

  it("keeps adapters' status entries when it rewrites a policy", async () => {
    await createIntent('entries-pkg', 'swDeploymentTools');
    await createIntent('entries-dns', 'dnsManipulation', 'Audit');
    await converged('entries', ['entries-pkg', 'entries-dns']);
    const ref = { namespace: a.name, name: `nimbus-ctlr-gen-${name('entries')}` };
    await client.patchStatus(RESOURCES.NimbusPolicy, ref, {
      status: { adapterPolicies: ['KubeArmorPolicy/x-swdeploymenttools'], numberOfAdapterPolicies: 1 },
    });
    const si = (await client.get<SecurityIntent>(RESOURCES.SecurityIntent, {
      name: name('entries-dns'),
    })) as SecurityIntent;
    await client.replace(RESOURCES.SecurityIntent, {
      ...si,
      spec: { intent: { ...si.spec.intent, action: 'Block' } },
    });
    await pollUntil(
      'the rewrite',
      30_000,
      async () => (await fanOut('entries', a.name))?.spec.rules[1]?.rule.action === 'Block',
    );
    const np = await client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, ref);
    expect(np?.status).toMatchObject({
      status: 'Created',
      adapterPolicies: ['KubeArmorPolicy/x-swdeploymenttools'],
      numberOfAdapterPolicies: 1,
    });
  });

  it('makes no write once converged, across a full resync', async () => {
    await converged('steady');
    expect(await writesAcrossResync(env.kubeConfig, operator, 3)).toEqual({ writes: 0, errors: 0 });
  });

  it('follows namespaces: matchNames ["*"] covers new namespaces, never kube-system, and drops deleted ones', async () => {
    await createBinding('all', { matchNames: ['*'] }, ['pkg']);
    // The status is written after every fan-out of a reconcile: once it names a and default, that reconcile has
    // written (or decided against) the policy of every namespace it saw, kube-system included.
    await pollUntil('fan-out into a and default', 30_000, () => csib('all'), {
      until: (c) => [a.name, 'default'].every((n) => c?.status?.nimbusPolicyNamespaces?.includes(n)),
    });
    expect(await fanOut('all', 'kube-system')).toBeUndefined();
    expect(await fanOut('all', 'default')).toBeDefined();
    const c = await env.namespace('csib-c');
    namespaces.push(c);
    await pollUntil(
      'fan-out into the new namespace',
      30_000,
      async () => (await fanOut('all', c.name)) !== undefined,
    );
    await c.delete();
    await pollUntil('the deleted namespace to leave the status', 90_000, async () => {
      const status = (await csib('all'))?.status;
      return status?.nimbusPolicyNamespaces?.includes(c.name) === false;
    });
    const status = (await csib('all'))?.status;
    expect(status?.numberOfNimbusPolicies).toBe(status?.nimbusPolicyNamespaces?.length);
    expect(status?.nimbusPolicyNamespaces).not.toContain('kube-system');
  });

  it('honours excludeNames', async () => {
    await createBinding('except', { excludeNames: [a.name] }, ['pkg']);
    // Waiting on the status, not on b's policy: the status comes after the whole fan-out, a's included.
    await pollUntil('fan-out into b', 30_000, () => csib('except'), {
      until: (c) => c?.status?.nimbusPolicyNamespaces?.includes(b.name) === true,
    });
    expect(await fanOut('except', b.name)).toBeDefined();
    expect(await fanOut('except', a.name)).toBeUndefined();
  });

  it('reports an invalid selector as ValidationFail with a message, and recovers when it is fixed', async () => {
    await createBinding('bad', { matchNames: [a.name], excludeNames: [b.name] }, ['pkg']);
    await pollUntil(
      'ValidationFail',
      30_000,
      async () => (await csib('bad'))?.status?.status === 'ValidationFail',
    );
    const ready = (await csib('bad'))?.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'InvalidSelector' });
    expect(ready?.message).toMatch(/matchNames.*excludeNames|excludeNames.*matchNames/);
    expect(await cwnp('bad')).toBeUndefined();

    const live = (await csib('bad')) as ClusterSecurityIntentBinding;
    await client.replace(RESOURCES.ClusterSecurityIntentBinding, {
      ...live,
      spec: { ...live.spec, selector: { nsSelector: { matchNames: [a.name] } } },
    });
    await pollUntil('recovery', 30_000, async () => (await csib('bad'))?.status?.status === 'Created');
    expect(await fanOut('bad', a.name)).toBeDefined();
    expect((await csib('bad'))?.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('removes its outputs through garbage collection when the binding is deleted', async () => {
    await converged('collected');
    await client.delete(RESOURCES.ClusterSecurityIntentBinding, { name: name('collected') });
    await pollUntil('the garbage collector', 90_000, async () => {
      const left = await Promise.all([
        cwnp('collected'),
        fanOut('collected', a.name),
        fanOut('collected', b.name),
      ]);
      return left.every((p) => p === undefined);
    });
  });
});
