import type { V1Pod } from '@kubernetes/client-node';
import type { NimbusPolicy, SecurityIntent, SecurityIntentBinding } from '@nimbus-ts/api';
import { ApiError } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import {
  type BindingPlan,
  type BindingState,
  bindingReport,
  bindingStatus,
  planBinding,
} from '../../src/build/binding-plan.js';

const API = 'intent.security.nimbus.com/v1alpha1';
const UID = 'sib-uid';
const NOW = () => new Date('2026-01-01T00:00:00Z');

const sib = (spec: Partial<SecurityIntentBinding['spec']> = {}): SecurityIntentBinding => ({
  apiVersion: API,
  kind: 'SecurityIntentBinding',
  metadata: { name: 'web', namespace: 'shop', uid: UID, generation: 3 },
  spec: {
    intents: [{ name: 'no-apt' }],
    selector: { workloadSelector: { matchLabels: { app: 'web' } } },
    ...spec,
  },
});
const intent: SecurityIntent = {
  apiVersion: API,
  kind: 'SecurityIntent',
  metadata: { name: 'no-apt' },
  spec: { intent: { id: 'swDeploymentTools', action: 'Block' } },
};
const policy = (ownerUid: string): NimbusPolicy => ({
  apiVersion: API,
  kind: 'NimbusPolicy',
  metadata: {
    name: 'web',
    namespace: 'shop',
    uid: 'np-uid',
    ownerReferences: [
      { apiVersion: API, kind: 'SecurityIntentBinding', name: 'web', uid: ownerUid, controller: true },
    ],
  },
  spec: { rules: [], selector: {} },
});
const pod = (name: string, labels: Record<string, string>): V1Pod => ({ metadata: { name, labels } });

const state = (over: Partial<BindingState> = {}): BindingState => ({
  binding: sib(),
  intent: (name) => (name === intent.metadata.name ? intent : undefined),
  policy: undefined,
  pods: [],
  ...over,
});

describe('planBinding', () => {
  it.each<
    [string, BindingState, { write: string; ready: [string, string]; policyName: string; selector?: string }]
  >([
    [
      'intents exist, no policy yet: apply it, Ready once written',
      state(),
      { write: 'apply', ready: ['True', 'NimbusPolicyUpToDate'], policyName: 'web' },
    ],
    [
      'intents exist, its own policy: apply (createOrUpdate writes only a difference)',
      state({ policy: policy(UID) }),
      { write: 'apply', ready: ['True', 'NimbusPolicyUpToDate'], policyName: 'web' },
    ],
    [
      'no intent exists, no policy: nothing to write',
      state({ intent: () => undefined }),
      { write: 'none', ready: ['False', 'NoSecurityIntents'], policyName: '' },
    ],
    [
      'no intent exists any more, its own policy: delete it',
      state({ intent: () => undefined, policy: policy(UID) }),
      { write: 'delete', ready: ['False', 'NoSecurityIntents'], policyName: '' },
    ],
    [
      "someone else's policy of the name: never taken over",
      state({ policy: policy('other-uid') }),
      { write: 'none', ready: ['False', 'NimbusPolicyNotOwned'], policyName: '' },
    ],
    [
      "someone else's policy, and no intents: not deleted either",
      state({ intent: () => undefined, policy: policy('other-uid') }),
      { write: 'none', ready: ['False', 'NimbusPolicyNotOwned'], policyName: '' },
    ],
    [
      'CEL matching no pod: no write, the last good policy kept and named',
      state({ binding: sib({ cel: ['labels["app"] == "web"'] }), policy: policy(UID) }),
      {
        write: 'none',
        ready: ['False', 'SelectorUnresolved'],
        policyName: 'web',
        selector: 'CELMatchedNoPods',
      },
    ],
    [
      'invalid CEL and no policy yet: nothing written, nothing named',
      state({ binding: sib({ cel: ['labels[['] }) }),
      { write: 'none', ready: ['False', 'SelectorUnresolved'], policyName: '', selector: 'InvalidCEL' },
    ],
    [
      'CEL selecting pods: apply with their labels',
      state({
        binding: sib({ cel: ['labels["app"] == "web"'] }),
        pods: [pod('w-1', { app: 'web', v: '1' })],
      }),
      { write: 'apply', ready: ['True', 'NimbusPolicyUpToDate'], policyName: 'web', selector: 'CELResolved' },
    ],
  ])('%s', (_name, input, expected) => {
    const plan = planBinding(input);
    expect(plan.write.kind).toBe(expected.write);
    expect([plan.ready.status, plan.ready.reason]).toEqual(expected.ready);
    expect(plan.ready.observedGeneration).toBe(3);
    expect(plan.policyName).toBe(expected.policyName);
    expect(plan.selector?.reason).toBe(expected.selector);
  });

  it('the delete is conditioned on the uid of the policy it saw', () => {
    expect(planBinding(state({ intent: () => undefined, policy: policy(UID) })).write).toEqual({
      kind: 'delete',
      uid: 'np-uid',
    });
  });

  it('the applied policy is owned by the binding and selects by the CEL labels', () => {
    const plan = planBinding(
      state({ binding: sib({ cel: ['labels["app"] == "web"'] }), pods: [pod('w-1', { app: 'web' })] }),
    );
    if (plan.write.kind !== 'apply') throw new Error('expected an apply');
    expect(plan.write.desired.metadata.ownerReferences?.[0]).toMatchObject({ uid: UID, controller: true });
    expect(plan.write.desired.spec.selector.matchLabels).toEqual({ app: 'web' });
    expect(plan.write.desired.spec.rules.map((r) => r.id)).toEqual(['swDeploymentTools']);
  });
});

describe('bindingReport', () => {
  const applied = planBinding(state());
  it.each<[string, BindingPlan, Parameters<typeof bindingReport>[1], boolean, [string, string, string]]>([
    ['written as planned', applied, { kind: 'done' }, false, ['True', 'NimbusPolicyUpToDate', 'web']],
    [
      'refused (invalid), no policy before: names none',
      applied,
      { kind: 'refused', error: new ApiError(422, 'Invalid', 'spec.rules: too many') },
      false,
      ['False', 'NimbusPolicyRejected', ''],
    ],
    [
      'refused (too large), a policy before: still names it',
      applied,
      { kind: 'refused', error: new ApiError(413, 'RequestEntityTooLarge', 'request is too large') },
      true,
      ['False', 'NimbusPolicyRejected', 'web'],
    ],
  ])('%s', (_name, plan, outcome, hadPolicy, [status, reason, policyName]) => {
    const report = bindingReport(plan, outcome, sib(), hadPolicy);
    expect([report.ready.status, report.ready.reason, report.policyName]).toEqual([
      status,
      reason,
      policyName,
    ]);
  });
});

describe('bindingStatus', () => {
  it('names the bound intents only while a policy is named, and drops conditions that no longer apply', () => {
    const plan = planBinding(state({ intent: () => undefined }));
    const status = bindingStatus(
      sib(),
      plan,
      bindingReport(plan, { kind: 'done' }, sib(), false),
      {
        conditions: [
          {
            type: 'SelectorResolved',
            status: 'True',
            reason: 'CELResolved',
            message: 'old',
            lastTransitionTime: '2025-01-01T00:00:00Z',
          },
        ],
      },
      NOW,
    );
    expect(status).toMatchObject({ status: 'Created', numberOfBoundIntents: 0, nimbusPolicy: '' });
    expect(status.boundIntents).toBeUndefined();
    expect(status.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ['IntentsResolved', 'False', 'SecurityIntentsNotFound'],
      ['Ready', 'False', 'NoSecurityIntents'],
    ]);
    expect(status.lastUpdated).toBe('2026-01-01T00:00:00.000Z');
  });

  it('moves lastUpdated only when another field changes', () => {
    const plan = planBinding(state());
    const report = bindingReport(plan, { kind: 'done' }, sib(), false);
    const first = bindingStatus(sib(), plan, report, undefined, NOW);
    const again = bindingStatus(sib(), plan, report, first as never, () => new Date('2027-01-01T00:00:00Z'));
    expect(again.lastUpdated).toBeUndefined();
    expect(first.boundIntents).toEqual(['no-apt']);
  });
});
