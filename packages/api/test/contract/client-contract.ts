import { ApiError, isConflict, type KubeClient } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import { type NimbusPolicy, RESOURCES, type SecurityIntentBinding } from '../../src/index.js';

/** What each contract case gets: a client and a namespace nothing else uses. */
export interface ContractSubject {
  readonly client: KubeClient;
  readonly namespace: string;
  /** A client over the same API server (or the same fake) that writes as another field manager. */
  readonly as: (fieldManager: string) => KubeClient;
}

const condition = (type: string, status: 'True' | 'False', reason: string) => ({
  type,
  status,
  reason,
  message: '',
  lastTransitionTime: '2026-01-01T00:00:00Z',
});

const SIB = RESOURCES.SecurityIntentBinding;
const NP = RESOURCES.NimbusPolicy;

function binding(namespace: string, name: string, labels?: Record<string, string>): SecurityIntentBinding {
  return {
    apiVersion: SIB.apiVersion,
    kind: 'SecurityIntentBinding',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: { intents: [{ name: 'a' }], selector: {} },
  };
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

/**
 * The behaviour of a {@link KubeClient} that reconcilers rely on, as one suite: the unit project runs it against
 * the in-memory FakeClient, the integration project against the ObjectClient and the real API server, so the
 * fake is faithful wherever a reconciler could tell the difference.
 *
 * @param subject - a fresh client and namespace for each case.
 */
export function clientContract(label: string, subject: () => Promise<ContractSubject>): void {
  describe(`KubeClient contract: ${label}`, () => {
    it('create sets uid, resourceVersion and generation 1; creating the name again is 409 AlreadyExists', async () => {
      const { client, namespace } = await subject();
      const created = await client.create(SIB, binding(namespace, 'one'));
      expect(created.metadata?.uid).toMatch(/./);
      expect(created.metadata?.resourceVersion).toMatch(/./);
      expect(created.metadata?.generation).toBe(1);
      expect(await client.get(SIB, { namespace, name: 'one' })).toMatchObject({
        metadata: { uid: created.metadata?.uid },
        spec: { intents: [{ name: 'a' }] },
      });
      const again = await rejection(client.create(SIB, binding(namespace, 'one')));
      expect(again.code).toBe(409);
      expect(again.reason).toBe('AlreadyExists');
      expect(isConflict(again)).toBe(false);
    });

    it('create with generateName makes a name from the prefix', async () => {
      const { client, namespace } = await subject();
      const { metadata: _unused, ...rest } = binding(namespace, '');
      const created: SecurityIntentBinding = await client.create(SIB, {
        ...rest,
        metadata: { namespace, generateName: 'gen-' },
      });
      expect(created.metadata?.name).toMatch(/^gen-.{5}$/);
      expect(await client.get(SIB, { namespace, name: created.metadata?.name ?? '' })).toBeDefined();
    });

    it('a missing object: get is undefined, replace and patches are 404, delete is false', async () => {
      const { client, namespace } = await subject();
      const ref = { namespace, name: 'absent' };
      expect(await client.get(SIB, ref)).toBeUndefined();
      expect((await rejection(client.replace(SIB, binding(namespace, 'absent')))).code).toBe(404);
      expect((await rejection(client.patch(SIB, ref, { metadata: { labels: { a: 'b' } } }))).code).toBe(404);
      expect((await rejection(client.patchStatus(SIB, ref, { status: { status: 'x' } }))).code).toBe(404);
      expect(await client.delete(SIB, ref)).toBe(false);
    });

    it('a write with a stale resourceVersion is 409 Conflict and changes nothing', async () => {
      const { client, namespace } = await subject();
      const created = await client.create(SIB, binding(namespace, 'stale'));
      const updated = await client.replace(SIB, {
        ...created,
        spec: { ...created.spec, intents: [{ name: 'b' }] },
      });
      expect(updated.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
      const ref = { namespace, name: 'stale' };
      const stale = await rejection(
        client.replace(SIB, { ...created, spec: { ...created.spec, intents: [{ name: 'c' }] } }),
      );
      expect(isConflict(stale)).toBe(true);
      const staleStatus = await rejection(
        client.patchStatus(SIB, ref, {
          metadata: { resourceVersion: created.metadata?.resourceVersion },
          status: { status: 'x' },
        }),
      );
      expect(isConflict(staleStatus)).toBe(true);
      const stalePatch = await rejection(
        client.patch(SIB, ref, {
          metadata: { resourceVersion: created.metadata?.resourceVersion, labels: { a: 'b' } },
        }),
      );
      expect(isConflict(stalePatch)).toBe(true);
      expect(await client.get(SIB, ref)).toMatchObject({
        metadata: { resourceVersion: updated.metadata?.resourceVersion },
        spec: { intents: [{ name: 'b' }] },
      });
    });

    it('generation grows with the spec, not with metadata or status; a no-op write keeps the resourceVersion', async () => {
      const { client, namespace } = await subject();
      const ref = { namespace, name: 'gen' };
      const created = await client.create(SIB, binding(namespace, 'gen'));
      const relabelled = await client.patch<SecurityIntentBinding>(SIB, ref, {
        metadata: { labels: { a: 'b' } },
      });
      expect(relabelled.metadata.generation).toBe(1);
      expect(relabelled.metadata.labels).toEqual({ a: 'b' });
      const withStatus = await client.patchStatus<SecurityIntentBinding>(SIB, ref, {
        status: { status: 'Created' },
      });
      expect(withStatus.metadata.generation).toBe(1);
      const respecced = await client.replace(SIB, {
        ...withStatus,
        spec: { ...created.spec, intents: [{ name: 'other' }] },
      });
      expect(respecced.metadata?.generation).toBe(2);
      const same = await client.replace(SIB, respecced);
      expect(same.metadata?.resourceVersion).toBe(respecced.metadata?.resourceVersion);
      const unchanged = await client.createOrUpdate(SIB, binding(namespace, 'gen', { a: 'b' }), undefined);
      expect(unchanged.result).toBe('updated');
      const again = await client.createOrUpdate(SIB, binding(namespace, 'gen', { a: 'b' }), unchanged.object);
      expect(again.result).toBe('unchanged');
      expect(again.object.metadata?.resourceVersion).toBe(unchanged.object.metadata?.resourceVersion);
    });

    it('the status subresource: create, replace and patch leave status alone; patchStatus changes only status', async () => {
      const { client, namespace } = await subject();
      const ref = { namespace, name: 'status' };
      const created = await client.create(SIB, {
        ...binding(namespace, 'status'),
        status: { status: 'Ignored' },
      });
      expect(created.status).toBeUndefined();
      const patched = await client.patchStatus<SecurityIntentBinding>(SIB, ref, {
        metadata: { resourceVersion: created.metadata?.resourceVersion },
        status: { status: 'Created', nimbusPolicy: 'status' },
        spec: { intents: [{ name: 'ignored' }] },
      });
      expect(patched.status).toEqual({ status: 'Created', nimbusPolicy: 'status' });
      expect(patched.spec.intents).toEqual([{ name: 'a' }]);
      const replaced = await client.replace(SIB, { ...patched, status: { status: 'Overwritten' } });
      expect(replaced.status).toEqual({ status: 'Created', nimbusPolicy: 'status' });
      await client.patch(SIB, ref, { status: { status: 'Overwritten' } });
      await client.patchStatus(SIB, ref, { status: { nimbusPolicy: null } });
      expect((await client.get<SecurityIntentBinding>(SIB, ref))?.status).toEqual({ status: 'Created' });
    });

    it('applyStatus: writers with their own field managers share one status without preconditions', async () => {
      const { client, namespace, as } = await subject();
      const ref = { namespace, name: 'apply' };
      const created = await client.create<NimbusPolicy>(NP, {
        apiVersion: NP.apiVersion,
        kind: 'NimbusPolicy',
        metadata: { name: 'apply', namespace },
        spec: { rules: [{ id: 'swDeploymentTools', rule: { action: 'Block' } }], selector: {} },
      });
      const operator = as('contract-operator');
      const one = as('contract-adapter-one');
      const two = as('contract-adapter-two');
      await operator.applyStatus(NP, ref, {
        status: 'Created',
        numberOfAdapterPolicies: 0,
        conditions: [
          condition('Built', 'True', 'BuiltFromBinding'),
          condition('Enforced', 'False', 'NoAdapter'),
        ],
      });
      // Neither adapter saw the other's fields: no resourceVersion, no read, and nothing is lost.
      await one.applyStatus(NP, ref, {
        numberOfAdapterPolicies: 1,
        policiesByAdapter: [{ adapter: 'one', policies: ['A/a'] }],
        enforcement: [{ ruleId: 'swDeploymentTools', adapters: ['one'] }],
        conditions: [condition('nimbus-one/Ready', 'True', 'Applied')],
      });
      await two.applyStatus(NP, ref, {
        policiesByAdapter: [{ adapter: 'two', policies: ['B/b'] }],
        enforcement: [{ ruleId: 'swDeploymentTools', adapters: ['two'] }],
        conditions: [condition('nimbus-two/Ready', 'True', 'Applied')],
      });
      await operator.applyStatus(NP, ref, {
        status: 'Created',
        numberOfAdapterPolicies: 0,
        conditions: [
          condition('Built', 'True', 'BuiltFromBinding'),
          condition('Enforced', 'True', 'AllRulesEnforced'),
        ],
      });
      let status = (await client.get<NimbusPolicy>(NP, ref))?.status;
      expect(status?.status).toBe('Created');
      // The operator applied the count again: forced, it takes the field back (why it must not, ADR 0013).
      expect(status?.numberOfAdapterPolicies).toBe(0);
      expect(status?.policiesByAdapter).toEqual([
        { adapter: 'one', policies: ['A/a'] },
        { adapter: 'two', policies: ['B/b'] },
      ]);
      expect(status?.enforcement).toEqual([{ ruleId: 'swDeploymentTools', adapters: ['one', 'two'] }]);
      expect(status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
        'Built=True',
        'Enforced=True',
        'nimbus-one/Ready=True',
        'nimbus-two/Ready=True',
      ]);
      // A writer that leaves out what it applied before removes it, and only it: adapter one stops.
      await one.applyStatus(NP, ref, {});
      status = (await client.get<NimbusPolicy>(NP, ref))?.status;
      expect(status?.policiesByAdapter).toEqual([{ adapter: 'two', policies: ['B/b'] }]);
      expect(status?.enforcement).toEqual([{ ruleId: 'swDeploymentTools', adapters: ['two'] }]);
      expect(status?.conditions?.map((c) => c.type)).toEqual(['Built', 'Enforced', 'nimbus-two/Ready']);
      expect(status?.numberOfAdapterPolicies).toBe(0);
      // A field another writer also applied stays when one leaves it out: the operator drops Enforced.
      await operator.applyStatus(NP, ref, {
        status: 'Created',
        numberOfAdapterPolicies: 0,
        conditions: [condition('Built', 'True', 'BuiltFromBinding')],
      });
      status = (await client.get<NimbusPolicy>(NP, ref))?.status;
      expect(status?.conditions?.map((c) => c.type)).toEqual(['Built', 'nimbus-two/Ready']);
      expect(status?.enforcement).toEqual([{ ruleId: 'swDeploymentTools', adapters: ['two'] }]);
      // The spec is the status subresource's to leave alone; a missing object is a 404.
      expect((await client.get<NimbusPolicy>(NP, ref))?.metadata.generation).toBe(
        created.metadata.generation,
      );
      expect((await rejection(one.applyStatus(NP, { namespace, name: 'absent' }, {}))).code).toBe(404);
    });

    it('list filters by namespace and label selector', async () => {
      const { client, namespace } = await subject();
      await client.create(SIB, binding(namespace, 'l1', { app: 'web', tier: 'front' }));
      await client.create(SIB, binding(namespace, 'l2', { app: 'db' }));
      await client.create(SIB, binding(namespace, 'l3'));
      const names = async (labelSelector?: string) =>
        (await client.list(SIB, namespace, labelSelector ? { labelSelector } : {}))
          .map((o) => o.metadata?.name)
          .sort();
      expect(await names()).toEqual(['l1', 'l2', 'l3']);
      expect(await names('app=web')).toEqual(['l1']);
      expect(await names('app!=web')).toEqual(['l2', 'l3']);
      expect(await names('app')).toEqual(['l1', 'l2']);
      expect(await names('!app')).toEqual(['l3']);
      expect(await names('app in (web,db),tier')).toEqual(['l1']);
      expect(await names('app notin (web)')).toEqual(['l2', 'l3']);
      const listed = await client.list(SIB, namespace, { labelSelector: 'app=db' });
      expect(listed[0]).toMatchObject({ apiVersion: SIB.apiVersion, kind: 'SecurityIntentBinding' });
    });

    it('owner references are kept; delete honours a uid precondition', async () => {
      const { client, namespace } = await subject();
      const owner = await client.create(SIB, binding(namespace, 'owner'));
      const ownerReferences = [
        {
          apiVersion: SIB.apiVersion,
          kind: 'SecurityIntentBinding',
          name: 'owner',
          uid: owner.metadata?.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ];
      const policy: NimbusPolicy = {
        apiVersion: NP.apiVersion,
        kind: 'NimbusPolicy',
        metadata: { name: 'owner', namespace, ownerReferences },
        spec: { rules: [{ id: 'swDeploymentTools', rule: { action: 'Block' } }], selector: {} },
      };
      const created = await client.create(NP, policy);
      expect(created.metadata.ownerReferences).toEqual(ownerReferences);
      const ref = { namespace, name: 'owner' };
      const wrongUid = await rejection(client.delete(NP, ref, '00000000-0000-0000-0000-000000000000'));
      expect(wrongUid.code).toBe(409);
      expect(await client.get(NP, ref)).toBeDefined();
      expect(await client.delete(NP, ref, created.metadata.uid)).toBe(true);
      expect(await client.get(NP, ref)).toBeUndefined();
    });
  });
}
