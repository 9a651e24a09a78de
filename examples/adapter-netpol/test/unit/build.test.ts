import { readdirSync, readFileSync } from 'node:fs';
import type { BuildContext, Builder } from '@nimbus-ts/adapter-sdk';
import type { NimbusPolicy } from '@nimbus-ts/api';
import { IntentIds } from '@nimbus-ts/idpool';
import { describe, expect, it } from 'vitest';
import { buildNetworkPolicies, NETPOL_INTENTS } from '../../src/build.js';
import type { NetworkPolicy, Node } from '../../src/network-policy.js';

const DNS = IntentIds.dnsManipulation;
const DENY = IntentIds.denyExternalNetworkAccess;

function policy(
  ids: readonly string[],
  selector: NimbusPolicy['spec']['selector'] = { matchLabels: { app: 'web' } },
): NimbusPolicy {
  return {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'NimbusPolicy',
    metadata: { name: 'web', namespace: 'shop', uid: 'uid-1' },
    spec: { selector, rules: ids.map((id) => ({ id, rule: { action: 'Block' } })) },
  };
}

function context(ids: readonly string[], nodes: readonly Node[], action = 'Block'): BuildContext {
  return { rules: ids.map((id) => ({ id, rule: { id, rule: { action } } })), inputs: { nodes } };
}

const node = (name: string, spec: Node['spec']): Node => ({ metadata: { name }, spec });

// The expectation, written from the adapter's contract rather than from its code.
const DNS_PEER = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};
const DNS_PORTS = [
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
];
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
const blocks = (cidrs: readonly string[]) => cidrs.map((cidr) => ({ ipBlock: { cidr } }));

function expected(id: string, cidrs: readonly string[]): NetworkPolicy {
  const head = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' } as const;
  const podSelector = { matchLabels: { app: 'web' } };
  if (id === DNS) {
    return {
      ...head,
      metadata: { name: 'web-dnsmanipulation' },
      spec: {
        podSelector,
        policyTypes: ['Egress'],
        egress: [{ to: [...blocks(cidrs), DNS_PEER], ports: DNS_PORTS }],
      },
    } as NetworkPolicy;
  }
  return {
    ...head,
    metadata: { name: 'web-denyexternalnetworkaccess' },
    spec: {
      podSelector,
      policyTypes: ['Egress', 'Ingress'],
      ingress: [{ from: blocks([...cidrs, ...PRIVATE]) }],
      egress: [{ to: [DNS_PEER], ports: DNS_PORTS }, { to: blocks([...cidrs, ...PRIVATE]) }],
    },
  } as NetworkPolicy;
}

const NODE_ROWS: [string, Node[], string[]][] = [
  ['no nodes', [], []],
  ['one node', [node('a', { podCIDRs: ['10.244.0.0/24'] })], ['10.244.0.0/24']],
  ['one node with only podCIDR', [node('a', { podCIDR: '10.244.0.0/24' })], ['10.244.0.0/24']],
  ['one node without a pod range yet', [{ metadata: { name: 'a' } }], []],
  [
    'two nodes: dual-stack, and only podCIDR',
    [
      node('b', { podCIDR: '10.244.1.0/24' }),
      node('a', { podCIDR: 'fd00:10:244::/64', podCIDRs: ['fd00:10:244::/64', '10.244.0.0/24'] }),
    ],
    ['10.244.0.0/24', 'fd00:10:244::/64', '10.244.1.0/24'],
  ],
  [
    'two nodes sharing a range',
    [
      node('b', { podCIDRs: ['10.244.0.0/24', '10.244.1.0/24'] }),
      node('a', { podCIDRs: ['10.244.0.0/24', '10.244.0.0/24'] }),
    ],
    ['10.244.0.0/24', '10.244.1.0/24'],
  ],
];

describe.each([DNS, DENY])('%s', (id) => {
  it.each(NODE_ROWS)('with %s', (_, nodes, cidrs) => {
    expect(buildNetworkPolicies(policy([id]), context([id], nodes))).toEqual([expected(id, cidrs)]);
  });

  const [a, b, c] = [
    node('a', { podCIDRs: ['10.244.0.0/24', 'fd00:10:244::/64'] }),
    node('b', { podCIDR: '10.244.1.0/24' }),
    node('c', { podCIDRs: ['10.244.2.0/24'] }),
  ];
  it.each([[[c, b, a]], [[b, a, c]], [[a, c, b]]])(
    'gives the same output whatever the node order (#%#)',
    (nodes) => {
      expect(buildNetworkPolicies(policy([id]), context([id], nodes))).toEqual(
        buildNetworkPolicies(policy([id]), context([id], [a, b, c])),
      );
    },
  );

  it('ignores the action: a NetworkPolicy cannot audit', () => {
    expect(buildNetworkPolicies(policy([id]), context([id], [a], 'Audit'))).toEqual(
      buildNetworkPolicies(policy([id]), context([id], [a], 'Block')),
    );
  });
});

describe('buildNetworkPolicies', () => {
  const nodes = [
    node('worker', { podCIDR: '10.244.1.0/24' }),
    node('control-plane', { podCIDRs: ['10.244.0.0/24', 'fd00:10:244::/64'] }),
  ];

  it('builds the exact dnsManipulation object', () => {
    expect(buildNetworkPolicies(policy([DNS]), context([DNS], nodes))).toStrictEqual([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'web-dnsmanipulation' },
        spec: {
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Egress'],
          egress: [
            {
              to: [
                { ipBlock: { cidr: '10.244.0.0/24' } },
                { ipBlock: { cidr: 'fd00:10:244::/64' } },
                { ipBlock: { cidr: '10.244.1.0/24' } },
                {
                  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
                },
              ],
              ports: [
                { protocol: 'UDP', port: 53 },
                { protocol: 'TCP', port: 53 },
              ],
            },
          ],
        },
      },
    ]);
  });

  it('builds the exact denyExternalNetworkAccess object', () => {
    const inside = [
      { ipBlock: { cidr: '10.244.0.0/24' } },
      { ipBlock: { cidr: 'fd00:10:244::/64' } },
      { ipBlock: { cidr: '10.244.1.0/24' } },
      { ipBlock: { cidr: '10.0.0.0/8' } },
      { ipBlock: { cidr: '172.16.0.0/12' } },
      { ipBlock: { cidr: '192.168.0.0/16' } },
    ];
    expect(buildNetworkPolicies(policy([DENY]), context([DENY], nodes))).toStrictEqual([
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'web-denyexternalnetworkaccess' },
        spec: {
          podSelector: { matchLabels: { app: 'web' } },
          policyTypes: ['Egress', 'Ingress'],
          ingress: [{ from: inside }],
          egress: [
            {
              to: [
                {
                  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
                },
              ],
              ports: [
                { protocol: 'UDP', port: 53 },
                { protocol: 'TCP', port: 53 },
              ],
            },
            { to: inside },
          ],
        },
      },
    ]);
  });

  it('lists a node range that is also a private range once, node ranges first', () => {
    const [built] = buildNetworkPolicies(
      policy([DENY]),
      context([DENY], [node('a', { podCIDR: '172.16.0.0/12' })]),
    );
    expect(built?.spec.ingress).toEqual([
      { from: blocks(['172.16.0.0/12', '10.0.0.0/8', '192.168.0.0/16']) },
    ]);
    expect(built?.spec.egress?.[1]).toEqual({
      to: blocks(['172.16.0.0/12', '10.0.0.0/8', '192.168.0.0/16']),
    });
  });

  it('builds one object per supported rule, in rule order, and ignores unknown IDs', () => {
    const ids = ['escapeToHost', DENY, 'notAnIntent', DNS];
    expect(buildNetworkPolicies(policy(ids), context(ids, nodes)).map((np) => np.metadata.name)).toEqual([
      'web-denyexternalnetworkaccess',
      'web-dnsmanipulation',
    ]);
    expect(buildNetworkPolicies(policy(['escapeToHost']), context(['escapeToHost'], nodes))).toEqual([]);
  });

  it('keeps every name within 253 characters, distinct, when the NimbusPolicy name is the longest allowed', () => {
    const long = policy([DNS, DENY]);
    long.metadata.name = 'n'.repeat(253);
    const names = buildNetworkPolicies(long, context([DNS, DENY], nodes)).map((np) => np.metadata.name);
    expect(names).toHaveLength(2);
    expect(new Set(names).size).toBe(2);
    for (const name of names) expect(name).toMatch(/^n{242}-[0-9a-f]{10}$/);
  });

  it.each([
    ['absent', {}],
    ['empty', { matchLabels: {} }],
  ])('selects every pod when the selector is %s', (_, selector) => {
    for (const built of buildNetworkPolicies(policy([DNS, DENY], selector), context([DNS, DENY], nodes))) {
      expect(built.spec.podSelector).toStrictEqual({ matchLabels: {} });
    }
  });

  it('treats a missing nodes input as no nodes', () => {
    const withoutNodes: BuildContext = { rules: context([DNS], []).rules, inputs: {} };
    expect(buildNetworkPolicies(policy([DNS]), withoutNodes)).toEqual([expected(DNS, [])]);
  });

  it('modifies neither argument and shares no object with them', () => {
    const frozenPolicy = deepFreeze(policy([DNS, DENY]));
    const frozenContext = deepFreeze(context([DNS, DENY], nodes));
    const before = structuredClone({ frozenPolicy, frozenContext });
    const built = buildNetworkPolicies(frozenPolicy, frozenContext);
    expect({ frozenPolicy, frozenContext }).toStrictEqual(before);
    expect(built[0]?.spec.podSelector.matchLabels).not.toBe(frozenPolicy.spec.selector.matchLabels);
    expect(buildNetworkPolicies(frozenPolicy, frozenContext)).toStrictEqual(built);
  });

  it('fits the SDK: declares both intents and is a Builder<NimbusPolicy>', () => {
    const build: Builder<NimbusPolicy> = buildNetworkPolicies;
    expect(build).toBe(buildNetworkPolicies);
    expect(NETPOL_INTENTS).toEqual(['dnsManipulation', 'denyExternalNetworkAccess']);
  });
});

describe('public entry points only', () => {
  const srcDir = new URL('../../src/', import.meta.url);
  const files = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  // Static imports and re-exports (`from '…'`), side-effect imports (`import '…'`) and dynamic `import('…')`.
  const SPECIFIER =
    /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]|\brequire\s*\(\s*['"]([^'"]+)['"]/g;

  it('finds the source files', () => {
    expect(files).toEqual(expect.arrayContaining(['build.ts', 'network-policy.ts']));
  });

  const PUBLIC = ['@nimbus-ts/adapter-sdk', '@nimbus-ts/api', '@nimbus-ts/k8s', '@nimbus-ts/idpool'];

  it.each(files)('%s imports only the public layer packages and relative paths', (file) => {
    const source = readFileSync(new URL(file, srcDir), 'utf8');
    const specifiers = [...source.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3]);
    const allowed = (s: string | undefined) =>
      (s !== undefined && PUBLIC.includes(s)) || s?.startsWith('./') || s?.startsWith('../');
    expect(specifiers.filter((s) => !allowed(s))).toEqual([]);
  });

  it('recognises every import form it guards against', () => {
    const sample = `import a from 'x'; export * from "y"; import 'z'; await import('w'); require('v');`;
    expect([...sample.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3])).toEqual([
      'x',
      'y',
      'z',
      'w',
      'v',
    ]);
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
