import type { V1Namespace } from '@kubernetes/client-node';
import type {
  ClusterNimbusPolicy,
  ClusterSecurityIntentBinding,
  NimbusPolicy,
  SecurityIntent,
} from '@nimbus-ts/api';
import { ApiError } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import {
  type ClusterBindingState,
  clusterBindingReport,
  clusterBindingStatus,
  planClusterBinding,
} from '../../src/build/cluster-binding-plan.js';

const API = 'intent.security.nimbus.com/v1alpha1';
const UID = 'csib-uid';
const NOW = () => new Date('2026-01-01T00:00:00Z');
type Selector = ClusterSecurityIntentBinding['spec']['selector'];

const csib = (selector?: Selector): ClusterSecurityIntentBinding => ({
  apiVersion: API,
  kind: 'ClusterSecurityIntentBinding',
  metadata: { name: 'all', uid: UID, generation: 2 },
  spec: { intents: [{ name: 'no-apt' }], ...(selector ? { selector } : {}) },
});
const intent: SecurityIntent = {
  apiVersion: API,
  kind: 'SecurityIntent',
  metadata: { name: 'no-apt' },
  spec: { intent: { id: 'swDeploymentTools', action: 'Block' } },
};
const owner = (uid: string) => [
  { apiVersion: API, kind: 'ClusterSecurityIntentBinding', name: 'all', uid, controller: true },
];
const cnp = (uid: string): ClusterNimbusPolicy => ({
  apiVersion: API,
  kind: 'ClusterNimbusPolicy',
  metadata: { name: 'all', uid: 'cnp-uid', ownerReferences: owner(uid) },
  spec: { rules: [] },
});
const np = (namespace: string): NimbusPolicy => ({
  apiVersion: API,
  kind: 'NimbusPolicy',
  metadata: { name: 'nimbus-ctlr-gen-all', namespace, uid: `np-${namespace}`, ownerReferences: owner(UID) },
  spec: { rules: [], selector: {} },
});
const ns = (name: string): V1Namespace => ({ metadata: { name } });

const state = (over: Partial<ClusterBindingState> = {}): ClusterBindingState => ({
  binding: csib(),
  intent: (name) => (name === 'no-apt' ? intent : undefined),
  clusterPolicy: undefined,
  policies: [],
  namespaces: [ns('a'), ns('b')],
  ...over,
});

describe('planClusterBinding', () => {
  it.each<
    [string, ClusterBindingState, { cluster: string; remove: string[]; apply: string[]; ready: string }]
  >([
    [
      'every namespace, nothing written yet',
      state(),
      { cluster: 'apply', remove: [], apply: ['a', 'b'], ready: 'NoSecurityIntents' },
    ],
    [
      'a namespace no longer matched loses its policy; kept ones are updated with their cached copy',
      state({ binding: csib({ nsSelector: { matchNames: ['b'] } }), policies: [np('a'), np('b')] }),
      { cluster: 'apply', remove: ['a'], apply: ['b'], ready: 'NoSecurityIntents' },
    ],
    [
      'no intent exists any more: its ClusterNimbusPolicy and every fan-out policy go',
      state({ intent: () => undefined, clusterPolicy: cnp(UID), policies: [np('a')] }),
      { cluster: 'delete', remove: ['a'], apply: [], ready: 'NoSecurityIntents' },
    ],
    [
      "someone else's ClusterNimbusPolicy: nothing is written, the fan-out left alone",
      state({ clusterPolicy: cnp('other'), policies: [np('a')] }),
      { cluster: 'none', remove: [], apply: [], ready: 'ClusterNimbusPolicyNotOwned' },
    ],
  ])('%s', (_name, input, expected) => {
    const plan = planClusterBinding(input);
    if (plan.kind !== 'write') throw new Error('expected writes');
    expect(plan.clusterPolicy.kind).toBe(expected.cluster);
    expect(plan.remove.map((p) => p.metadata.namespace)).toEqual(expected.remove);
    expect(plan.apply.map((w) => w.namespace)).toEqual(expected.apply);
    expect(plan.ready.reason).toBe(expected.ready);
  });

  it('an invalid selector plans no write, only the reason', () => {
    const plan = planClusterBinding(state({ binding: csib({ nsSelector: {} }) }));
    expect(plan).toMatchObject({ kind: 'invalid', ready: { status: 'False', reason: 'InvalidSelector' } });
    expect(clusterBindingStatus(csib(), plan, undefined, undefined, NOW)).toMatchObject({
      status: 'ValidationFail',
    });
  });

  it('a kept fan-out policy carries its cached copy, so createOrUpdate compares with it', () => {
    const plan = planClusterBinding(state({ policies: [np('b')] }));
    if (plan.kind !== 'write') throw new Error('expected writes');
    expect(plan.apply.map((w) => w.live?.metadata.uid)).toEqual([undefined, 'np-b']);
  });
});

describe('clusterBindingReport', () => {
  const plan = planClusterBinding(state());
  if (plan.kind !== 'write') throw new Error('expected writes');
  const refused = new ApiError(422, 'Invalid', 'bad');
  it.each<[string, Parameters<typeof clusterBindingReport>[1], boolean, [string, string, string, number]]>([
    [
      'all written',
      { clusterPolicyRefused: false, namespaces: ['a', 'b'], refusals: [] },
      false,
      ['True', 'PoliciesUpToDate', 'all', 2],
    ],
    [
      'one namespace refused: Ready False naming it, the others still covered',
      {
        clusterPolicyRefused: false,
        namespaces: ['a'],
        refusals: [{ policy: 'NimbusPolicy b/x', error: refused }],
      },
      false,
      ['False', 'NimbusPolicyRejected', 'all', 1],
    ],
    [
      'the ClusterNimbusPolicy refused and none before: none named',
      {
        clusterPolicyRefused: true,
        namespaces: [],
        refusals: [{ policy: 'ClusterNimbusPolicy all', error: refused }],
      },
      false,
      ['False', 'NimbusPolicyRejected', '', 0],
    ],
    [
      'the ClusterNimbusPolicy refused but there was one: still named',
      {
        clusterPolicyRefused: true,
        namespaces: [],
        refusals: [{ policy: 'ClusterNimbusPolicy all', error: refused }],
      },
      true,
      ['False', 'NimbusPolicyRejected', 'all', 0],
    ],
  ])('%s', (_name, outcome, had, [status, reason, name, count]) => {
    const report = clusterBindingReport(plan, outcome, csib(), had);
    expect([
      report.ready.status,
      report.ready.reason,
      report.clusterPolicy,
      report.namespaces.length,
    ]).toEqual([status, reason, name, count]);
    const fields = clusterBindingStatus(csib(), plan, report, undefined, NOW);
    expect(fields.numberOfNimbusPolicies).toBe(count);
    expect(fields.numberOfBoundIntents).toBe(name ? 1 : 0);
  });
});
