import type { KubernetesObject } from '@kubernetes/client-node';
import {
  adapterConditionType,
  crdDirectory,
  GROUP,
  MANAGED_BY_ANNOTATION,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { createLogger, ObjectClient, ObjectTakenError, type ResourceType } from '@nimbus-ts/k8s';
import { apiWrites, pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Adapter, type AdapterDeclaration, createAdapter } from '../../src/index.js';

// Two adapters that write the same kind next to each other (issue 13: a third-party NetworkPolicy adapter next to
// netpol destroyed netpol's objects and status entries, and netpol destroyed its, ~125 writes/s). An adapter owns
// exactly what it manages: the objects marked with its managed-by annotation and the status entries it recorded.

const API = 'intent.security.nimbus.com/v1alpha1';
const CONFIG_MAPS: ResourceType = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
// Writes the test counts: the adapters' objects and the policy status. Events, and namespaces finalized after
// earlier test files, are no adapter's steady-state writes.
const WRITE_GROUPS = ['', GROUP];
const NOT_COUNTED = ['events', 'namespaces'];

/** An adapter that builds `<policy>-<name>`, its own, and `<policy>-shared`, which the other one builds too. */
function configMapAdapter(name: string): AdapterDeclaration {
  return {
    name,
    intents: ['dnsManipulation'],
    kinds: [CONFIG_MAPS],
    build: (policy) =>
      [name, 'shared'].map((suffix) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `${policy.metadata.name}-${suffix}` },
        data: { builtBy: name },
      })),
  };
}

type ConfigMap = KubernetesObject & { data?: Record<string, string> };

describe('two adapters writing the same kind', () => {
  const env = envtest();
  const client = new ObjectClient(env.kubeConfig, 'shared-kind-test');
  const names = ['alpha', 'beta'] as const;
  const adapters = new Map<string, Adapter>();
  let ns: TestNamespace;

  const policy = () => client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, { namespace: ns.name, name: 'web' });
  const configMap = (name: string) => client.get<ConfigMap>(CONFIG_MAPS, { namespace: ns.name, name });
  const writes = () => apiWrites(env.kubeConfig, WRITE_GROUPS, { excludeResources: NOT_COUNTED });

  beforeAll(async () => {
    await env.installCRDs([crdDirectory()]);
    ns = await env.namespace('shared-kind');
    for (const name of names) {
      adapters.set(
        name,
        createAdapter(env.kubeConfig, configMapAdapter(name), {
          logger: createLogger(`nimbus-${name}`, { level: 'warn' }),
        }),
      );
    }
    // Both run at once from the start, as two Deployments would.
    await Promise.all([...adapters.values()].map((a) => a.start()));
  });
  afterAll(async () => {
    await Promise.all([...adapters.values()].map((a) => a.stop()));
    await ns?.delete({ wait: true });
  });

  it('converge on one policy, each keeping its own objects and status entries, and then write nothing', async () => {
    const sib = await client.create<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name: 'web', namespace: ns.name },
      spec: { intents: [], selector: { workloadSelector: { matchLabels: { app: 'web' } } } },
    });
    const writesAtStart = await writes();
    const startedAt = Date.now();
    await client.create<NimbusPolicy>(RESOURCES.NimbusPolicy, {
      apiVersion: API,
      kind: 'NimbusPolicy',
      metadata: {
        name: 'web',
        namespace: ns.name,
        ownerReferences: [
          {
            apiVersion: API,
            kind: 'SecurityIntentBinding',
            name: 'web',
            uid: sib.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        rules: [{ id: 'dnsManipulation', rule: { action: 'Block' } }],
      },
    });

    // Converged: each adapter's own ConfigMap exists, marked as its own; the shared name belongs to whichever
    // created it first, and the other reports the conflict instead of overwriting it; the status lists all three
    // objects, each recorded under the adapter that manages it.
    let winner = '';
    await pollUntil(
      'both adapters to converge',
      60_000,
      async () => {
        const problems: string[] = [];
        for (const name of names) {
          const own = await configMap(`web-${name}`);
          if (own?.metadata?.annotations?.[MANAGED_BY_ANNOTATION] !== `nimbus-${name}`)
            problems.push(
              `web-${name} is ${own ? `managed by ${own.metadata?.annotations?.[MANAGED_BY_ANNOTATION]}` : 'missing'}`,
            );
        }
        const shared = await configMap('web-shared');
        winner = shared?.data?.builtBy ?? '';
        if (shared?.metadata?.annotations?.[MANAGED_BY_ANNOTATION] !== `nimbus-${winner}`)
          problems.push(
            `web-shared is built by ${winner || 'nobody'} but marked ${shared?.metadata?.annotations?.[MANAGED_BY_ANNOTATION]}`,
          );
        const loser = names.find((n) => n !== winner) ?? '';
        const status = (await policy())?.status;
        const recorded = Object.fromEntries(
          (status?.policiesByAdapter ?? []).map((r) => [r.adapter, r.policies]),
        );
        const expected = {
          [winner]: [`ConfigMap/web-${winner}`, 'ConfigMap/web-shared'],
          [loser]: [`ConfigMap/web-${loser}`],
        };
        // Compared per adapter, in a fixed order: the status lists the adapters in the order they first reported,
        // which is whichever won the race.
        const inOrder = (byAdapter: Record<string, readonly string[] | undefined>) =>
          JSON.stringify(names.map((n) => [n, [...(byAdapter[n] ?? [])].sort()]));
        if (inOrder(recorded) !== inOrder(expected))
          problems.push(`policiesByAdapter is ${JSON.stringify(status?.policiesByAdapter)}`);
        if (
          JSON.stringify([...(status?.adapterPolicies ?? [])].sort()) !==
          JSON.stringify(['ConfigMap/web-alpha', 'ConfigMap/web-beta', 'ConfigMap/web-shared'])
        )
          problems.push(`adapterPolicies is ${JSON.stringify(status?.adapterPolicies)}`);
        const ready = (name: string) =>
          status?.conditions?.find((c) => c.type === adapterConditionType(name));
        if (ready(winner)?.reason !== 'Applied') problems.push(`${winner} is ${ready(winner)?.reason}`);
        if (ready(loser)?.reason !== 'NameConflict') problems.push(`${loser} is ${ready(loser)?.reason}`);
        if (problems.length > 0) {
          const sofar = (await writes()) - writesAtStart;
          throw new Error(`${problems.join('; ')} (${sofar} writes in ${Date.now() - startedAt} ms)`);
        }
        return true;
      },
      { intervalMs: 500 },
    );
    const convergence = (await writes()) - writesAtStart;
    console.log(
      `two adapters on one policy: converged after ${convergence} writes in ${Date.now() - startedAt} ms`,
    );

    const loser = names.find((n) => n !== winner) ?? '';
    const status = (await policy())?.status;
    expect(status?.numberOfAdapterPolicies).toBe(3);
    expect(status?.enforcement).toEqual([
      { ruleId: 'dnsManipulation', adapters: expect.arrayContaining([...names]) },
    ]);
    expect(status?.conditions?.find((c) => c.type === adapterConditionType(loser))?.message).toContain(
      `ConfigMap/web-shared is managed by nimbus-${winner}`,
    );

    // The window spans three reconciles of each adapter that start after it opens (a resync queues the policy;
    // the counters say when each reconcile is done): a converged pair writes nothing, creates nothing, deletes
    // nothing.
    const uids = async () =>
      Promise.all(
        ['web-alpha', 'web-beta', 'web-shared'].map(async (n) => (await configMap(n))?.metadata?.uid),
      );
    const before = {
      writes: await writes(),
      uids: await uids(),
      policy: (await policy())?.metadata?.resourceVersion,
    };
    for (let round = 1; round <= 3; round++) {
      const done = names.map((n) => (adapters.get(n)?.reconciles.success ?? 0) + 1);
      for (const adapter of adapters.values()) adapter.resyncAll();
      await pollUntil(`round ${round} of reconciles`, 30_000, () =>
        names.every((n, i) => (adapters.get(n)?.reconciles.success ?? 0) >= (done[i] ?? 0)),
      );
    }
    expect({
      writes: await writes(),
      uids: await uids(),
      policy: (await policy())?.metadata?.resourceVersion,
    }).toEqual(before);
  });

  it('never update an object the other created after their cache last looked (createOrUpdate asks mayUpdate)', async () => {
    // Both adapters saw no web-race in their caches; beta's create wins, alpha's create meets it.
    const desired = (builtBy: string): ConfigMap => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'web-race',
        namespace: ns.name,
        annotations: { [MANAGED_BY_ANNOTATION]: `nimbus-${builtBy}` },
      },
      data: { builtBy },
    });
    const mine = (builtBy: string) => (o: KubernetesObject) =>
      o.metadata?.annotations?.[MANAGED_BY_ANNOTATION] === `nimbus-${builtBy}`;
    const { result, object: created } = await client.createOrUpdate(
      CONFIG_MAPS,
      desired('beta'),
      undefined,
      mine('beta'),
    );
    expect(result).toBe('created');
    const refused = await client.createOrUpdate(CONFIG_MAPS, desired('alpha'), undefined, mine('alpha')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ObjectTakenError);
    expect((refused as ObjectTakenError).object.metadata?.uid).toBe(created.metadata?.uid);
    const after = await configMap('web-race');
    expect(after?.data).toEqual({ builtBy: 'beta' });
    expect(after?.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    await client.delete(CONFIG_MAPS, { namespace: ns.name, name: 'web-race' });
  });

  it('withdraw, each deleting only its own objects and entries, when the rule goes', async () => {
    const live = await policy();
    if (!live) throw new Error('policy web is missing');
    await client.createOrUpdate(
      RESOURCES.NimbusPolicy,
      { ...live, spec: { ...live.spec, rules: [{ id: 'escapeToHost', rule: { action: 'Block' } }] } },
      live,
    );
    await pollUntil('the objects and entries to go', 30_000, async () => {
      const status = (await policy())?.status;
      const left = await Promise.all(['web-alpha', 'web-beta', 'web-shared'].map(configMap));
      return (
        left.every((o) => o === undefined) &&
        status?.numberOfAdapterPolicies === 0 &&
        (status.adapterPolicies ?? []).length === 0 &&
        (status.policiesByAdapter ?? []).length === 0 &&
        !status.conditions?.some((c) => c.type.endsWith('/Ready'))
      );
    });
  });
});
