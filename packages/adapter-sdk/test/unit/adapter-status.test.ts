import {
  API_VERSION,
  adapterConditionType,
  crdDirectory,
  type NimbusPolicy,
  RESOURCES,
} from '@nimbus-ts/api';
import type { ConditionInput } from '@nimbus-ts/k8s';
import { FakeClient, readCRDs } from '@nimbus-ts/k8s/testing';
import { describe, expect, it } from 'vitest';
import {
  type AdapterReport,
  type AdapterStatusFields,
  mergeAdapterReport,
  ownStatusFields,
} from '../../src/index.js';

const T1 = '2025-01-01T00:00:00.000Z';
const T2 = '2025-01-02T00:00:00.000Z';
const T3 = '2025-01-03T00:00:00.000Z';
const at = (iso: string) => () => new Date(iso);

const TYPE = adapterConditionType('demo');

const ready = (status: ConditionInput['status'] = 'True', message = 'applied'): ConditionInput => ({
  type: TYPE,
  status,
  reason: status === 'True' ? 'Applied' : 'NameConflict',
  message,
  observedGeneration: 1,
});

/**
 * The `demo` adapter writes ConfigMaps and ClusterRoles; `other` writes KubeArmorPolicies in most rows, and
 * ConfigMaps too in the rows about adapters that share a kind. Entries are told apart by the adapters' records
 * under `policiesByAdapter`, never by kind.
 */
function report(overrides: Partial<AdapterReport> = {}): AdapterReport {
  return {
    adapter: 'demo',
    entries: [],
    enforced: [],
    conditionType: TYPE,
    ...overrides,
  };
}

const otherCondition = {
  type: 'nimbus-other/Ready',
  status: 'True' as const,
  reason: 'Applied',
  message: 'other applied',
  lastTransitionTime: T1,
};

interface Row {
  name: string;
  status: AdapterStatusFields | undefined;
  report: AdapterReport;
  expected: AdapterStatusFields;
}

const rows: Row[] = [
  {
    name: 'an undefined status and an empty report',
    status: undefined,
    report: report(),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: undefined,
      enforcement: [],
      policiesByAdapter: [],
      conditions: [],
    },
  },
  {
    name: 'an empty status and a first report',
    status: {},
    report: report({
      entries: ['ConfigMap/a', 'ClusterRole/b'],
      enforced: ['dnsManipulation'],
      condition: ready(),
    }),
    expected: {
      adapterPolicies: ['ConfigMap/a', 'ClusterRole/b'],
      numberOfAdapterPolicies: 2,
      enforcement: [{ ruleId: 'dnsManipulation', adapters: ['demo'] }],
      policiesByAdapter: [{ adapter: 'demo', policies: ['ConfigMap/a', 'ClusterRole/b'] }],
      conditions: [{ ...ready(), lastTransitionTime: T1 }],
    },
  },
  {
    name: "others' entries kept in place, new own ones appended",
    status: {
      adapterPolicies: ['KubeArmorPolicy/x', 'KubeArmorPolicy/y'],
      numberOfAdapterPolicies: 2,
    },
    report: report({ entries: ['ConfigMap/a'] }),
    expected: {
      adapterPolicies: ['KubeArmorPolicy/x', 'KubeArmorPolicy/y', 'ConfigMap/a'],
      numberOfAdapterPolicies: 3,
      enforcement: [],
      policiesByAdapter: [{ adapter: 'demo', policies: ['ConfigMap/a'] }],
      conditions: [],
    },
  },
  {
    name: 'own entries that stay keep their place among the others',
    status: {
      adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a', 'KubeArmorPolicy/y'],
      numberOfAdapterPolicies: 3,
    },
    report: report({ entries: ['ConfigMap/b', 'ConfigMap/a'] }),
    expected: {
      adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a', 'KubeArmorPolicy/y', 'ConfigMap/b'],
      numberOfAdapterPolicies: 4,
      enforcement: [],
      policiesByAdapter: [{ adapter: 'demo', policies: ['ConfigMap/b', 'ConfigMap/a'] }],
      conditions: [],
    },
  },
  {
    name: 'own recorded entries no longer reported removed, of every kind',
    status: {
      adapterPolicies: ['ConfigMap/old', 'KubeArmorPolicy/x', 'ClusterRole/old', 'ConfigMap/a'],
      numberOfAdapterPolicies: 4,
      policiesByAdapter: [{ adapter: 'demo', policies: ['ConfigMap/old', 'ClusterRole/old', 'ConfigMap/a'] }],
    },
    report: report({ entries: ['ConfigMap/a'] }),
    expected: {
      adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a'],
      numberOfAdapterPolicies: 2,
      enforcement: [],
      policiesByAdapter: [{ adapter: 'demo', policies: ['ConfigMap/a'] }],
      conditions: [],
    },
  },
  {
    name: 'every own entry removed, leaving a count of 0',
    status: {
      adapterPolicies: ['ConfigMap/a'],
      numberOfAdapterPolicies: 1,
      policiesByAdapter: [{ adapter: 'demo', policies: ['ConfigMap/a'] }],
    },
    report: report(),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: 0,
      enforcement: [],
      policiesByAdapter: [],
      conditions: [],
    },
  },
  {
    name: 'a count of 0 once written stays 0',
    status: { adapterPolicies: [], numberOfAdapterPolicies: 0 },
    report: report(),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: 0,
      enforcement: [],
      policiesByAdapter: [],
      conditions: [],
    },
  },
  {
    name: 'a drifted count repaired to the length',
    status: { adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a'], numberOfAdapterPolicies: 7 },
    report: report({ entries: ['ConfigMap/a'] }),
    expected: {
      adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a'],
      numberOfAdapterPolicies: 2,
      enforcement: [],
      policiesByAdapter: [{ adapter: 'demo', policies: ['ConfigMap/a'] }],
      conditions: [],
    },
  },
  {
    name: 'a missing count filled in from entries another adapter wrote',
    status: { adapterPolicies: ['KubeArmorPolicy/x'] },
    report: report(),
    expected: {
      adapterPolicies: ['KubeArmorPolicy/x'],
      numberOfAdapterPolicies: 1,
      enforcement: [],
      policiesByAdapter: [],
      conditions: [],
    },
  },
  {
    name: 'entries nobody recorded left alone, whatever their kind (an adapter that keeps no record wrote them)',
    status: { adapterPolicies: ['ConfigMap/a', 'ClusterRole/b', 'ConfigMap'], numberOfAdapterPolicies: 3 },
    report: report(),
    expected: {
      adapterPolicies: ['ConfigMap/a', 'ClusterRole/b', 'ConfigMap'],
      numberOfAdapterPolicies: 3,
      enforcement: [],
      policiesByAdapter: [],
      conditions: [],
    },
  },
  {
    name: 'duplicates in the status list collapsed, own and foreign',
    status: {
      adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a', 'KubeArmorPolicy/x', 'ConfigMap/a'],
      numberOfAdapterPolicies: 4,
    },
    report: report({ entries: ['ConfigMap/a'] }),
    expected: {
      adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a'],
      numberOfAdapterPolicies: 2,
      enforcement: [],
      policiesByAdapter: [{ adapter: 'demo', policies: ['ConfigMap/a'] }],
      conditions: [],
    },
  },
  {
    name: 'self added to a rule another adapter enforces, after it',
    status: { enforcement: [{ ruleId: 'dnsManipulation', adapters: ['zeta', 'alpha'] }] },
    report: report({ enforced: ['dnsManipulation'] }),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: undefined,
      enforcement: [{ ruleId: 'dnsManipulation', adapters: ['zeta', 'alpha', 'demo'] }],
      policiesByAdapter: [],
      conditions: [],
    },
  },
  {
    name: 'self left in its place when already listed',
    status: { enforcement: [{ ruleId: 'dnsManipulation', adapters: ['zeta', 'demo', 'alpha'] }] },
    report: report({ enforced: ['dnsManipulation'] }),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: undefined,
      enforcement: [{ ruleId: 'dnsManipulation', adapters: ['zeta', 'demo', 'alpha'] }],
      policiesByAdapter: [],
      conditions: [],
    },
  },
  {
    name: 'new rules appended after existing ones, in report order',
    status: { enforcement: [{ ruleId: 'escapeToHost', adapters: ['other'] }] },
    report: report({ enforced: ['pkgMgrs', 'dnsManipulation'] }),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: undefined,
      enforcement: [
        { ruleId: 'escapeToHost', adapters: ['other'] },
        { ruleId: 'pkgMgrs', adapters: ['demo'] },
        { ruleId: 'dnsManipulation', adapters: ['demo'] },
      ],
      policiesByAdapter: [],
      conditions: [],
    },
  },
  {
    name: 'self removed from rules no longer enforced, empty entries dropped',
    status: {
      enforcement: [
        { ruleId: 'a', adapters: ['demo'] },
        { ruleId: 'b', adapters: ['other', 'demo', 'third'] },
        { ruleId: 'c', adapters: ['demo', 'other'] },
        { ruleId: 'd', adapters: [] },
        { ruleId: 'e' },
        { ruleId: 'f', adapters: ['other'] },
      ],
    },
    report: report({ enforced: ['c'] }),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: undefined,
      enforcement: [
        { ruleId: 'b', adapters: ['other', 'third'] },
        { ruleId: 'c', adapters: ['demo', 'other'] },
        { ruleId: 'f', adapters: ['other'] },
      ],
      policiesByAdapter: [],
      conditions: [],
    },
  },
  {
    name: 'duplicate enforced IDs listed once',
    status: {},
    report: report({ enforced: ['a', 'a'] }),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: undefined,
      enforcement: [{ ruleId: 'a', adapters: ['demo'] }],
      policiesByAdapter: [],
      conditions: [],
    },
  },
  {
    name: 'the condition set next to the others',
    status: { conditions: [otherCondition] },
    report: report({ condition: ready() }),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: undefined,
      enforcement: [],
      policiesByAdapter: [],
      conditions: [otherCondition, { ...ready(), lastTransitionTime: T1 }],
    },
  },
  {
    name: 'the transition time kept while the status stays, the message updated',
    status: { conditions: [{ ...ready('True', 'before'), lastTransitionTime: T3 }, otherCondition] },
    report: report({ condition: ready('True', 'after') }),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: undefined,
      enforcement: [],
      policiesByAdapter: [],
      conditions: [{ ...ready('True', 'after'), lastTransitionTime: T3 }, otherCondition],
    },
  },
  {
    name: 'the transition time moved when the status changes',
    status: { conditions: [{ ...ready('True'), lastTransitionTime: T3 }] },
    report: report({ condition: ready('False', 'conflict') }),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: undefined,
      enforcement: [],
      policiesByAdapter: [],
      conditions: [{ ...ready('False', 'conflict'), lastTransitionTime: T1 }],
    },
  },
  {
    name: 'the condition removed when the report has none, the others kept',
    status: { conditions: [otherCondition, { ...ready(), lastTransitionTime: T3 }] },
    report: report(),
    expected: {
      adapterPolicies: [],
      numberOfAdapterPolicies: undefined,
      enforcement: [],
      policiesByAdapter: [],
      conditions: [otherCondition],
    },
  },
  {
    name: 'everything of another adapter untouched while this one withdraws',
    status: {
      adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a'],
      numberOfAdapterPolicies: 2,
      policiesByAdapter: [
        { adapter: 'other', policies: ['KubeArmorPolicy/x'] },
        { adapter: 'demo', policies: ['ConfigMap/a'] },
      ],
      enforcement: [
        { ruleId: 'escapeToHost', adapters: ['other'] },
        { ruleId: 'dnsManipulation', adapters: ['other', 'demo'] },
      ],
      conditions: [otherCondition, { ...ready(), lastTransitionTime: T3 }],
    },
    report: report(),
    expected: {
      adapterPolicies: ['KubeArmorPolicy/x'],
      numberOfAdapterPolicies: 1,
      enforcement: [
        { ruleId: 'escapeToHost', adapters: ['other'] },
        { ruleId: 'dnsManipulation', adapters: ['other'] },
      ],
      policiesByAdapter: [{ adapter: 'other', policies: ['KubeArmorPolicy/x'] }],
      conditions: [otherCondition],
    },
  },
];

// Adapters that write the same kind: each recognises its own entries by its record under policiesByAdapter.
const sharedKindRows: Row[] = [
  {
    name: "another adapter's recorded entries of the same kind kept while this one withdraws",
    status: {
      adapterPolicies: ['ConfigMap/theirs', 'ConfigMap/a'],
      numberOfAdapterPolicies: 2,
      policiesByAdapter: [
        { adapter: 'other', policies: ['ConfigMap/theirs'] },
        { adapter: 'demo', policies: ['ConfigMap/a'] },
      ],
    },
    report: report(),
    expected: {
      adapterPolicies: ['ConfigMap/theirs'],
      numberOfAdapterPolicies: 1,
      enforcement: [],
      policiesByAdapter: [{ adapter: 'other', policies: ['ConfigMap/theirs'] }],
      conditions: [],
    },
  },
  {
    name: "own recorded entries replaced, another adapter's entries of the same kind kept in place",
    status: {
      adapterPolicies: ['ConfigMap/o1', 'ConfigMap/old', 'ConfigMap/o2'],
      numberOfAdapterPolicies: 3,
      policiesByAdapter: [
        { adapter: 'other', policies: ['ConfigMap/o1', 'ConfigMap/o2'] },
        { adapter: 'demo', policies: ['ConfigMap/old'] },
      ],
    },
    report: report({ entries: ['ConfigMap/new'] }),
    expected: {
      adapterPolicies: ['ConfigMap/o1', 'ConfigMap/o2', 'ConfigMap/new'],
      numberOfAdapterPolicies: 3,
      enforcement: [],
      policiesByAdapter: [
        { adapter: 'other', policies: ['ConfigMap/o1', 'ConfigMap/o2'] },
        { adapter: 'demo', policies: ['ConfigMap/new'] },
      ],
      conditions: [],
    },
  },
  {
    name: 'an entry it no longer reports kept while another adapter records it (the name went to the other)',
    status: {
      adapterPolicies: ['ConfigMap/x'],
      numberOfAdapterPolicies: 1,
      policiesByAdapter: [
        { adapter: 'demo', policies: ['ConfigMap/x'] },
        { adapter: 'other', policies: ['ConfigMap/x'] },
      ],
    },
    report: report(),
    expected: {
      adapterPolicies: ['ConfigMap/x'],
      numberOfAdapterPolicies: 1,
      enforcement: [],
      policiesByAdapter: [{ adapter: 'other', policies: ['ConfigMap/x'] }],
      conditions: [],
    },
  },
  {
    name: 'the entry of an object it deletes now removed without a record (a status written before records)',
    status: {
      adapterPolicies: ['ConfigMap/theirs', 'ConfigMap/old', 'ConfigMap/unrecorded'],
      numberOfAdapterPolicies: 3,
      policiesByAdapter: [{ adapter: 'other', policies: ['ConfigMap/theirs'] }],
    },
    report: report({ entries: ['ConfigMap/a'], withdrawn: ['ConfigMap/old'] }),
    expected: {
      adapterPolicies: ['ConfigMap/theirs', 'ConfigMap/unrecorded', 'ConfigMap/a'],
      numberOfAdapterPolicies: 3,
      enforcement: [],
      policiesByAdapter: [
        { adapter: 'other', policies: ['ConfigMap/theirs'] },
        { adapter: 'demo', policies: ['ConfigMap/a'] },
      ],
      conditions: [],
    },
  },
  {
    name: 'a withdrawn entry kept while another adapter records it',
    status: {
      adapterPolicies: ['ConfigMap/x'],
      numberOfAdapterPolicies: 1,
      policiesByAdapter: [{ adapter: 'other', policies: ['ConfigMap/x'] }],
    },
    report: report({ withdrawn: ['ConfigMap/x'] }),
    expected: {
      adapterPolicies: ['ConfigMap/x'],
      numberOfAdapterPolicies: 1,
      enforcement: [],
      policiesByAdapter: [{ adapter: 'other', policies: ['ConfigMap/x'] }],
      conditions: [],
    },
  },
  {
    name: 'unrecorded entries of the kinds it writes left to whoever wrote them',
    status: {
      adapterPolicies: ['ConfigMap/a', 'ConfigMap/unrecorded'],
      numberOfAdapterPolicies: 2,
      policiesByAdapter: [{ adapter: 'demo', policies: ['ConfigMap/a'] }],
    },
    report: report(),
    expected: {
      adapterPolicies: ['ConfigMap/unrecorded'],
      numberOfAdapterPolicies: 1,
      enforcement: [],
      policiesByAdapter: [],
      conditions: [],
    },
  },
  {
    name: "its record keeps its place among the others'",
    status: {
      adapterPolicies: ['ConfigMap/a', 'ConfigMap/b'],
      numberOfAdapterPolicies: 2,
      policiesByAdapter: [
        { adapter: 'demo', policies: ['ConfigMap/a'] },
        { adapter: 'other', policies: ['ConfigMap/b'] },
      ],
    },
    report: report({ entries: ['ConfigMap/c'] }),
    expected: {
      adapterPolicies: ['ConfigMap/b', 'ConfigMap/c'],
      numberOfAdapterPolicies: 2,
      enforcement: [],
      policiesByAdapter: [
        { adapter: 'demo', policies: ['ConfigMap/c'] },
        { adapter: 'other', policies: ['ConfigMap/b'] },
      ],
      conditions: [],
    },
  },
];
rows.push(...sharedKindRows);

describe('mergeAdapterReport', () => {
  it.each(rows)('merges $name', ({ status, report, expected }) => {
    const merged = mergeAdapterReport(status, report, at(T1));
    expect(merged).toStrictEqual(expected);
    expect(merged.numberOfAdapterPolicies).toBe(
      expected.numberOfAdapterPolicies === undefined ? undefined : merged.adapterPolicies?.length,
    );
  });

  it.each(rows)('is idempotent: $name', ({ status, report }) => {
    const once = mergeAdapterReport(status, report, at(T1));
    const twice = mergeAdapterReport(once, report, at(T2));
    expect(twice).toStrictEqual(once);
  });

  it.each(rows)('does not change its input: $name', ({ status, report }) => {
    const before = structuredClone(status);
    mergeAdapterReport(status, report, at(T1));
    expect(status).toStrictEqual(before);
  });

  it('keeps the count undefined when nothing was ever written and nothing is added', () => {
    const merged = mergeAdapterReport({ adapterPolicies: [] }, report({ enforced: ['a'] }), at(T1));
    expect(merged.numberOfAdapterPolicies).toBeUndefined();
    expect(merged.adapterPolicies).toEqual([]);
  });

  it('lets two adapters take turns without undoing each other', () => {
    const demoReport = report({ entries: ['ConfigMap/a'], enforced: ['dns'], condition: ready() });
    const otherReport: AdapterReport = {
      adapter: 'other',
      entries: ['KubeArmorPolicy/x'],
      enforced: ['dns', 'host'],
      condition: { ...ready(), type: 'nimbus-other/Ready' },
      conditionType: 'nimbus-other/Ready',
    };
    let status: AdapterStatusFields | undefined;
    status = mergeAdapterReport(status, demoReport, at(T1));
    status = mergeAdapterReport(status, otherReport, at(T2));
    const settled = status;
    // Each re-merging its unchanged report leaves the status as it is.
    status = mergeAdapterReport(status, demoReport, at(T3));
    status = mergeAdapterReport(status, otherReport, at(T3));
    expect(status).toStrictEqual(settled);
    expect(status).toStrictEqual({
      adapterPolicies: ['ConfigMap/a', 'KubeArmorPolicy/x'],
      numberOfAdapterPolicies: 2,
      enforcement: [
        { ruleId: 'dns', adapters: ['demo', 'other'] },
        { ruleId: 'host', adapters: ['other'] },
      ],
      policiesByAdapter: [
        { adapter: 'demo', policies: ['ConfigMap/a'] },
        { adapter: 'other', policies: ['KubeArmorPolicy/x'] },
      ],
      conditions: [
        { ...ready(), lastTransitionTime: T1 },
        { ...ready(), type: 'nimbus-other/Ready', lastTransitionTime: T2 },
      ],
    });
  });

  it('lets two adapters writing the same kind take turns without undoing each other', () => {
    // issue 13: netpol and a third-party NetworkPolicy adapter removed each other's entries on every reconcile.
    const demoReport = report({
      entries: ['ConfigMap/web-demo', 'ConfigMap/web-shared'],
      enforced: ['dns'],
      condition: ready(),
    });
    const otherReport: AdapterReport = {
      adapter: 'other',
      entries: ['ConfigMap/web-other'],
      enforced: ['dns'],
      condition: {
        ...ready('False', 'ConfigMap/web-shared is managed by nimbus-demo'),
        type: 'nimbus-other/Ready',
      },
      conditionType: 'nimbus-other/Ready',
    };
    let status: AdapterStatusFields | undefined;
    status = mergeAdapterReport(status, demoReport, at(T1));
    status = mergeAdapterReport(status, otherReport, at(T1));
    const settled = status;
    for (const turn of [demoReport, otherReport, otherReport, demoReport]) {
      status = mergeAdapterReport(status, turn, at(T3));
      expect(status).toStrictEqual(settled);
    }
    expect(status).toMatchObject({
      adapterPolicies: ['ConfigMap/web-demo', 'ConfigMap/web-shared', 'ConfigMap/web-other'],
      numberOfAdapterPolicies: 3,
      enforcement: [{ ruleId: 'dns', adapters: ['demo', 'other'] }],
      policiesByAdapter: [
        { adapter: 'demo', policies: ['ConfigMap/web-demo', 'ConfigMap/web-shared'] },
        { adapter: 'other', policies: ['ConfigMap/web-other'] },
      ],
    });
  });

  describe('duplicates in the report', () => {
    // A ClusterNimbusPolicy builder may create ConfigMap/cm in two namespaces; both are reported as ConfigMap/cm.
    const dup = report({ entries: ['ConfigMap/cm', 'ConfigMap/cm', 'ConfigMap/other'] });

    it('are collapsed', () => {
      const merged = mergeAdapterReport(undefined, dup, at(T1));
      expect(merged.adapterPolicies).toEqual(['ConfigMap/cm', 'ConfigMap/other']);
      expect(merged.numberOfAdapterPolicies).toBe(2);
      // The record is a set in the CRD: the API server would refuse a duplicate.
      expect(merged.policiesByAdapter).toEqual([
        { adapter: 'demo', policies: ['ConfigMap/cm', 'ConfigMap/other'] },
      ]);
    });

    it('do not break idempotence', () => {
      const once = mergeAdapterReport(undefined, dup, at(T1));
      expect(mergeAdapterReport(once, dup, at(T2))).toStrictEqual(once);
    });
  });
});

describe('ownStatusFields', () => {
  const ready = (type: string) => ({
    type,
    status: 'True' as const,
    reason: 'Applied',
    message: '',
    lastTransitionTime: '2026-01-01T00:00:00Z',
  });
  const merged: AdapterStatusFields = {
    adapterPolicies: ['A/a', 'B/b'],
    numberOfAdapterPolicies: 2,
    policiesByAdapter: [
      { adapter: 'one', policies: ['A/a'] },
      { adapter: 'two', policies: ['B/b'] },
    ],
    enforcement: [
      { ruleId: 'r1', adapters: ['one', 'two'] },
      { ruleId: 'r2', adapters: ['two'] },
    ],
    conditions: [ready('Built'), ready('nimbus-one/Ready'), ready('nimbus-two/Ready')],
  };

  it.each<{ name: string; merged: AdapterStatusFields; adapter: string; own: AdapterStatusFields }>([
    {
      name: 'its record, its name under the rules it enforces, its condition and the summary',
      merged,
      adapter: 'one',
      own: {
        adapterPolicies: ['A/a', 'B/b'],
        numberOfAdapterPolicies: 2,
        policiesByAdapter: [{ adapter: 'one', policies: ['A/a'] }],
        enforcement: [{ ruleId: 'r1', adapters: ['one'] }],
        conditions: [ready('nimbus-one/Ready')],
      },
    },
    {
      name: 'an adapter with nothing on the policy applies nothing (what it applied before goes)',
      merged: { conditions: [ready('Built')] },
      adapter: 'three',
      own: {},
    },
    {
      // Another adapter may own the summary list (the last to write it), so the empty list is applied, not left out.
      name: 'once the last entry went: an empty summary and a count of 0, applied',
      merged: { adapterPolicies: [], numberOfAdapterPolicies: 0, conditions: [ready('nimbus-one/Ready')] },
      adapter: 'one',
      own: { adapterPolicies: [], numberOfAdapterPolicies: 0, conditions: [ready('nimbus-one/Ready')] },
    },
  ])('$name', ({ merged: m, adapter, own }) => {
    expect(ownStatusFields(m, adapter, adapterConditionType(adapter))).toEqual(own);
  });

  it('two adapters applying from the same stale status keep each other’s parts (server-side apply)', async () => {
    const client = new FakeClient({ crds: await readCRDs([crdDirectory()]) });
    const ref = { namespace: 'shop', name: 'web' };
    client.seed(RESOURCES.NimbusPolicy, {
      apiVersion: API_VERSION,
      kind: 'NimbusPolicy',
      metadata: ref,
      spec: { rules: [{ id: 'r1', rule: { action: 'Block' } }], selector: {} },
    } as NimbusPolicy);
    const report = (adapter: string, entry: string): AdapterReport => ({
      adapter,
      entries: [entry],
      enforced: ['r1'],
      condition: { type: adapterConditionType(adapter), status: 'True', reason: 'Applied', message: '' },
      conditionType: adapterConditionType(adapter),
    });
    // Both start from the empty status, as two adapters whose caches have not seen each other's write.
    for (const [adapter, entry] of [
      ['one', 'A/a'],
      ['two', 'B/b'],
    ] as const) {
      const own = ownStatusFields(
        mergeAdapterReport(undefined, report(adapter, entry)),
        adapter,
        adapterConditionType(adapter),
      );
      await client.as(`nimbus-${adapter}`).applyStatus(RESOURCES.NimbusPolicy, ref, own);
    }
    const status = (await client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, ref))?.status;
    expect(status?.policiesByAdapter).toEqual([
      { adapter: 'one', policies: ['A/a'] },
      { adapter: 'two', policies: ['B/b'] },
    ]);
    expect(status?.enforcement).toEqual([{ ruleId: 'r1', adapters: ['one', 'two'] }]);
    expect(status?.conditions?.map((c) => c.type)).toEqual(['nimbus-one/Ready', 'nimbus-two/Ready']);
    // The summary is the last writer's view; adapter one's next reconcile (the status change queues it)
    // recomputes it from both records.
    expect(status?.adapterPolicies).toEqual(['B/b']);
    const again = ownStatusFields(
      mergeAdapterReport(status, report('one', 'A/a')),
      'one',
      adapterConditionType('one'),
    );
    await client.as('nimbus-one').applyStatus(RESOURCES.NimbusPolicy, ref, again);
    const repaired = (await client.get<NimbusPolicy>(RESOURCES.NimbusPolicy, ref))?.status;
    expect(repaired?.adapterPolicies).toEqual(['B/b', 'A/a']);
    expect(repaired?.numberOfAdapterPolicies).toBe(2);
  });
});
