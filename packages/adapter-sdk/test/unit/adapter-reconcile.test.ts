import type { KubernetesObject } from '@kubernetes/client-node';
import {
  API_VERSION,
  crdDirectory,
  MANAGED_BY_ANNOTATION,
  type NimbusPolicy,
  RESOURCES,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import { ApiError, createLogger, EVENTS, EventRecorder, type ResourceType, type Store } from '@nimbus-ts/k8s';
import { FakeClient, readCRDs } from '@nimbus-ts/k8s/testing';
import { describe, expect, it } from 'vitest';
import type { AdapterDeclaration } from '../../src/declaration.js';
import { type AdapterPolicyContext, reconcileAdapterPolicy } from '../../src/reconcile-policy.js';

// The adapter SDK's reconcile, in milliseconds on the FakeClient (whose behaviour test/contract proves against the
// real API server); watches, owner mapping and garbage collection stay in the integration tests.

const CONFIG_MAPS: ResourceType = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
const declaration: AdapterDeclaration = {
  name: 'test',
  intents: ['swDeploymentTools', 'dnsManipulation'],
  kinds: [CONFIG_MAPS],
  build: (policy, { rules }) =>
    rules.map((r) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${policy.metadata.name}-${r.id.toLowerCase()}` },
      data: { action: r.rule.rule.action },
    })),
};

/**
 * A cache of engine objects that refuses to be listed whole: a reconcile reads the objects its policy controls
 * (`controlledBy`) and the names it wants (`get`). Listing every engine object on every reconcile made an adapter's
 * work and memory grow with the square of its policies; every test below would fail if that came back.
 */
function withoutFullScans<T extends KubernetesObject>(store: Store<T>): Store<T> {
  return {
    ...store,
    list: () => {
      throw new Error('the reconcile listed every cached engine object; read controlledBy(uid) and get(ref)');
    },
  };
}
const crds = await readCRDs([crdDirectory()]);

function setup(ruleIds: string[] = ['swDeploymentTools']) {
  const client = new FakeClient({ fieldManager: 'nimbus-test', crds });
  client.seed(RESOURCES.SecurityIntentBinding, {
    apiVersion: API_VERSION,
    kind: 'SecurityIntentBinding',
    metadata: { name: 'web', namespace: 'shop', uid: 'sib-uid' },
    spec: { intents: [], selector: {} },
  } as SecurityIntentBinding);
  client.seed(RESOURCES.NimbusPolicy, {
    apiVersion: API_VERSION,
    kind: 'NimbusPolicy',
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'np-uid',
      ownerReferences: [
        {
          apiVersion: API_VERSION,
          kind: 'SecurityIntentBinding',
          name: 'web',
          uid: 'sib-uid',
          controller: true,
        },
      ],
    },
    spec: { selector: {}, rules: ruleIds.map((id) => ({ id, rule: { action: 'Block' } })) },
  } as NimbusPolicy);
  const ctx: AdapterPolicyContext = {
    declaration,
    resource: RESOURCES.NimbusPolicy,
    client,
    events: new EventRecorder(client, 'nimbus-test', 'test'),
    logger: Object.assign(createLogger('test'), { silent: true }),
    conditionType: 'nimbus-test/Ready',
    resyncMs: 60_000,
    store: (r) => (declaration.kinds.includes(r) ? withoutFullScans(client.store(r)) : client.store(r)),
  };
  const policy = () =>
    client
      .store<NimbusPolicy>(RESOURCES.NimbusPolicy)
      .get({ namespace: 'shop', name: 'web' }) as NimbusPolicy;
  const configMaps = () => client.store<KubernetesObject>(CONFIG_MAPS).list('shop');
  return { client, ctx, policy, configMaps };
}

const ready = (p: NimbusPolicy) => p.status?.conditions?.find((c) => c.type === 'nimbus-test/Ready');

describe('reconcileAdapterPolicy (FakeClient)', () => {
  it('writes the engine objects, owned and marked, reports them; a second pass writes nothing', async () => {
    const { client, ctx, policy, configMaps } = setup();
    expect((await reconcileAdapterPolicy(policy(), ctx)).requeueAfterMs).toBe(60_000);
    const [cm] = configMaps();
    expect(cm?.metadata?.name).toBe('web-swdeploymenttools');
    expect(cm?.metadata?.ownerReferences?.[0]?.uid).toBe('np-uid');
    expect(cm?.metadata?.annotations?.[MANAGED_BY_ANNOTATION]).toBe('nimbus-test');
    expect(policy().status).toMatchObject({
      adapterPolicies: ['ConfigMap/web-swdeploymenttools'],
      numberOfAdapterPolicies: 1,
    });
    expect(ready(policy())).toMatchObject({ status: 'True', reason: 'Applied' });
    const writes = client.writes.filter((w) => w.kind !== 'Event').length;
    await reconcileAdapterPolicy(policy(), ctx);
    expect(client.writes.filter((w) => w.kind !== 'Event').length).toBe(writes);
  });

  it('one status write and one Event for a policy of several objects; no precondition to lose', async () => {
    const { client, ctx, policy, configMaps } = setup(['swDeploymentTools', 'dnsManipulation']);
    await reconcileAdapterPolicy(policy(), ctx);
    expect(configMaps()).toHaveLength(2);
    expect(client.writes.map((w) => `${w.verb} ${w.kind}`)).toEqual([
      'create ConfigMap',
      'create ConfigMap',
      'create Event',
      'applyStatus NimbusPolicy',
    ]);
    const [event] = await client.list<KubernetesObject & { reason?: string; message?: string }>(
      EVENTS,
      'shop',
    );
    expect(event).toMatchObject({
      reason: 'EnginePolicySynced',
      message: 'test: created ConfigMap/web-swdeploymenttools, created ConfigMap/web-dnsmanipulation',
    });
    expect(client.writes.at(-1)?.fieldManager).toBe('nimbus-test');
  });

  it('deletes what it no longer builds and withdraws its entry', async () => {
    const { client, ctx, policy, configMaps } = setup(['swDeploymentTools', 'dnsManipulation']);
    await reconcileAdapterPolicy(policy(), ctx);
    expect(configMaps()).toHaveLength(2);
    await client.patch(
      RESOURCES.NimbusPolicy,
      { namespace: 'shop', name: 'web' },
      {
        spec: { rules: [{ id: 'dnsManipulation', rule: { action: 'Audit' } }] },
      },
    );
    await reconcileAdapterPolicy(policy(), ctx);
    expect(configMaps().map((c) => c.metadata?.name)).toEqual(['web-dnsmanipulation']);
    expect(policy().status?.adapterPolicies).toEqual(['ConfigMap/web-dnsmanipulation']);
  });

  it('never overwrites an object of the name it does not manage: NameConflict', async () => {
    const { client, ctx, policy, configMaps } = setup();
    client.seed(CONFIG_MAPS, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'web-swdeploymenttools', namespace: 'shop' },
      data: { mine: 'no' },
    } as KubernetesObject);
    await reconcileAdapterPolicy(policy(), ctx);
    expect((configMaps()[0] as { data?: object }).data).toEqual({ mine: 'no' });
    expect(ready(policy())).toMatchObject({ status: 'False', reason: 'NameConflict' });
  });

  it('a refused object: reported as EngineObjectRejected, then rethrown for the backoff', async () => {
    const { client, ctx, policy } = setup();
    client.failWrites('create', CONFIG_MAPS, new ApiError(422, 'Invalid', 'data.action: Invalid value'));
    await expect(reconcileAdapterPolicy(policy(), ctx)).rejects.toBeInstanceOf(ApiError);
    expect(ready(policy())).toMatchObject({ status: 'False', reason: 'EngineObjectRejected' });
    expect(policy().status?.enforcement).toBeUndefined();
  });

  it('ignores a policy no existing binding owns', async () => {
    const { client, ctx, policy } = setup();
    await client.delete(RESOURCES.SecurityIntentBinding, { namespace: 'shop', name: 'web' });
    await reconcileAdapterPolicy(policy(), ctx);
    expect(client.writes.filter((w) => w.kind !== 'SecurityIntentBinding')).toEqual([]);
  });

  it('a builder that throws: BuildFailed, and no retry', async () => {
    const { ctx, policy } = setup();
    const failing = {
      ...ctx,
      declaration: {
        ...declaration,
        build: () => {
          throw new Error('bad params');
        },
      },
    };
    expect((await reconcileAdapterPolicy(policy(), failing)).requeueAfterMs).toBeUndefined();
    expect(ready(policy())).toMatchObject({ status: 'False', reason: 'BuildFailed', message: 'bad params' });
  });
});
