import type { NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { defaultRegistry } from '@nimbus-ts/idpool';
import type { Condition } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import {
  type BindingOwnership,
  bindingOwnership,
  ENFORCED,
  enforcedCondition,
} from '../../src/build/enforcement.js';

const rule = (id: string): NimbusRule => ({ id, rule: { action: 'Block' } });
const adapters = (entries: Record<string, string[]>) =>
  new Map(Object.entries(entries).map(([name, ids]) => [name, new Set(ids)]));

interface Row {
  readonly name: string;
  readonly rules: NimbusRule[];
  readonly running: Record<string, string[]>;
  readonly expected: Record<string, string>;
}

describe('enforcedCondition', () => {
  it.each<Row>([
    {
      name: 'no rules',
      rules: [],
      running: {},
      expected: { status: 'True', reason: 'NoRules' },
    },
    {
      name: 'every rule covered by some adapter',
      rules: [rule('dnsManipulation'), rule('denyExternalNetworkAccess')],
      running: { kubearmor: ['dnsManipulation'], netpol: ['dnsManipulation', 'denyExternalNetworkAccess'] },
      expected: { status: 'True', reason: 'AdaptersRunning' },
    },
    {
      name: 'an alias is covered by the adapter of its canonical ID',
      rules: [rule('pkgMgrs')],
      running: { kubearmor: ['swDeploymentTools'] },
      expected: { status: 'True', reason: 'AdaptersRunning' },
    },
    {
      name: 'no adapter running at all',
      rules: [rule('dnsManipulation')],
      running: {},
      expected: {
        status: 'False',
        reason: 'NoRunningAdapter',
        message: 'no running adapter enforces dnsManipulation (deploy an adapter for kubearmor or netpol)',
      },
    },
    {
      name: 'one rule uncovered among covered ones',
      rules: [rule('dnsManipulation'), rule('cocoWorkload')],
      running: { kubearmor: ['dnsManipulation'] },
      expected: {
        status: 'False',
        message: 'no running adapter enforces cocoWorkload (deploy an adapter for kyverno)',
      },
    },
    {
      name: 'an ID no known engine enforces',
      rules: [rule('madeUpIntent')],
      running: { kubearmor: ['dnsManipulation'] },
      expected: {
        status: 'False',
        message: 'no running adapter enforces madeUpIntent (no known engine enforces it)',
      },
    },
    {
      name: 'a third-party ID announced by its adapter',
      rules: [rule('madeUpIntent')],
      running: { custom: ['madeUpIntent'] },
      expected: { status: 'True', reason: 'AdaptersRunning' },
    },
  ])('$name', ({ rules, running, expected }) => {
    const condition = enforcedCondition(rules, adapters(running), defaultRegistry, 3);
    expect(condition).toMatchObject({ type: ENFORCED, observedGeneration: 3, ...expected });
  });
});

describe("enforcedCondition with the adapters' own conditions", () => {
  const running = adapters({ kubearmor: ['dnsManipulation'], netpol: ['dnsManipulation'] });
  const adapterCondition = (
    type: string,
    status: 'True' | 'False',
    reason: string,
    message: string,
  ): Condition => ({
    type,
    status,
    reason,
    message,
    lastTransitionTime: '2026-01-01T00:00:00Z',
  });
  const refused = adapterCondition(
    'nimbus-netpol/Ready',
    'False',
    'EngineObjectRejected',
    'the API server refused an engine object',
  );

  it.each<{ name: string; conditions: Condition[]; expected: Record<string, string> }>([
    {
      name: 'every running adapter Ready',
      conditions: [adapterCondition('nimbus-kubearmor/Ready', 'True', 'Applied', 'ok')],
      expected: { status: 'True', reason: 'AdaptersRunning' },
    },
    {
      name: 'a running adapter whose engine object was refused',
      conditions: [adapterCondition('nimbus-kubearmor/Ready', 'True', 'Applied', 'ok'), refused],
      expected: {
        status: 'False',
        reason: 'EngineObjectRejected',
        message: 'nimbus-netpol: the API server refused an engine object',
      },
    },
    {
      name: 'two failing adapters, in name order whatever the condition order',
      conditions: [refused, adapterCondition('nimbus-kubearmor/Ready', 'False', 'NameConflict', 'taken')],
      expected: {
        status: 'False',
        reason: 'NameConflict',
        message: 'nimbus-kubearmor: taken; nimbus-netpol: the API server refused an engine object',
      },
    },
    {
      name: 'a False condition left by an adapter that no longer runs',
      conditions: [adapterCondition('nimbus-gone/Ready', 'False', 'EngineObjectRejected', 'old')],
      expected: { status: 'True', reason: 'AdaptersRunning' },
    },
  ])('$name', ({ conditions, expected }) => {
    expect(
      enforcedCondition(
        [rule('dnsManipulation')],
        running,
        defaultRegistry,
        4,
        { state: 'owned' },
        conditions,
      ),
    ).toMatchObject({ type: ENFORCED, observedGeneration: 4, ...expected });
  });

  it('names the missing adapter first: a rule nobody runs for outweighs a failing adapter', () => {
    expect(
      enforcedCondition([rule('escapeToHost')], running, defaultRegistry, 4, { state: 'owned' }, [refused]),
    ).toMatchObject({ status: 'False', reason: 'NoRunningAdapter' });
  });
});

describe('bindingOwnership', () => {
  const API = 'intent.security.nimbus.com/v1alpha1';
  const owner = (kind: string, name: string, uid: string, controller = true) => ({
    apiVersion: API,
    kind,
    name,
    uid,
    controller,
  });
  const policy = (kind: 'NimbusPolicy' | 'ClusterNimbusPolicy', ownerReferences: object[]) =>
    ({
      apiVersion: API,
      kind,
      metadata: { name: 'web', ...(kind === 'NimbusPolicy' ? { namespace: 'shop' } : {}), ownerReferences },
      spec: { rules: [] },
    }) as unknown as NimbusPolicy;
  const sib = { kind: 'SecurityIntentBinding', metadata: { name: 'web', namespace: 'shop', uid: 'u1' } };
  const csib = { kind: 'ClusterSecurityIntentBinding', metadata: { name: 'all', uid: 'u2' } };
  const bindings = [sib, csib];
  // The store look-up the controller makes: by kind, name and (for SIBs) the policy's namespace.
  const find = (kind: string, ref: { namespace?: string; name: string }) =>
    bindings.find(
      (b) =>
        b.kind === kind &&
        b.metadata.name === ref.name &&
        (b.metadata as { namespace?: string }).namespace === ref.namespace,
    );

  it.each<{ name: string; policy: NimbusPolicy; expected: BindingOwnership }>([
    {
      name: 'owned by an existing SecurityIntentBinding',
      policy: policy('NimbusPolicy', [owner('SecurityIntentBinding', 'web', 'u1')]),
      expected: { state: 'owned' },
    },
    {
      name: 'a fan-out NimbusPolicy owned by an existing ClusterSecurityIntentBinding',
      policy: policy('NimbusPolicy', [owner('ClusterSecurityIntentBinding', 'all', 'u2')]),
      expected: { state: 'owned' },
    },
    {
      name: 'a ClusterNimbusPolicy owned by an existing ClusterSecurityIntentBinding',
      policy: policy('ClusterNimbusPolicy', [owner('ClusterSecurityIntentBinding', 'all', 'u2')]),
      expected: { state: 'owned' },
    },
    {
      name: 'no owner references at all (applied by hand)',
      policy: policy('NimbusPolicy', []),
      expected: { state: 'unowned', policyKind: 'NimbusPolicy' },
    },
    {
      name: 'a binding owner that is not the controller',
      policy: policy('NimbusPolicy', [owner('SecurityIntentBinding', 'web', 'u1', false)]),
      expected: { state: 'unowned', policyKind: 'NimbusPolicy' },
    },
    {
      name: 'a ClusterNimbusPolicy cannot be owned by a namespaced binding',
      policy: policy('ClusterNimbusPolicy', [owner('SecurityIntentBinding', 'web', 'u1')]),
      expected: { state: 'unowned', policyKind: 'ClusterNimbusPolicy' },
    },
    {
      name: 'an owner binding that does not exist',
      policy: policy('NimbusPolicy', [owner('SecurityIntentBinding', 'gone', 'u9')]),
      expected: { state: 'ownerMissing', owner: 'SecurityIntentBinding shop/gone' },
    },
    {
      name: 'an owner binding re-created under the same name (another uid)',
      policy: policy('NimbusPolicy', [owner('SecurityIntentBinding', 'web', 'old-uid')]),
      expected: { state: 'ownerMissing', owner: 'SecurityIntentBinding shop/web' },
    },
    {
      name: 'a cluster owner that does not exist',
      policy: policy('ClusterNimbusPolicy', [owner('ClusterSecurityIntentBinding', 'gone', 'u9')]),
      expected: { state: 'ownerMissing', owner: 'ClusterSecurityIntentBinding gone' },
    },
  ])('$name', ({ policy, expected }) => {
    expect(bindingOwnership(policy, find)).toEqual(expected);
  });
});

describe('enforcedCondition of a policy no existing binding owns', () => {
  const running = adapters({ kubearmor: ['dnsManipulation'] });
  it.each<{ name: string; ownership: BindingOwnership; message: string }>([
    {
      name: 'no owner at all',
      ownership: { state: 'unowned', policyKind: 'NimbusPolicy' },
      message:
        'no SecurityIntentBinding or ClusterSecurityIntentBinding owns this NimbusPolicy, so every adapter ignores it. ' +
        'NimbusPolicies are written by the core operator from bindings: bind the intents with a SecurityIntentBinding ' +
        '(or ClusterSecurityIntentBinding) and delete this policy',
    },
    {
      name: 'a ClusterNimbusPolicy with no owner',
      ownership: { state: 'unowned', policyKind: 'ClusterNimbusPolicy' },
      message:
        'no ClusterSecurityIntentBinding owns this ClusterNimbusPolicy, so every adapter ignores it. ' +
        'ClusterNimbusPolicies are written by the core operator from bindings: bind the intents with a ' +
        'ClusterSecurityIntentBinding and delete this policy',
    },
    {
      name: 'an owner that is gone',
      ownership: { state: 'ownerMissing', owner: 'SecurityIntentBinding shop/web' },
      message:
        'its owner SecurityIntentBinding shop/web does not exist, so every adapter ignores it; ' +
        're-create the binding, or delete this policy',
    },
  ])('is False, naming the missing owner: $name', ({ ownership, message }) => {
    // The rule has a running adapter, yet nothing enforces it: the owner decides first.
    expect(enforcedCondition([rule('dnsManipulation')], running, defaultRegistry, 2, ownership)).toEqual({
      type: ENFORCED,
      status: 'False',
      reason: 'NoOwnerBinding',
      message,
      observedGeneration: 2,
    });
  });

  it('is True as before when an existing binding owns it', () => {
    expect(
      enforcedCondition([rule('dnsManipulation')], running, defaultRegistry, 2, { state: 'owned' }),
    ).toMatchObject({ status: 'True', reason: 'AdaptersRunning' });
  });
});
