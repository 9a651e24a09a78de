import { API_VERSION, type NimbusPolicy } from '@nimbus-ts/api';
import { defaultRegistry } from '@nimbus-ts/idpool';
import type { ResourceType } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import {
  type AdapterWriteOutcome,
  buildFailedCondition,
  childEntry,
  planAdapterReport,
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
