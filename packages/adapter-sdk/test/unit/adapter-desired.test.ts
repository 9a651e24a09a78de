import type { KubernetesObject } from '@kubernetes/client-node';
import {
  API_VERSION,
  type ClusterNimbusPolicy,
  MANAGED_BY_ANNOTATION,
  type NimbusPolicy,
  type NimbusRule,
} from '@nimbus-ts/api';
import { defaultRegistry, IntentRegistry } from '@nimbus-ts/idpool';
import { NODES, type ResourceType, SECRETS } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import {
  type AdapterDeclaration,
  type BuildContext,
  type DesiredObject,
  desiredState,
  supportedRules,
} from '../../src/index.js';

const CONFIG_MAPS: ResourceType = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
const CLUSTER_ROLES: ResourceType = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  plural: 'clusterroles',
  namespaced: false,
};

function rule(id: string, action = 'Block'): NimbusRule {
  return { id, rule: { action } };
}

function nimbusPolicy(rules: NimbusRule[], metadata: NimbusPolicy['metadata'] = {}): NimbusPolicy {
  return {
    apiVersion: API_VERSION,
    kind: 'NimbusPolicy',
    metadata: { name: 'web', namespace: 'team-a', uid: 'uid-web', ...metadata },
    spec: { selector: { matchLabels: { app: 'web' } }, rules },
  };
}

function clusterPolicy(
  rules: NimbusRule[],
  metadata: ClusterNimbusPolicy['metadata'] = {},
): ClusterNimbusPolicy {
  return {
    apiVersion: API_VERSION,
    kind: 'ClusterNimbusPolicy',
    metadata: { name: 'everywhere', uid: 'uid-everywhere', ...metadata },
    spec: { rules },
  };
}

function configMap(name: string, extra: Partial<KubernetesObject['metadata']> = {}): DesiredObject {
  const object: KubernetesObject & { data: Record<string, string> } = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, ...extra },
    data: { key: name },
  };
  return object;
}

function clusterRole(name: string, extra: Partial<KubernetesObject['metadata']> = {}): DesiredObject {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, ...extra } };
}

/** A registry without the built-in intents, knowing only `thirdPartyIntent` with its alias `tpi`. */
function customRegistry(): IntentRegistry {
  return new IntentRegistry([
    {
      id: 'thirdPartyIntent',
      title: 'Third party',
      description: 'An intent only the demo adapter knows.',
      aliases: ['tpi'],
      params: [],
      engines: ['demo'],
    },
  ]);
}

interface Calls {
  build: { policy: NimbusPolicy; context: BuildContext }[];
  buildCluster: { policy: ClusterNimbusPolicy; context: BuildContext }[];
}

/** The fake `demo` adapter: its builders record their calls and return what the test gives them. */
function demo(
  built: readonly DesiredObject[] = [configMap('cm')],
  overrides: Partial<AdapterDeclaration> = {},
): { declaration: AdapterDeclaration; calls: Calls } {
  const calls: Calls = { build: [], buildCluster: [] };
  const declaration: AdapterDeclaration = {
    name: 'demo',
    intents: ['dnsManipulation', 'swDeploymentTools', 'thirdPartyIntent'],
    kinds: [CONFIG_MAPS, CLUSTER_ROLES],
    inputs: { nodes: NODES, secrets: SECRETS },
    build: (policy, context) => {
      calls.build.push({ policy, context });
      return built;
    },
    buildCluster: (policy, context) => {
      calls.buildCluster.push({ policy, context });
      return built;
    },
    ...overrides,
  };
  return { declaration, calls };
}

describe('supportedRules', () => {
  const intents = ['dnsManipulation', 'swDeploymentTools', 'thirdPartyIntent'];

  it.each<{ name: string; rules: NimbusRule[]; expected: { id: string; spelt: string }[] }>([
    { name: 'no rules', rules: [], expected: [] },
    {
      name: 'a canonical ID as written',
      rules: [rule('dnsManipulation')],
      expected: [{ id: 'dnsManipulation', spelt: 'dnsManipulation' }],
    },
    {
      name: 'the alias pkgMgrs as swDeploymentTools, keeping the rule as spelt',
      rules: [rule('pkgMgrs')],
      expected: [{ id: 'swDeploymentTools', spelt: 'pkgMgrs' }],
    },
    {
      name: 'the policy order, not the order of the declared intents',
      rules: [rule('swDeploymentTools'), rule('dnsManipulation')],
      expected: [
        { id: 'swDeploymentTools', spelt: 'swDeploymentTools' },
        { id: 'dnsManipulation', spelt: 'dnsManipulation' },
      ],
    },
    {
      name: 'one rule per canonical ID, the alias first',
      rules: [rule('pkgMgrs'), rule('dnsManipulation'), rule('swDeploymentTools')],
      expected: [
        { id: 'swDeploymentTools', spelt: 'pkgMgrs' },
        { id: 'dnsManipulation', spelt: 'dnsManipulation' },
      ],
    },
    {
      name: 'one rule per canonical ID, the canonical spelling first',
      rules: [rule('swDeploymentTools'), rule('pkgMgrs')],
      expected: [{ id: 'swDeploymentTools', spelt: 'swDeploymentTools' }],
    },
    {
      name: 'the same ID twice once',
      rules: [rule('dnsManipulation'), rule('dnsManipulation', 'Audit')],
      expected: [{ id: 'dnsManipulation', spelt: 'dnsManipulation' }],
    },
    {
      name: 'an ID unknown to the registry, compared as written',
      rules: [rule('thirdPartyIntent')],
      expected: [{ id: 'thirdPartyIntent', spelt: 'thirdPartyIntent' }],
    },
    {
      name: 'nothing for an unknown ID spelt in another case',
      rules: [rule('ThirdPartyIntent')],
      expected: [],
    },
    {
      name: 'nothing for known intents the adapter does not declare',
      rules: [rule('escapeToHost'), rule('denyExternalNetworkAccess')],
      expected: [],
    },
    {
      name: 'only the supported ones among others',
      rules: [rule('escapeToHost'), rule('pkgMgrs'), rule('unknownToAll'), rule('thirdPartyIntent')],
      expected: [
        { id: 'swDeploymentTools', spelt: 'pkgMgrs' },
        { id: 'thirdPartyIntent', spelt: 'thirdPartyIntent' },
      ],
    },
  ])('keeps $name', ({ rules, expected }) => {
    const result = supportedRules(rules, intents, defaultRegistry);
    expect(result.map((r) => ({ id: r.id, spelt: r.rule.id }))).toEqual(expected);
    // The rule is passed on as the policy wrote it, not a copy with the canonical ID.
    for (const r of result) expect(rules).toContain(r.rule);
  });

  it('drops a declared alias: intents are canonical IDs', () => {
    expect(
      supportedRules([rule('pkgMgrs'), rule('swDeploymentTools')], ['pkgMgrs'], defaultRegistry),
    ).toEqual([]);
  });

  it('uses the registry it is given', () => {
    const registry = customRegistry();
    expect(supportedRules([rule('pkgMgrs')], ['swDeploymentTools'], registry)).toEqual([]);
    expect(supportedRules([rule('pkgMgrs')], ['pkgMgrs'], registry).map((r) => r.id)).toEqual(['pkgMgrs']);
    expect(supportedRules([rule('tpi')], ['thirdPartyIntent'], registry).map((r) => r.id)).toEqual([
      'thirdPartyIntent',
    ]);
  });
});

describe('desiredState', () => {
  describe('finishing the objects of a NimbusPolicy', () => {
    it('puts namespaced objects into the policy namespace, overriding a namespace the builder set', () => {
      const { declaration } = demo([configMap('a'), configMap('b', { namespace: 'elsewhere' })]);
      const state = desiredState(declaration, nimbusPolicy([rule('dnsManipulation')]));
      expect(state.children.map((c) => c.object.metadata?.namespace)).toEqual(['team-a', 'team-a']);
      expect(state.children.map((c) => c.resource)).toEqual([CONFIG_MAPS, CONFIG_MAPS]);
    });

    it('adds the controller owner reference to the policy, replacing any the builder set', () => {
      const { declaration } = demo([
        configMap('a', {
          ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'pod-uid', controller: true }],
        }),
      ]);
      const [child] = desiredState(declaration, nimbusPolicy([rule('dnsManipulation')])).children;
      expect(child?.object.metadata?.ownerReferences).toEqual([
        {
          apiVersion: API_VERSION,
          kind: 'NimbusPolicy',
          name: 'web',
          uid: 'uid-web',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    });

    it("adds the managed-by annotation and keeps the builder's labels, annotations and content", () => {
      const { declaration } = demo([
        configMap('a', {
          labels: { tier: 'x' },
          annotations: { note: 'kept', [MANAGED_BY_ANNOTATION]: 'me' },
        }),
      ]);
      const [child] = desiredState(declaration, nimbusPolicy([rule('dnsManipulation')])).children;
      expect(child?.object).toEqual({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'a',
          namespace: 'team-a',
          labels: { tier: 'x' },
          annotations: { note: 'kept', 'app.kubernetes.io/managed-by': 'nimbus-demo' },
          ownerReferences: [expect.objectContaining({ uid: 'uid-web', controller: true })],
        },
        data: { key: 'a' },
      });
    });

    it('does not change the objects the builder returned', () => {
      const built = configMap('a', { annotations: { note: 'kept' } });
      const snapshot = structuredClone(built);
      const { declaration } = demo([built]);
      desiredState(declaration, nimbusPolicy([rule('dnsManipulation')]));
      expect(built).toEqual(snapshot);
    });

    it('keeps the build order', () => {
      const { declaration } = demo([configMap('z'), configMap('a'), configMap('m')]);
      const state = desiredState(declaration, nimbusPolicy([rule('dnsManipulation')]));
      expect(state.children.map((c) => c.object.metadata?.name)).toEqual(['z', 'a', 'm']);
    });
  });

  describe('calling the builder', () => {
    it('passes the supported rules with canonical IDs, in policy order', () => {
      const { declaration, calls } = demo();
      const policy = nimbusPolicy([rule('escapeToHost'), rule('pkgMgrs'), rule('dnsManipulation')]);
      const state = desiredState(declaration, policy);
      expect(calls.build).toHaveLength(1);
      expect(calls.build[0]?.policy).toBe(policy);
      expect(calls.build[0]?.context.rules.map((r) => [r.id, r.rule.id])).toEqual([
        ['swDeploymentTools', 'pkgMgrs'],
        ['dnsManipulation', 'dnsManipulation'],
      ]);
      expect(state.rules).toEqual(calls.build[0]?.context.rules);
    });

    it.each([
      { name: 'no rules', rules: [] as NimbusRule[] },
      { name: 'only unsupported rules', rules: [rule('escapeToHost'), rule('assessTLS')] },
    ])('is skipped for a policy with $name, which yields nothing', ({ rules }) => {
      const { declaration, calls } = demo();
      expect(desiredState(declaration, nimbusPolicy(rules))).toEqual({ rules: [], children: [] });
      expect(desiredState(declaration, clusterPolicy(rules))).toEqual({ rules: [], children: [] });
      expect(calls.build).toEqual([]);
      expect(calls.buildCluster).toEqual([]);
    });

    it.each<{
      name: string;
      inputs: Record<string, readonly KubernetesObject[]> | undefined;
      expected: Record<string, readonly KubernetesObject[]>;
    }>([
      { name: 'no inputs given', inputs: undefined, expected: { nodes: [], secrets: [] } },
      { name: 'an empty record', inputs: {}, expected: { nodes: [], secrets: [] } },
      {
        name: 'one of two given',
        inputs: { nodes: [{ kind: 'Node', metadata: { name: 'n1' } }] },
        expected: { nodes: [{ kind: 'Node', metadata: { name: 'n1' } }], secrets: [] },
      },
      {
        name: 'an undeclared input given too',
        inputs: {
          nodes: [{ kind: 'Node', metadata: { name: 'n1' } }],
          secrets: [{ kind: 'Secret', metadata: { name: 's1' } }],
          pods: [{ kind: 'Pod', metadata: { name: 'p1' } }],
        },
        expected: {
          nodes: [{ kind: 'Node', metadata: { name: 'n1' } }],
          secrets: [{ kind: 'Secret', metadata: { name: 's1' } }],
        },
      },
    ])('passes the declared inputs by name ($name), missing ones as []', ({ inputs, expected }) => {
      const { declaration, calls } = demo();
      desiredState(declaration, nimbusPolicy([rule('dnsManipulation')]), inputs);
      expect(calls.build[0]?.context.inputs).toEqual(expected);
    });

    it('passes an empty inputs record when the adapter declares none', () => {
      const { declaration, calls } = demo(undefined, { inputs: undefined });
      desiredState(declaration, nimbusPolicy([rule('dnsManipulation')]), {
        nodes: [{ kind: 'Node', metadata: { name: 'n1' } }],
      });
      expect(calls.build[0]?.context.inputs).toEqual({});
    });

    it('uses the registry of the declaration', () => {
      const { declaration, calls } = demo(undefined, { registry: customRegistry() });
      // Without the built-in intents pkgMgrs is not an alias of anything, but tpi is one of thirdPartyIntent.
      expect(desiredState(declaration, nimbusPolicy([rule('pkgMgrs')])).children).toEqual([]);
      expect(calls.build).toEqual([]);
      const state = desiredState(declaration, nimbusPolicy([rule('tpi')]));
      expect(state.rules.map((r) => [r.id, r.rule.id])).toEqual([['thirdPartyIntent', 'tpi']]);
      expect(calls.build).toHaveLength(1);
    });
  });

  describe('a ClusterNimbusPolicy', () => {
    it('is built by buildCluster, not build', () => {
      const { declaration, calls } = demo([clusterRole('reader')]);
      const policy = clusterPolicy([rule('dnsManipulation')]);
      const state = desiredState(declaration, policy);
      expect(calls.build).toEqual([]);
      expect(calls.buildCluster).toHaveLength(1);
      expect(calls.buildCluster[0]?.policy).toBe(policy);
      expect(state.children).toEqual([
        {
          resource: CLUSTER_ROLES,
          object: {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRole',
            metadata: {
              name: 'reader',
              annotations: { 'app.kubernetes.io/managed-by': 'nimbus-demo' },
              ownerReferences: [
                {
                  apiVersion: API_VERSION,
                  kind: 'ClusterNimbusPolicy',
                  name: 'everywhere',
                  uid: 'uid-everywhere',
                  controller: true,
                  blockOwnerDeletion: true,
                },
              ],
            },
          },
        },
      ]);
    });

    it('yields nothing without buildCluster, but still reports the supported rules', () => {
      const { declaration, calls } = demo(undefined, { buildCluster: undefined });
      const state = desiredState(declaration, clusterPolicy([rule('pkgMgrs')]));
      expect(state.children).toEqual([]);
      expect(state.rules.map((r) => r.id)).toEqual(['swDeploymentTools']);
      expect(calls.build).toEqual([]);
    });

    it('keeps the namespace the builder gave a namespaced object', () => {
      const { declaration } = demo([
        configMap('cm', { namespace: 'ns-1' }),
        configMap('cm', { namespace: 'ns-2' }),
      ]);
      const state = desiredState(declaration, clusterPolicy([rule('dnsManipulation')]));
      expect(state.children.map((c) => c.object.metadata?.namespace)).toEqual(['ns-1', 'ns-2']);
    });

    it('leaves no namespace on a cluster-scoped object', () => {
      const { declaration } = demo([clusterRole('reader', { namespace: 'ns-1' })]);
      const [child] = desiredState(declaration, clusterPolicy([rule('dnsManipulation')])).children;
      expect(child?.object.metadata?.name).toBe('reader');
      expect(child?.object.metadata?.namespace).toBeUndefined();
    });
  });

  describe('errors naming the adapter and the policy', () => {
    it.each<{
      name: string;
      policy: NimbusPolicy | ClusterNimbusPolicy;
      built: DesiredObject[];
      message: RegExp;
    }>([
      {
        name: 'an undeclared kind',
        policy: nimbusPolicy([rule('dnsManipulation')]),
        built: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }],
        message: /v1\/Secret.*not among the kinds/,
      },
      {
        name: 'a declared kind with another apiVersion',
        policy: nimbusPolicy([rule('dnsManipulation')]),
        built: [
          { apiVersion: 'rbac.authorization.k8s.io/v1beta1', kind: 'ClusterRole', metadata: { name: 'r' } },
        ],
        message: /v1beta1\/ClusterRole.*not among the kinds/,
      },
      {
        name: 'an object without metadata',
        policy: nimbusPolicy([rule('dnsManipulation')]),
        built: [{ apiVersion: 'v1', kind: 'ConfigMap' }],
        message: /ConfigMap without metadata\.name/,
      },
      {
        name: 'an object with an empty name',
        policy: nimbusPolicy([rule('dnsManipulation')]),
        built: [configMap('')],
        message: /ConfigMap without metadata\.name/,
      },
      {
        name: 'the same name twice',
        policy: nimbusPolicy([rule('dnsManipulation')]),
        built: [configMap('dup'), configMap('other'), configMap('dup')],
        message: /ConfigMap dup twice/,
      },
      {
        name: 'the same name twice in one namespace from a cluster policy',
        policy: clusterPolicy([rule('dnsManipulation')]),
        built: [configMap('dup', { namespace: 'ns-1' }), configMap('dup', { namespace: 'ns-1' })],
        message: /ConfigMap dup twice/,
      },
      {
        name: 'a cluster-scoped object for a namespaced policy',
        policy: nimbusPolicy([rule('dnsManipulation')]),
        built: [clusterRole('reader')],
        message: /cannot own the cluster-scoped ClusterRole reader/,
      },
      {
        name: 'a namespaced object without namespace from a cluster policy',
        policy: clusterPolicy([rule('dnsManipulation')]),
        built: [configMap('cm')],
        message: /namespaced ConfigMap cm needs metadata\.namespace/,
      },
      {
        name: 'a NimbusPolicy without uid',
        policy: nimbusPolicy([rule('dnsManipulation')], { uid: undefined }),
        built: [configMap('cm')],
        message: /uid/,
      },
      {
        name: 'a ClusterNimbusPolicy without uid',
        policy: clusterPolicy([rule('dnsManipulation')], { uid: undefined }),
        built: [clusterRole('reader')],
        message: /uid/,
      },
    ])('$name', ({ policy, built, message }) => {
      const { declaration } = demo(built);
      const run = () => desiredState(declaration, policy);
      expect(run).toThrow(message);
      expect(run).toThrow(/\bdemo\b/);
      expect(run).toThrow(policy.metadata.name ?? '?');
      expect(run).toThrow(policy.kind);
      if (policy.metadata.namespace)
        expect(run).toThrow(`${policy.metadata.namespace}/${policy.metadata.name}`);
    });
  });
});
