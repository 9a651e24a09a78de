import type { SecurityIntent, SecurityIntentBinding } from '@nimbus-ts/k8s';
import { semanticEqual } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import { buildNimbusPolicy } from '../../src/build/binding.js';
import { resolveRules, ruleAction, ruleFor } from '../../src/build/rules.js';
import { createdPolicyStatus, withLastUpdated } from '../../src/build/status.js';

const API = 'intent.security.nimbus.com/v1alpha1';
const si = (name: string, intent: SecurityIntent['spec']['intent'], deleting = false): SecurityIntent => ({
  apiVersion: API,
  kind: 'SecurityIntent',
  metadata: { name, ...(deleting ? { deletionTimestamp: new Date() } : {}) },
  spec: { intent },
});

describe('ruleAction', () => {
  it.each([
    ['Block', 'Block'],
    ['Audit', 'Audit'],
    ['Enforce', 'Block'],
  ])('%s → %s', (action, expected) => expect(ruleAction(action)).toBe(expected));
});

describe('ruleFor', () => {
  it.each([
    [
      'upstream fields only',
      { id: 'dnsManipulation', action: 'Audit' },
      { id: 'dnsManipulation', rule: { action: 'Audit' } },
    ],
    [
      'description, params, severity and tags',
      {
        id: 'swDeploymentTools',
        action: 'Enforce',
        description: 'no apt',
        severity: 'High',
        tags: ['pci'],
        params: { paths: ['/usr/bin/apt'] },
      },
      {
        id: 'swDeploymentTools',
        description: 'no apt',
        severity: 'High',
        tags: ['pci'],
        rule: { action: 'Block', params: { paths: ['/usr/bin/apt'] } },
      },
    ],
    [
      'empty params and tags are left out',
      { id: 'x', action: 'Block', params: {}, tags: [] },
      { id: 'x', rule: { action: 'Block' } },
    ],
  ])('%s', (_name, intent, expected) => {
    expect(ruleFor(si('n', intent as SecurityIntent['spec']['intent']))).toEqual(expected);
  });
});

describe('resolveRules', () => {
  const pool = new Map([
    ['a', si('a', { id: 'escapeToHost', action: 'Block' })],
    ['b', si('b', { id: 'dnsManipulation', action: 'Audit' })],
    ['gone', si('gone', { id: 'assessTLS', action: 'Audit' }, true)],
  ]);
  it.each([
    [['a', 'b'], ['escapeToHost', 'dnsManipulation'], ['a', 'b'], []],
    [['b', 'a'], ['dnsManipulation', 'escapeToHost'], ['b', 'a'], []],
    [['x', 'a', 'y'], ['escapeToHost'], ['a'], ['x', 'y']],
    [['a', 'a'], ['escapeToHost'], ['a'], []],
    [['gone', 'b'], ['dnsManipulation'], ['b'], ['gone']],
    [[], [], [], []],
  ])('%j → rules %j, bound %j, missing %j', (names, ids, bound, missing) => {
    const r = resolveRules(
      names.map((name) => ({ name })),
      (n) => pool.get(n),
    );
    expect(r.rules.map((x) => x.id)).toEqual(ids);
    expect(r.bound).toEqual(bound);
    expect(r.missing).toEqual(missing);
  });
});

describe('buildNimbusPolicy', () => {
  const sib = (
    labels?: Record<string, string>,
    matchLabels?: Record<string, string>,
  ): SecurityIntentBinding => ({
    apiVersion: API,
    kind: 'SecurityIntentBinding',
    metadata: { name: 'web', namespace: 'shop', uid: 'u-1', ...(labels ? { labels } : {}) },
    spec: { intents: [{ name: 'a' }], selector: matchLabels ? { workloadSelector: { matchLabels } } : {} },
  });
  const rules = [{ id: 'escapeToHost', rule: { action: 'Block' } }];
  const owner = {
    apiVersion: API,
    kind: 'SecurityIntentBinding',
    name: 'web',
    uid: 'u-1',
    controller: true,
    blockOwnerDeletion: true,
  };

  it.each([
    [
      'labels copied, explicit selector',
      sib({ team: 'a' }, { app: 'web' }),
      {},
      { team: 'a' },
      { matchLabels: { app: 'web' } },
    ],
    ['no selector at all gives selector: {} as upstream', sib(), {}, undefined, {}],
    [
      'CEL labels merged, explicit labels win',
      sib(undefined, { app: 'web' }),
      { app: 'cel', tier: 'x' },
      undefined,
      { matchLabels: { app: 'web', tier: 'x' } },
    ],
  ])('%s', (_name, binding, celLabels, labels, selector) => {
    const np = buildNimbusPolicy(binding, rules, celLabels);
    expect(np).toEqual({
      apiVersion: API,
      kind: 'NimbusPolicy',
      metadata: { name: 'web', namespace: 'shop', ...(labels ? { labels } : {}), ownerReferences: [owner] },
      spec: { selector, rules },
    });
    expect(np.spec.rules[0]).not.toBe(rules[0]);
  });

  it('refuses a binding without uid (not yet read back from the API server)', () => {
    const b = sib();
    b.metadata.uid = undefined;
    expect(() => buildNimbusPolicy(b, rules)).toThrow(/has no uid yet/);
  });
});

describe('withLastUpdated', () => {
  const now = () => new Date('2026-11-26T00:00:00Z');
  it('moves lastUpdated only when another field changes', () => {
    const current = { status: 'Created', lastUpdated: '2026-01-01T00:00:00Z' };
    expect(withLastUpdated({ status: 'Created' }, current, semanticEqual, now)).toEqual({
      status: 'Created',
    });
    expect(withLastUpdated({ status: 'ValidationFail' }, current, semanticEqual, now)).toEqual({
      status: 'ValidationFail',
      lastUpdated: '2026-11-26T00:00:00.000Z',
    });
  });
});

describe('createdPolicyStatus', () => {
  const now = () => new Date('2026-11-26T00:00:00Z');
  const built = {
    type: 'Built',
    status: 'True',
    reason: 'BuiltFromBinding',
    message: 'built by the core operator from SecurityIntentBinding shop/web',
    observedGeneration: 1,
    lastTransitionTime: '2026-11-20T00:00:00.000Z',
  } as const;
  // The fields updateStatus would write: those of the result that differ from the current status.
  const written = (current: Record<string, unknown> | undefined) => {
    const wanted = createdPolicyStatus(current, 'SecurityIntentBinding shop/web', 1, now) as Record<
      string,
      unknown
    >;
    return Object.fromEntries(Object.entries(wanted).filter(([k, v]) => !semanticEqual(v, current?.[k])));
  };

  it.each<{ name: string; current: Record<string, unknown> | undefined; expected: Record<string, unknown> }>([
    {
      name: 'a new policy gets upstream’s status, a count of 0 and the Built condition',
      current: undefined,
      expected: {
        status: 'Created',
        numberOfAdapterPolicies: 0,
        conditions: [{ ...built, lastTransitionTime: '2026-11-26T00:00:00.000Z' }],
        lastUpdated: '2026-11-26T00:00:00.000Z',
      },
    },
    {
      name: 'a policy written before the count existed gets 0 once',
      current: { status: 'Created', lastUpdated: '2026-11-20T00:00:00.000Z', conditions: [built] },
      expected: { numberOfAdapterPolicies: 0, lastUpdated: '2026-11-26T00:00:00.000Z' },
    },
    {
      name: 'an adapter’s count is never overwritten',
      current: {
        status: 'Created',
        lastUpdated: '2026-11-20T00:00:00.000Z',
        conditions: [built],
        numberOfAdapterPolicies: 3,
        adapterPolicies: ['KubeArmorPolicy/a', 'KubeArmorPolicy/b', 'NetworkPolicy/c'],
      },
      expected: {},
    },
    {
      name: 'an adapter’s count that arrived before the operator’s first write is kept too',
      current: { numberOfAdapterPolicies: 1, adapterPolicies: ['NetworkPolicy/c'] },
      expected: {
        status: 'Created',
        conditions: [{ ...built, lastTransitionTime: '2026-11-26T00:00:00.000Z' }],
        lastUpdated: '2026-11-26T00:00:00.000Z',
      },
    },
    {
      name: 'a steady state writes nothing',
      current: {
        status: 'Created',
        lastUpdated: '2026-11-20T00:00:00.000Z',
        conditions: [built],
        numberOfAdapterPolicies: 0,
      },
      expected: {},
    },
  ])('$name', ({ current, expected }) => {
    expect(written(current)).toEqual(expected);
  });
});
