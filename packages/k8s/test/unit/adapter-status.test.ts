import { describe, expect, it } from 'vitest';
import {
  type AdapterReport,
  type AdapterStatusFields,
  adapterConditionType,
  type ConditionInput,
  mergeAdapterReport,
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

/** The `demo` adapter owns ConfigMaps and ClusterRoles; `other` owns KubeArmorPolicies. */
function report(overrides: Partial<AdapterReport> = {}): AdapterReport {
  return {
    adapter: 'demo',
    kinds: ['ConfigMap', 'ClusterRole'],
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
    expected: { adapterPolicies: [], numberOfAdapterPolicies: undefined, enforcement: [], conditions: [] },
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
      conditions: [],
    },
  },
  {
    name: 'own stale entries removed, of every own kind',
    status: {
      adapterPolicies: ['ConfigMap/old', 'KubeArmorPolicy/x', 'ClusterRole/old', 'ConfigMap/a'],
      numberOfAdapterPolicies: 4,
    },
    report: report({ entries: ['ConfigMap/a'] }),
    expected: {
      adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a'],
      numberOfAdapterPolicies: 2,
      enforcement: [],
      conditions: [],
    },
  },
  {
    name: 'every own entry removed, leaving a count of 0',
    status: { adapterPolicies: ['ConfigMap/a'], numberOfAdapterPolicies: 1 },
    report: report(),
    expected: { adapterPolicies: [], numberOfAdapterPolicies: 0, enforcement: [], conditions: [] },
  },
  {
    name: 'a count of 0 once written stays 0',
    status: { adapterPolicies: [], numberOfAdapterPolicies: 0 },
    report: report(),
    expected: { adapterPolicies: [], numberOfAdapterPolicies: 0, enforcement: [], conditions: [] },
  },
  {
    name: 'a drifted count repaired to the length',
    status: { adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a'], numberOfAdapterPolicies: 7 },
    report: report({ entries: ['ConfigMap/a'] }),
    expected: {
      adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a'],
      numberOfAdapterPolicies: 2,
      enforcement: [],
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
      conditions: [],
    },
  },
  {
    name: 'a kind that only starts like an own kind treated as foreign',
    status: { adapterPolicies: ['ConfigMapX/a', 'Config/b', 'ConfigMap'], numberOfAdapterPolicies: 3 },
    report: report(),
    expected: {
      adapterPolicies: ['ConfigMapX/a', 'Config/b'],
      numberOfAdapterPolicies: 2,
      enforcement: [],
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
      conditions: [otherCondition],
    },
  },
  {
    name: 'everything of another adapter untouched while this one withdraws',
    status: {
      adapterPolicies: ['KubeArmorPolicy/x', 'ConfigMap/a'],
      numberOfAdapterPolicies: 2,
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
      conditions: [otherCondition],
    },
  },
];

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
      kinds: ['KubeArmorPolicy'],
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
      conditions: [
        { ...ready(), lastTransitionTime: T1 },
        { ...ready(), type: 'nimbus-other/Ready', lastTransitionTime: T2 },
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
    });

    it('do not break idempotence', () => {
      const once = mergeAdapterReport(undefined, dup, at(T1));
      expect(mergeAdapterReport(once, dup, at(T2))).toStrictEqual(once);
    });
  });
});
