import type { SecurityIntent, SecurityIntentBinding } from '@nimbus-ts/api';
import { semanticEqual } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import { buildNimbusPolicy } from '../../src/build/binding.js';
import { actionsConsistent } from '../../src/build/conditions.js';
import { isStricterAction, resolveRules, ruleAction, ruleFor } from '../../src/build/rules.js';
import { createdPolicyStatus, operatorPolicyStatus, withLastUpdated } from '../../src/build/status.js';

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
    expect(r.conflicts).toEqual([]);
  });
});

// Issue 15: the same intent ID twice (Audit, then Block) quietly enforced Audit, because the policy carried two
// rules of one ID and the adapter kept the first. One rule per ID now, with the stricter action, and a report.
describe('intents asking for one intent ID with different actions', () => {
  const pool = new Map([
    ['audit-pkg', si('audit-pkg', { id: 'swDeploymentTools', action: 'Audit', description: 'watch' })],
    ['block-pkg', si('block-pkg', { id: 'swDeploymentTools', action: 'Block', description: 'stop' })],
    ['enforce-pkg', si('enforce-pkg', { id: 'swDeploymentTools', action: 'Enforce' })],
    ['audit-pkg-2', si('audit-pkg-2', { id: 'swDeploymentTools', action: 'Audit' })],
    // The CRD's enum refuses other text now, but objects stored under upstream's free-text schema may carry it.
    ['odd-pkg', si('odd-pkg', { id: 'swDeploymentTools', action: 'Alert' as 'Audit' })],
    ['dns', si('dns', { id: 'dnsManipulation', action: 'Audit' })],
  ]);
  const resolve = (names: string[]) =>
    resolveRules(
      names.map((name) => ({ name })),
      (n) => pool.get(n),
    );

  it.each<{
    names: string[];
    rules: [string, string, string?][];
    conflict?: { action: string; chosen: string; intents: [string, string][] };
  }>([
    {
      names: ['audit-pkg', 'dns', 'block-pkg'],
      rules: [
        ['swDeploymentTools', 'Block', 'stop'],
        ['dnsManipulation', 'Audit'],
      ],
      conflict: {
        action: 'Block',
        chosen: 'block-pkg',
        intents: [
          ['audit-pkg', 'Audit'],
          ['block-pkg', 'Block'],
        ],
      },
    },
    {
      names: ['block-pkg', 'audit-pkg'],
      rules: [['swDeploymentTools', 'Block', 'stop']],
      conflict: {
        action: 'Block',
        chosen: 'block-pkg',
        intents: [
          ['block-pkg', 'Block'],
          ['audit-pkg', 'Audit'],
        ],
      },
    },
    {
      // Enforce is Block: the first of equals is kept, but Audit still conflicts.
      names: ['audit-pkg', 'enforce-pkg', 'block-pkg'],
      rules: [['swDeploymentTools', 'Block']],
      conflict: {
        action: 'Block',
        chosen: 'enforce-pkg',
        intents: [
          ['audit-pkg', 'Audit'],
          ['enforce-pkg', 'Block'],
          ['block-pkg', 'Block'],
        ],
      },
    },
    {
      // An action the adapters do not know is enforced as Audit, so Audit is stricter than it.
      names: ['odd-pkg', 'audit-pkg'],
      rules: [['swDeploymentTools', 'Audit', 'watch']],
      conflict: {
        action: 'Audit',
        chosen: 'audit-pkg',
        intents: [
          ['odd-pkg', 'Alert'],
          ['audit-pkg', 'Audit'],
        ],
      },
    },
    // Same ID, same action: one rule, the first, and nothing to report.
    { names: ['audit-pkg', 'audit-pkg-2'], rules: [['swDeploymentTools', 'Audit', 'watch']] },
    { names: ['enforce-pkg', 'block-pkg'], rules: [['swDeploymentTools', 'Block']] },
  ])('$names → one rule per ID', ({ names, rules, conflict }) => {
    const r = resolve(names);
    expect(r.rules.map((x) => [x.id, x.rule.action, ...(x.description ? [x.description] : [])])).toEqual(
      rules,
    );
    expect(r.bound).toEqual(names);
    expect(r.conflicts).toEqual(
      conflict
        ? [
            {
              id: 'swDeploymentTools',
              action: conflict.action,
              chosen: conflict.chosen,
              intents: conflict.intents.map(([name, action]) => ({ name, action })),
            },
          ]
        : [],
    );
  });

  it.each([
    ['Block', 'Audit', true],
    ['Enforce', 'Audit', true],
    ['Audit', 'Block', false],
    ['Block', 'Enforce', false],
    ['Audit', 'Alert', true],
    ['Alert', 'Audit', false],
  ])('%s is stricter than %s: %s', (a, b, expected) => expect(isStricterAction(a, b)).toBe(expected));

  it('reports the conflict in a condition naming both intents, the action enforced and the fix', () => {
    const condition = actionsConsistent(resolve(['audit-pkg', 'block-pkg']).conflicts, 3);
    expect(condition).toMatchObject({
      type: 'ActionsConsistent',
      status: 'False',
      reason: 'ConflictingActions',
      observedGeneration: 3,
    });
    expect(condition?.message).toContain('intent ID swDeploymentTools');
    expect(condition?.message).toContain('SecurityIntent audit-pkg (Audit)');
    expect(condition?.message).toContain('SecurityIntent block-pkg (Block)');
    expect(condition?.message).toContain('enforces the stricter Block, from block-pkg');
    expect(condition?.message).toContain('same action');
    expect(actionsConsistent(resolve(['audit-pkg', 'dns']).conflicts, 3)).toBeUndefined();
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
      // The count of 0 is the CRD's default: the count's only writers are the adapters (ADR 0013).
      name: 'a new policy gets upstream’s status and the Built condition, not the count',
      current: undefined,
      expected: {
        status: 'Created',
        conditions: [{ ...built, lastTransitionTime: '2026-11-26T00:00:00.000Z' }],
        lastUpdated: '2026-11-26T00:00:00.000Z',
      },
    },
    {
      name: 'a policy without a count gets none from the operator',
      current: { status: 'Created', lastUpdated: '2026-11-20T00:00:00.000Z', conditions: [built] },
      expected: {},
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

describe('operatorPolicyStatus', () => {
  const now = () => new Date('2026-11-26T00:00:00Z');
  const T0 = '2026-11-20T00:00:00.000Z';
  const T1 = '2026-11-26T00:00:00.000Z';
  const built = {
    type: 'Built',
    status: 'True',
    reason: 'BuiltFromBinding',
    message: 'built by the core operator from SecurityIntentBinding shop/web',
    observedGeneration: 1,
    lastTransitionTime: T0,
  } as const;
  const enforced = {
    type: 'Enforced',
    status: 'False',
    reason: 'NoAdapter',
    message: 'no running adapter enforces swDeploymentTools',
    observedGeneration: 1,
  } as const;
  const adapterReady = {
    type: 'nimbus-kubearmor/Ready',
    status: 'True',
    reason: 'Applied',
    message: '',
    lastTransitionTime: T0,
  } as const;
  const facts = { builtFrom: 'SecurityIntentBinding shop/web', generation: 1, enforced };

  it.each<{
    name: string;
    current: Record<string, unknown> | undefined;
    facts?: Parameters<typeof operatorPolicyStatus>[1];
    apply: Record<string, unknown>;
  }>([
    {
      name: 'a new policy: Created, Built and Enforced in one write',
      current: undefined,
      apply: {
        status: 'Created',
        lastUpdated: T1,
        conditions: [
          { ...built, lastTransitionTime: T1 },
          { ...enforced, lastTransitionTime: T1 },
        ],
      },
    },
    {
      name: 'only its own conditions are applied, and never the adapters’ count',
      current: {
        status: 'Created',
        lastUpdated: T0,
        numberOfAdapterPolicies: 3,
        conditions: [built, adapterReady, { ...enforced, lastTransitionTime: T0 }],
      },
      apply: {
        status: 'Created',
        lastUpdated: T0,
        conditions: [built, { ...enforced, lastTransitionTime: T0 }],
      },
    },
    {
      name: 'a policy no binding owns gets Enforced only, and loses a Built it had',
      current: { conditions: [built] },
      facts: { builtFrom: undefined, generation: 1, enforced },
      apply: { conditions: [{ ...enforced, lastTransitionTime: T1 }] },
    },
  ])('$name', ({ current, facts: given, apply }) => {
    expect(operatorPolicyStatus(current, given ?? facts, now).apply).toEqual(apply);
  });

  it('a steady state expects what the status already reads, so nothing is written', () => {
    const current = {
      status: 'Created',
      lastUpdated: T0,
      numberOfAdapterPolicies: 0,
      conditions: [built, adapterReady, { ...enforced, lastTransitionTime: T0 }],
    };
    const { expected } = operatorPolicyStatus(current, facts, now);
    for (const [field, value] of Object.entries(expected)) {
      expect(semanticEqual(value, (current as Record<string, unknown>)[field]), field).toBe(true);
    }
  });

  it('an Enforced change alone keeps lastUpdated: it says when the operator last wrote the policy', () => {
    const current = { status: 'Created', lastUpdated: T0, numberOfAdapterPolicies: 0, conditions: [built] };
    expect(operatorPolicyStatus(current, facts, now).apply.lastUpdated).toBe(T0);
  });
});
