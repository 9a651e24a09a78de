import { API_VERSION, type NimbusPolicy } from '@nimbus-ts/api';
import { defaultRegistry } from '@nimbus-ts/idpool';
import type { ResourceType } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import {
  type AdapterWriteOutcome,
  buildFailedCondition,
  childEntry,
  planAdapterReport,
  strayEntries,
} from '../../src/adapter-report.js';
import type { SupportedRule } from '../../src/declaration.js';

// What an adapter reports after its writes, as a table: the planner behind reconcileAdapterPolicy's status merge.

const CONFIG_MAPS: ResourceType = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
};
const policy: NimbusPolicy = {
  apiVersion: API_VERSION,
  kind: 'NimbusPolicy',
  metadata: { name: 'web', namespace: 'shop', generation: 4 },
  spec: {
    selector: {},
    rules: [
      { id: 'pkgMgrs', rule: { action: 'Block' } },
      { id: 'swDeploymentTools', rule: { action: 'Block' } },
      { id: 'dnsManipulation', rule: { action: 'Audit' } },
    ],
  },
};
const rule = (id: string): SupportedRule => ({ id, rule: { id, rule: { action: 'Block' } } });
const outcome = (over: Partial<AdapterWriteOutcome> = {}): AdapterWriteOutcome => ({
  applied: ['ConfigMap/web-a'],
  conflicts: [],
  rejected: [],
  withdrawn: [],
  ...over,
});
const TYPE = 'nimbus-test/Ready';

describe('planAdapterReport', () => {
  it.each<[string, SupportedRule[], AdapterWriteOutcome, string | undefined, string[]]>([
    ['nothing supported: no condition, nothing enforced', [], outcome({ applied: [] }), undefined, []],
    [
      'applied: True, every spelling of a built ID enforced (pkgMgrs is an alias of swDeploymentTools)',
      [rule('swDeploymentTools')],
      outcome(),
      'True/Applied',
      ['pkgMgrs', 'swDeploymentTools'],
    ],
    [
      'a name held by someone else: False NameConflict, the built rules still enforced',
      [rule('swDeploymentTools')],
      outcome({
        conflicts: [{ entry: 'ConfigMap/web-b', holder: 'controlled by Deployment x', otherAdapter: false }],
      }),
      'False/NameConflict',
      ['pkgMgrs', 'swDeploymentTools'],
    ],
    [
      'a refused object wins over a conflict: False EngineObjectRejected, no rule claimed',
      [rule('swDeploymentTools')],
      outcome({
        rejected: [{ entry: 'ConfigMap/web-b', message: 'too large' }],
        conflicts: [{ entry: 'ConfigMap/web-c', holder: 'managed by nimbus-other', otherAdapter: true }],
      }),
      'False/EngineObjectRejected',
      [],
    ],
  ])('%s', (_name, rules, result, condition, enforced) => {
    const report = planAdapterReport('test', TYPE, policy, rules, result, defaultRegistry);
    expect(report.condition ? `${report.condition.status}/${report.condition.reason}` : undefined).toBe(
      condition,
    );
    expect(report.condition?.observedGeneration ?? 4).toBe(4);
    expect(report.enforced).toEqual(enforced);
    expect(report.entries).toEqual(result.applied);
  });

  it('the Applied message counts the objects and names the rules', () => {
    const report = planAdapterReport(
      'test',
      TYPE,
      policy,
      [rule('swDeploymentTools')],
      outcome(),
      defaultRegistry,
    );
    expect(report.condition?.message).toBe('1 engine policies enforce swDeploymentTools');
  });
});

describe('childEntry and buildFailedCondition', () => {
  it.each([
    ['in the policy namespace: Kind/name', 'shop', 'ConfigMap/web-a'],
    ['elsewhere (a cluster policy): namespace/Kind/name', 'scan', 'scan/ConfigMap/web-a'],
  ])('%s', (_name, namespace, entry) => {
    const child = {
      resource: CONFIG_MAPS,
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-a', namespace } },
    };
    expect(childEntry(policy, child)).toBe(entry);
  });

  it('a build failure is False BuildFailed with the message', () => {
    expect(buildFailedCondition(TYPE, policy, 'boom')).toEqual({
      type: TYPE,
      status: 'False',
      reason: 'BuildFailed',
      message: 'boom',
      observedGeneration: 4,
    });
  });
});

describe('strayEntries', () => {
  const CM: ResourceType = { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
  const KSP: ResourceType = {
    apiVersion: 'security.kubearmor.com/v1',
    kind: 'KubeArmorPolicy',
    plural: 'kubearmorpolicies',
    namespaced: true,
  };
  const withStatus = (status: NimbusPolicy['status']) =>
    ({
      apiVersion: 'intent.security.nimbus.com/v1alpha1',
      kind: 'NimbusPolicy',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { rules: [], selector: {} },
      status,
    }) as NimbusPolicy;
  const existing = new Set(['ConfigMap/here']);

  it.each<{ name: string; status: NimbusPolicy['status']; stray: string[] }>([
    {
      name: 'a gone object of its kind that nobody records',
      status: { adapterPolicies: ['ConfigMap/gone', 'ConfigMap/here'] },
      stray: ['ConfigMap/gone'],
    },
    {
      name: 'not one an adapter records (its object may not be in this cache yet)',
      status: {
        adapterPolicies: ['ConfigMap/gone'],
        policiesByAdapter: [{ adapter: 'b', policies: ['ConfigMap/gone'] }],
      },
      stray: [],
    },
    {
      name: 'not one of a kind it does not write',
      status: { adapterPolicies: ['NetworkPolicy/gone'] },
      stray: [],
    },
    { name: 'nothing without a summary', status: undefined, stray: [] },
  ])('$name', ({ status, stray }) => {
    expect(
      strayEntries(withStatus(status), [CM, KSP], (kind, name) => existing.has(`${kind.kind}/${name}`)),
    ).toEqual(stray);
  });

  it('never an entry whose object it cannot look up', () => {
    const policy = withStatus({ adapterPolicies: ['ConfigMap/gone'] });
    expect(strayEntries(policy, [CM], () => undefined)).toEqual([]);
  });
});
