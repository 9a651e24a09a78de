import type { V1Namespace } from '@kubernetes/client-node';
import type { ClusterSecurityIntentBinding, NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { describe, expect, it } from 'vitest';
import {
  buildClusterNimbusPolicy,
  buildFanOutPolicy,
  FAN_OUT_PREFIX,
  fanOutPolicyName,
  namespaceAffectsBinding,
  planFanOut,
  targetNamespaces,
  validateClusterBinding,
} from '../../src/build/cluster-binding.js';

// These cover the pure half of the ClusterSecurityIntentBinding controller: which namespaces a binding
// reaches, the objects it writes, and how existing fan-out policies are reconciled, all against the
// upstream behaviour in the reference (§2.3) and the deliberate departures from it.

type Selector = ClusterSecurityIntentBinding['spec']['selector'];

const UID = '0b9d6c1e-5f3a-4c2e-9a61-3c2f7d1e8a40';

function csib(selector?: Selector, labels?: Record<string, string>): ClusterSecurityIntentBinding {
  return {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'ClusterSecurityIntentBinding',
    metadata: { name: 'secure-all', uid: UID, ...(labels ? { labels } : {}) },
    spec: { intents: [{ name: 'pkg-mgr' }], ...(selector ? { selector } : {}) },
  };
}

const nsSel = (matchNames?: string[], excludeNames?: string[]): Selector => ({
  nsSelector: { ...(matchNames ? { matchNames } : {}), ...(excludeNames ? { excludeNames } : {}) },
});

const OWNER = {
  apiVersion: 'intent.security.nimbus.com/v1alpha1',
  kind: 'ClusterSecurityIntentBinding',
  name: 'secure-all',
  uid: UID,
  controller: true,
  blockOwnerDeletion: true,
};

const RULES: NimbusRule[] = [
  { id: 'swDeploymentTools', description: 'no package managers', rule: { action: 'Block' } },
  { id: 'dnsManipulation', rule: { action: 'Audit', params: { x: ['y'] } } },
];

function ns(name: string, state: 'active' | 'deleting' | 'terminating' = 'active'): V1Namespace {
  return {
    metadata: { name, ...(state === 'deleting' ? { deletionTimestamp: new Date(0) } : {}) },
    status: { phase: state === 'terminating' ? 'Terminating' : 'Active' },
  };
}

function np(namespace: string, name = fanOutPolicyName('secure-all')): NimbusPolicy {
  return {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'NimbusPolicy',
    metadata: { name, namespace },
    spec: { selector: {}, rules: [] },
  };
}

describe('validateClusterBinding', () => {
  it.each<[string, Selector]>([
    ['matchNames ["*"]', nsSel(['*'])],
    ['matchNames of two namespaces', nsSel(['a', 'b'])],
    ['excludeNames only', nsSel(undefined, ['x'])],
    ['excludeNames with matchNames empty', nsSel([], ['x'])],
    ['a selector without nsSelector', { workloadSelector: { matchLabels: { app: 'web' } } }],
    ['no selector at all', undefined],
    ['a 63-character name', nsSel(['a'.repeat(63)])],
  ])('accepts %s', (_, selector) => {
    expect(validateClusterBinding(csib(selector))).toBeUndefined();
  });

  it.each<[string, Selector, RegExp]>([
    ['both lists set', nsSel(['a'], ['b']), /nsSelector.*matchNames and excludeNames are both set/],
    ['both lists empty', nsSel([], []), /nsSelector.*neither matchNames nor excludeNames/],
    ['an empty nsSelector', { nsSelector: {} }, /nsSelector.*matchNames: \["\*"\]/],
    ['"*" after a name', nsSel(['a', '*']), /nsSelector\.matchNames: "\*" .* only entry/],
    ['"*" before a name', nsSel(['*', 'a']), /nsSelector\.matchNames: "\*" .* only entry/],
    [
      'a bad name in matchNames',
      nsSel(['ok', 'Bad_Name']),
      /nsSelector\.matchNames\[1\]: "Bad_Name" is not a valid/,
    ],
    ['a bad name in excludeNames', nsSel(undefined, ['-x']), /nsSelector\.excludeNames\[0\]: "-x"/],
    ['"*" in excludeNames', nsSel(undefined, ['*']), /nsSelector\.excludeNames\[0\]: "\*"/],
    ['a 64-character name', nsSel(['a'.repeat(64)]), /nsSelector\.matchNames\[0\]: .*at most 63/],
    ['an empty name', nsSel(['']), /nsSelector\.matchNames\[0\]: ""/],
  ])('rejects %s', (_, selector, message) => {
    expect(validateClusterBinding(csib(selector))).toMatch(message);
  });
});

describe('targetNamespaces', () => {
  const cluster = [
    ns('kube-system'),
    ns('default'),
    ns('prod'),
    ns('dev'),
    ns('old', 'deleting'),
    ns('gone', 'terminating'),
  ];

  it.each<[string, Selector, string[]]>([
    ['no selector: every namespace but kube-system', undefined, ['default', 'dev', 'prod']],
    ['no nsSelector: every namespace', { workloadSelector: {} }, ['default', 'dev', 'prod']],
    ['"*": every namespace', nsSel(['*']), ['default', 'dev', 'prod']],
    ['matchNames: the listed ones that exist', nsSel(['prod', 'missing', 'dev']), ['dev', 'prod']],
    ['matchNames naming kube-system', nsSel(['kube-system', 'prod']), ['prod']],
    ['matchNames naming a terminating one', nsSel(['old', 'gone', 'prod']), ['prod']],
    ['excludeNames', nsSel(undefined, ['dev', 'missing']), ['default', 'prod']],
    ['excludeNames wins over matchNames', nsSel(['dev'], ['dev']), ['default', 'prod']],
  ])('%s', (_, selector, expected) => {
    expect(targetNamespaces(csib(selector), cluster)).toEqual(expected);
  });

  it('sorts and de-duplicates, and skips namespaces without a name', () => {
    expect(targetNamespaces(csib(), [ns('b'), ns('a'), ns('b'), {}])).toEqual(['a', 'b']);
  });
});

describe('fan-out naming', () => {
  it('uses the upstream prefix', () => {
    expect(FAN_OUT_PREFIX).toBe('nimbus-ctlr-gen-');
    expect(fanOutPolicyName('secure-all')).toBe('nimbus-ctlr-gen-secure-all');
  });

  it.each([
    ['fits', 'a'.repeat(237), `nimbus-ctlr-gen-${'a'.repeat(237)}`],
    ['is one over', 'a'.repeat(238), undefined],
    ['is the longest binding name', 'a'.repeat(253), undefined],
  ])('keeps the name within 253 characters when the binding name %s', (_, csibName, expected) => {
    const name = fanOutPolicyName(csibName);
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name.startsWith(FAN_OUT_PREFIX)).toBe(true);
    if (expected) expect(name).toBe(expected);
    else expect(name).toMatch(/^nimbus-ctlr-gen-a+-[0-9a-f]{10}$/);
  });
});

describe('buildClusterNimbusPolicy', () => {
  it('copies name, labels and every selector, and owns the policy', () => {
    const binding = csib(
      {
        nodeSelector: { matchLabels: { zone: 'a' } },
        nsSelector: { matchNames: ['prod'] },
        workloadSelector: { matchLabels: { app: 'web' } },
      },
      { team: 'sec' },
    );
    expect(buildClusterNimbusPolicy(binding, RULES)).toStrictEqual({
      apiVersion: 'intent.security.nimbus.com/v1alpha1',
      kind: 'ClusterNimbusPolicy',
      metadata: { name: 'secure-all', labels: { team: 'sec' }, ownerReferences: [OWNER] },
      spec: {
        rules: RULES,
        nodeSelector: { matchLabels: { zone: 'a' } },
        nsSelector: { matchNames: ['prod'] },
        workloadSelector: { matchLabels: { app: 'web' } },
      },
    });
  });

  it('omits labels and selectors the binding does not set', () => {
    expect(buildClusterNimbusPolicy(csib(undefined, {}), RULES)).toStrictEqual({
      apiVersion: 'intent.security.nimbus.com/v1alpha1',
      kind: 'ClusterNimbusPolicy',
      metadata: { name: 'secure-all', ownerReferences: [OWNER] },
      spec: { rules: RULES },
    });
  });

  it('does not share label objects with the binding', () => {
    const binding = csib({ workloadSelector: { matchLabels: { app: 'web' } } }, { team: 'sec' });
    const cwnp = buildClusterNimbusPolicy(binding, RULES);
    expect(cwnp.metadata.labels).not.toBe(binding.metadata.labels);
    expect(cwnp.spec.workloadSelector?.matchLabels).not.toBe(
      binding.spec.selector?.workloadSelector?.matchLabels,
    );
  });

  it('refuses a binding without a uid', () => {
    const binding = csib();
    binding.metadata.uid = undefined;
    expect(() => buildClusterNimbusPolicy(binding, RULES)).toThrow(/no uid/);
  });
});

describe('buildFanOutPolicy', () => {
  it.each<[string, Selector, Record<string, string> | undefined, NimbusPolicy['spec']['selector']]>([
    [
      'workload labels',
      { workloadSelector: { matchLabels: { app: 'web' } } },
      { team: 'sec' },
      {
        matchLabels: { app: 'web' },
      },
    ],
    ['no selector', undefined, { team: 'sec' }, {}],
    ['a workloadSelector without labels', { workloadSelector: {} }, undefined, {}],
    ['empty workload labels', { workloadSelector: { matchLabels: {} } }, undefined, {}],
  ])('builds the namespaced policy with %s', (_, selector, labels, expectedSelector) => {
    expect(buildFanOutPolicy(csib(selector, labels), 'prod', RULES)).toStrictEqual({
      apiVersion: 'intent.security.nimbus.com/v1alpha1',
      kind: 'NimbusPolicy',
      metadata: {
        name: 'nimbus-ctlr-gen-secure-all',
        namespace: 'prod',
        ...(labels ? { labels } : {}),
        ownerReferences: [OWNER],
      },
      spec: { selector: expectedSelector, rules: RULES },
    });
  });
});

describe('planFanOut', () => {
  const names = (nps: NimbusPolicy[]) => nps.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
  const gen = 'nimbus-ctlr-gen-secure-all';

  it.each<[string, string[], NimbusPolicy[], string[], string[], string[]]>([
    ['nothing exists yet', ['b', 'a'], [], ['a', 'b'], [], []],
    [
      'every existing policy is kept, not just the first',
      ['a', 'b', 'c'],
      [np('c'), np('a'), np('b')],
      [],
      [`a/${gen}`, `b/${gen}`, `c/${gen}`],
      [],
    ],
    [
      'create, keep and remove together',
      ['prod', 'dev', 'new', 'qa'],
      [np('qa'), np('old'), np('prod'), np('dev'), np('gone')],
      ['new'],
      [`dev/${gen}`, `prod/${gen}`, `qa/${gen}`],
      [`gone/${gen}`, `old/${gen}`],
    ],
    ['no target left', [], [np('a'), np('b')], [], [], [`a/${gen}`, `b/${gen}`]],
    [
      'a second policy in one namespace is removed, the prefixed one kept',
      ['a'],
      [np('a', 'aaa-hand-made'), np('a')],
      [],
      [`a/${gen}`],
      ['a/aaa-hand-made'],
    ],
  ])('%s', (_, desired, existing, create, keep, remove) => {
    const plan = planFanOut(desired, existing);
    expect(plan.create).toEqual(create);
    expect(names(plan.keep)).toEqual(keep);
    expect(names(plan.remove)).toEqual(remove);
  });

  it('returns the existing objects themselves, for the caller to update', () => {
    const existing = [np('a'), np('b')];
    const plan = planFanOut(['a', 'b'], existing);
    expect(plan.keep).toHaveLength(2);
    expect(plan.keep[0]).toBe(existing[0]);
    expect(plan.keep[1]).toBe(existing[1]);
  });
});

describe('namespaceAffectsBinding', () => {
  it.each<[string, Selector, string, boolean]>([
    ['no selector', undefined, 'prod', true],
    ['no nsSelector', { workloadSelector: {} }, 'prod', true],
    ['"*"', nsSel(['*']), 'prod', true],
    ['matchNames containing it', nsSel(['dev', 'prod']), 'prod', true],
    ['matchNames without it', nsSel(['dev']), 'prod', false],
    ['excludeNames without it', nsSel(undefined, ['dev']), 'prod', true],
    ['excludeNames containing it', nsSel(undefined, ['prod']), 'prod', false],
    ['kube-system, no selector', undefined, 'kube-system', false],
    ['kube-system, "*"', nsSel(['*']), 'kube-system', false],
    ['kube-system, named in matchNames', nsSel(['kube-system']), 'kube-system', false],
    ['kube-system, not excluded', nsSel(undefined, ['dev']), 'kube-system', false],
  ])('%s, namespace %s → %s', (_, selector, namespace, expected) => {
    expect(namespaceAffectsBinding(csib(selector), namespace)).toBe(expected);
  });
});
