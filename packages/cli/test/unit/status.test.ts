import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import {
  announcementMetadata,
  type NimbusPolicy,
  type SecurityIntent,
  type SecurityIntentBinding,
} from '@nimbus-ts/api';
import type { ObjectRef, ResourceType } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import {
  AdapterRegistry,
  BUILTIN_ADAPTERS,
  type ClusterReader,
  collectStatus,
  styleFor,
} from '../../src/index.js';
import { statusTree } from '../../src/status/tree.js';
import { netpolDeclaration, run } from '../helpers.js';

// `nimbus status` without a cluster: the report and the tree built from objects a fake reader serves. The same
// against a real control plane, operator and adapter is in test/integration/status.test.ts.

const API = 'intent.security.nimbus.com/v1alpha1';
const NOW = '2025-01-01T00:00:00Z';

const condition = (type: string, status: 'True' | 'False', reason: string, message = '') => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: NOW,
  observedGeneration: 1,
});

/** Serves fixed objects, as the API server would list and get them. */
class FakeCluster implements ClusterReader {
  constructor(private readonly objects: KubernetesObject[]) {}
  async list<T extends KubernetesObject>(resource: ResourceType, namespace?: string): Promise<T[]> {
    return this.objects.filter(
      (o) => o.kind === resource.kind && (namespace === undefined || o.metadata?.namespace === namespace),
    ) as T[];
  }
  async get<T extends KubernetesObject>(resource: ResourceType, ref: ObjectRef): Promise<T | undefined> {
    return this.objects.find(
      (o) =>
        o.kind === resource.kind &&
        o.metadata?.name === ref.name &&
        (o.metadata?.namespace ?? undefined) === ref.namespace,
    ) as T | undefined;
  }
}

function cluster(options: { withNetworkPolicy: boolean; enforced: boolean }): KubernetesObject[] {
  const si: SecurityIntent = {
    apiVersion: API,
    kind: 'SecurityIntent',
    metadata: { name: 'dns' },
    spec: { intent: { id: 'dnsManipulation', action: 'Block' } },
  };
  const sib: SecurityIntentBinding = {
    apiVersion: API,
    kind: 'SecurityIntentBinding',
    metadata: { name: 'web', namespace: 'shop', uid: 'sib-uid', generation: 1 },
    spec: {
      intents: [{ name: 'dns' }, { name: 'gone' }],
      selector: { workloadSelector: { matchLabels: { app: 'web' } } },
    },
    status: {
      nimbusPolicy: 'web',
      conditions: [condition('Ready', 'True', 'NimbusPolicyUpToDate', 'NimbusPolicy shop/web has 1 rule(s)')],
    },
  };
  const np: NimbusPolicy = {
    apiVersion: API,
    kind: 'NimbusPolicy',
    metadata: {
      name: 'web',
      namespace: 'shop',
      uid: 'np-uid',
      generation: 1,
      ownerReferences: [
        { apiVersion: API, kind: 'SecurityIntentBinding', name: 'web', uid: 'sib-uid', controller: true },
      ],
    },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      rules: [{ id: 'dnsManipulation', rule: { action: 'Block' } }],
    },
    status: {
      adapterPolicies: ['KubeArmorPolicy/web-dnsmanipulation', 'NetworkPolicy/web-dnsmanipulation'],
      enforcement: [{ ruleId: 'dnsManipulation', adapters: ['kubearmor', 'netpol'] }],
      conditions: [
        options.enforced
          ? condition(
              'Enforced',
              'True',
              'AdaptersRunning',
              'every rule has a running adapter that enforces it',
            )
          : condition('Enforced', 'False', 'NoRunningAdapter', 'no running adapter enforces dnsManipulation'),
        condition('nimbus-kubearmor/Ready', 'True', 'Applied', '1 engine policies enforce dnsManipulation'),
        condition('nimbus-netpol/Ready', 'True', 'Applied', '1 engine policies enforce dnsManipulation'),
      ],
    },
  };
  const owned = (apiVersion: string, kind: string) => ({
    apiVersion,
    kind,
    metadata: {
      name: 'web-dnsmanipulation',
      namespace: 'shop',
      annotations: {
        'app.kubernetes.io/managed-by': `nimbus-${kind === 'NetworkPolicy' ? 'netpol' : 'kubearmor'}`,
      },
      ownerReferences: [
        { apiVersion: API, kind: 'NimbusPolicy', name: 'web', uid: 'np-uid', controller: true },
      ],
    },
  });
  return [
    si,
    sib,
    np,
    owned('security.kubearmor.com/v1', 'KubeArmorPolicy'),
    ...(options.withNetworkPolicy ? [owned('networking.k8s.io/v1', 'NetworkPolicy')] : []),
  ] as KubernetesObject[];
}

// The netpol example's adapter, loaded as nimbus loads a third-party adapter, next to the built-ins.
const withNetpol = async () => new AdapterRegistry([...BUILTIN_ADAPTERS, await netpolDeclaration()]);

const plain = styleFor({ write: () => undefined, isTTY: false }, {});
const fancy = styleFor({ write: () => undefined, isTTY: true }, {});

describe('nimbus status report', () => {
  it('follows a binding to its intents, policy, adapters and engine objects, and says what is wrong', async () => {
    const reader = new FakeCluster(cluster({ withNetworkPolicy: false, enforced: true }));
    const report = await collectStatus(reader, await withNetpol(), { namespace: 'shop' });
    expect(report.healthy).toBe(false);
    expect(statusTree(report, plain)).toBe(
      [
        'FAIL SecurityIntentBinding shop/web',
        '|- ok Ready=True NimbusPolicyUpToDate: NimbusPolicy shop/web has 1 rule(s)',
        '|- intents',
        '|  |- ok dns  dnsManipulation (Block)',
        '|  `- FAIL gone  not found',
        '`- FAIL NimbusPolicy shop/web',
        '   |- ok Enforced=True AdaptersRunning: every rule has a running adapter that enforces it',
        '   |- rules',
        '   |  `- dnsManipulation -> kubearmor, netpol',
        '   |- ok adapter kubearmor  nimbus-kubearmor/Ready=True Applied: 1 engine policies enforce dnsManipulation',
        '   |  `- ok KubeArmorPolicy shop/web-dnsmanipulation',
        '   `- FAIL adapter netpol  nimbus-netpol/Ready=True Applied: 1 engine policies enforce dnsManipulation',
        '      `- FAIL NetworkPolicy shop/web-dnsmanipulation missing',
        '',
        '1 binding(s) in namespace shop: 0 healthy, 1 degraded',
        '',
      ].join('\n'),
    );
    const [binding] = report.bindings;
    expect(binding?.intents[1]).toEqual({
      name: 'gone',
      found: false,
      problems: ['SecurityIntent gone does not exist; the binding skips it'],
    });
    expect(binding?.policies[0]?.adapters[1]?.problems).toEqual([
      'NetworkPolicy shop/web-dnsmanipulation is listed in the policy status but does not exist',
    ]);
  });

  it('is healthy when every condition holds and every listed object exists', async () => {
    const objects = cluster({ withNetworkPolicy: true, enforced: true });
    const sib = objects[1] as SecurityIntentBinding;
    sib.spec.intents = [{ name: 'dns' }];
    const report = await collectStatus(new FakeCluster(objects), await withNetpol(), {});
    expect(report.healthy).toBe(true);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the colour codes are what is removed.
    const tree = statusTree(report, fancy).replace(/\u001b\[[0-9;]*m/g, '');
    expect(tree).toContain('├─ ');
    expect(tree).toContain('✔ adapter');
    expect(tree).toContain('1 binding(s) in any namespace: 1 healthy, 0 degraded');
  });

  it('reports a policy that is not Enforced', async () => {
    const objects = cluster({ withNetworkPolicy: true, enforced: false });
    (objects[1] as SecurityIntentBinding).spec.intents = [{ name: 'dns' }];
    const report = await collectStatus(new FakeCluster(objects), await withNetpol(), {
      namespace: 'shop',
    });
    expect(report.healthy).toBe(false);
    expect(report.bindings[0]?.policies[0]?.problems).toEqual([
      'Enforced is False (NoRunningAdapter): no running adapter enforces dnsManipulation',
    ]);
    expect(statusTree(report, plain)).toContain(
      '   |- FAIL Enforced=False NoRunningAdapter: no running adapter enforces dnsManipulation',
    );
  });

  it('tells apart two adapters that write the same kind, by the policy record and by the managed-by mark', async () => {
    // A third-party NetworkPolicy adapter next to netpol (issue 13).
    const netpol = await netpolDeclaration();
    const adapters = new AdapterRegistry([
      ...BUILTIN_ADAPTERS,
      netpol,
      { name: 'fence', intents: ['dnsManipulation'], kinds: netpol.kinds, build: () => [] },
    ]);
    const objects = cluster({ withNetworkPolicy: true, enforced: true });
    (objects[1] as SecurityIntentBinding).spec.intents = [{ name: 'dns' }];
    const np = objects[2] as NimbusPolicy;
    np.status = {
      ...np.status,
      adapterPolicies: [
        'NetworkPolicy/web-dnsmanipulation',
        'NetworkPolicy/web-fence',
        'NetworkPolicy/web-fence-gone',
        'NetworkPolicy/web-unrecorded',
      ],
      // web-unrecorded was written by a fence without records: only its live object's mark says whose it is.
      policiesByAdapter: [
        { adapter: 'netpol', policies: ['NetworkPolicy/web-dnsmanipulation'] },
        { adapter: 'fence', policies: ['NetworkPolicy/web-fence', 'NetworkPolicy/web-fence-gone'] },
      ],
      conditions: [
        ...(np.status?.conditions ?? []),
        condition('nimbus-fence/Ready', 'True', 'Applied', '2 engine policies enforce dnsManipulation'),
      ],
    };
    const fenced = (name: string) => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: {
        name,
        namespace: 'shop',
        annotations: { 'app.kubernetes.io/managed-by': 'nimbus-fence' },
        ownerReferences: [
          { apiVersion: API, kind: 'NimbusPolicy', name: 'web', uid: 'np-uid', controller: true },
        ],
      },
    });
    objects.push(fenced('web-fence'), fenced('web-unrecorded'));

    const report = await collectStatus(new FakeCluster(objects), adapters, { namespace: 'shop' });
    const views = report.bindings[0]?.policies[0]?.adapters ?? [];
    const objectsOf = (name: string) =>
      views.find((a) => a.name === name)?.objects.map((o) => `${o.name} ${o.state}`);
    expect(objectsOf('netpol')).toEqual(['web-dnsmanipulation present']);
    expect(objectsOf('fence')).toEqual([
      'web-fence present',
      'web-fence-gone missing',
      'web-unrecorded present',
    ]);
  });

  it('says so when a namespace has no bindings', async () => {
    const report = await collectStatus(new FakeCluster([]), new AdapterRegistry(), { namespace: 'empty' });
    expect(report).toEqual({ namespace: 'empty', bindings: [], healthy: true });
    expect(statusTree(report, plain)).toBe(
      'No SecurityIntentBindings or ClusterSecurityIntentBindings in namespace empty.\n',
    );
  });
});

describe('nimbus status without a reachable cluster', () => {
  it('exits 1 naming a kubeconfig that does not exist', async () => {
    const { code, stderr } = await run(['status', '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(code).toBe(1);
    expect(stderr).toBe(
      'nimbus status: error: kubeconfig /nonexistent/kubeconfig: no such file; pass --kubeconfig PATH or set KUBECONFIG\n',
    );
  });

  it('exits 1 when the API server does not answer, and names the context it could not find', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-status-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
current-context: here
contexts: [{name: here, context: {cluster: c, user: u, namespace: shop}}]
clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
`,
    );
    const refused = await run(['status'], { env: { KUBECONFIG: kubeconfig } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^nimbus status: error: cannot read the cluster: .*ECONNREFUSED/);
    const wrongContext = await run(['status', '--kubeconfig', kubeconfig, '--context', 'there']);
    expect(wrongContext.code).toBe(1);
    expect(wrongContext.stderr).toContain('context "there" not found');
  });
});

describe('nimbus status of a third-party adapter it has no code for', () => {
  // A kind no built-in adapter writes (k8tls writes ConfigMaps), so only the Lease can say what an entry of it is.
  const SECRETS = { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true };
  const now = Date.parse(NOW);
  const objects = (supported: 'True' | 'False'): KubernetesObject[] =>
    [
      {
        apiVersion: API,
        kind: 'SecurityIntent',
        metadata: { name: 'guard', generation: 1 },
        spec: { intent: { id: 'acmeGuard', action: 'Block' } },
        status: {
          conditions: [
            supported === 'True'
              ? condition('IntentSupported', 'True', 'KnownIntentID', 'announced by acme')
              : condition('IntentSupported', 'False', 'UnknownIntentID', 'intent ID acmeGuard is not known'),
          ],
        },
      },
      {
        apiVersion: API,
        kind: 'SecurityIntentBinding',
        metadata: { name: 'web', namespace: 'shop', uid: 'sib-uid', generation: 1 },
        spec: {
          intents: [{ name: 'guard' }],
          selector: { workloadSelector: { matchLabels: { app: 'web' } } },
        },
        status: { nimbusPolicy: 'web', conditions: [condition('Ready', 'True', 'NimbusPolicyUpToDate')] },
      },
      {
        apiVersion: API,
        kind: 'NimbusPolicy',
        metadata: {
          name: 'web',
          namespace: 'shop',
          uid: 'np-uid',
          generation: 1,
          ownerReferences: [
            { apiVersion: API, kind: 'SecurityIntentBinding', name: 'web', uid: 'sib-uid', controller: true },
          ],
        },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          rules: [{ id: 'acmeGuard', rule: { action: 'Block' } }],
        },
        status: {
          adapterPolicies: ['Secret/web-acmeguard'],
          enforcement: [{ ruleId: 'acmeGuard', adapters: ['acme'] }],
          conditions: [
            condition(
              'Enforced',
              'True',
              'AdaptersRunning',
              'every rule has a running adapter that enforces it',
            ),
            condition('nimbus-acme/Ready', 'True', 'Applied', '1 engine policies enforce acmeGuard'),
          ],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'web-acmeguard',
          namespace: 'shop',
          annotations: { 'app.kubernetes.io/managed-by': 'nimbus-acme' },
          ownerReferences: [
            { apiVersion: API, kind: 'NimbusPolicy', name: 'web', uid: 'np-uid', controller: true },
          ],
        },
      },
    ] as KubernetesObject[];
  // The Lease the running adapter holds, as runAdapter writes it.
  const lease = (renewedMsAgo: number): KubernetesObject => {
    const { labels, annotations } = announcementMetadata('acme', ['acmeGuard'], [SECRETS]);
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'nimbus-acme', namespace: 'acme-system', labels, annotations },
      spec: {
        holderIdentity: 'acme-0',
        renewTime: new Date(now - renewedMsAgo).toISOString(),
        leaseDurationSeconds: 15,
      },
    } as KubernetesObject;
  };
  const collect = (reader: ClusterReader) =>
    collectStatus(reader, new AdapterRegistry(), { namespace: 'shop', now: () => now });

  it('looks its objects up through the kinds its Lease announces, and takes the IDs it announces', async () => {
    // The operator has not caught up with the announcement yet: the intent still says UnknownIntentID.
    const report = await collect(new FakeCluster([...objects('False'), lease(1_000)]));
    expect(report.bindings[0]?.intents[0]?.problems).toEqual([]);
    const adapters = report.bindings[0]?.policies[0]?.adapters;
    expect(adapters?.map((a) => [a.name, a.condition?.status, a.problems])).toEqual([['acme', 'True', []]]);
    expect(adapters?.[0]?.objects).toEqual([
      {
        entry: 'Secret/web-acmeguard',
        kind: 'Secret',
        name: 'web-acmeguard',
        namespace: 'shop',
        state: 'present',
      },
    ]);
    expect(report.healthy).toBe(true);
  });

  it('reports its objects as unchecked and its ID as unsupported once its Lease has expired', async () => {
    const report = await collect(new FakeCluster([...objects('False'), lease(60_000)]));
    expect(report.healthy).toBe(false);
    expect(report.bindings[0]?.intents[0]?.problems).toEqual(['intent ID acmeGuard is not known']);
    // The adapter's own report is there, but its object is not looked up: nobody says what a Secret entry is.
    const adapters = report.bindings[0]?.policies[0]?.adapters ?? [];
    expect(
      adapters.map((a) => `${a.name}: ${a.objects.map((o) => `${o.kind} ${o.state}`).join(', ')}`),
    ).toEqual(['acme: ', 'unknown: Secret unchecked']);
  });

  it("does not look an entry up as a built-in adapter's kind when another adapter recorded it", async () => {
    // acme writes ConfigMaps, as the built-in k8tls adapter does; acme's Lease has expired, so nothing says what
    // acme's ConfigMap is, and k8tls's kind table must not answer for an entry acme recorded.
    const withConfigMap = objects('False').map((o) => {
      if (o.kind === 'Secret') return { ...o, apiVersion: 'v1', kind: 'ConfigMap' };
      if (o.kind !== 'NimbusPolicy') return o;
      const policy = o as KubernetesObject & { status: Record<string, unknown> };
      return {
        ...policy,
        status: {
          ...policy.status,
          adapterPolicies: ['ConfigMap/web-acmeguard'],
          policiesByAdapter: [{ adapter: 'acme', policies: ['ConfigMap/web-acmeguard'] }],
        },
      };
    }) as KubernetesObject[];
    const report = await collect(new FakeCluster([...withConfigMap, lease(60_000)]));
    const adapters = report.bindings[0]?.policies[0]?.adapters ?? [];
    expect(adapters.flatMap((a) => a.objects.map((o) => `${a.name}: ${o.entry} ${o.state}`))).toEqual([
      'acme: ConfigMap/web-acmeguard unchecked',
    ]);
  });

  it('does without the Leases when the user may not list them', async () => {
    class NoLeases extends FakeCluster {
      override async list<T extends KubernetesObject>(
        resource: ResourceType,
        namespace?: string,
      ): Promise<T[]> {
        if (resource.kind === 'Lease') throw Object.assign(new Error('leases is forbidden'), { code: 403 });
        return super.list<T>(resource, namespace);
      }
    }
    const report = await collect(new NoLeases([...objects('True'), lease(1_000)]));
    expect(report.bindings[0]?.intents[0]?.problems).toEqual([]);
    const adapters = report.bindings[0]?.policies[0]?.adapters ?? [];
    expect(adapters.find((a) => a.name === 'unknown')?.objects.map((o) => o.state)).toEqual(['unchecked']);
  });
});
