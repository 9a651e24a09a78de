import type { SeverityThreshold } from '@nimbus-ts/scan-api';
import { describe, expect, it } from 'vitest';
import {
  decodeLedger,
  emptyLedger,
  encodeLedger,
  type NotifiableFinding,
  type NotifiedLedger,
  newlyNotifiable,
  notifiedAnnotation,
  notifiedAnnotations,
  record,
} from '../../src/index.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;

function finding(id: string, severity: NotifiableFinding['severity'], pkg = 'openssl', fixed = '3.0.8') {
  return {
    id,
    severity,
    package: pkg,
    installedVersion: '3.0.2',
    fixedVersion: fixed,
  } satisfies NotifiableFinding;
}

const ledger = (...ids: string[]): NotifiedLedger => ({ digest: DIGEST, ids });

describe('newlyNotifiable', () => {
  const findings = [
    finding('CVE-1', 'Critical'),
    finding('CVE-2', 'High'),
    finding('CVE-3', 'Medium'),
    finding('CVE-4', 'Low'),
    finding('CVE-5', 'Negligible'),
    finding('ALPINE-1', 'Unknown', 'musl'),
  ];

  const cases: {
    name: string;
    notified: NotifiedLedger;
    threshold: SeverityThreshold;
    kind: 'threshold-crossed' | 'new-findings';
    ids: string[];
  }[] = [
    {
      name: 'first message: everything at or above High, plus Unknown',
      notified: emptyLedger(DIGEST),
      threshold: 'High',
      kind: 'threshold-crossed',
      ids: ['CVE-1', 'CVE-2', 'ALPINE-1'],
    },
    {
      name: 'Low takes every rated finding but Negligible',
      notified: emptyLedger(DIGEST),
      threshold: 'Low',
      kind: 'threshold-crossed',
      ids: ['CVE-1', 'CVE-2', 'CVE-3', 'CVE-4', 'ALPINE-1'],
    },
    {
      name: 'after a message only what was not notified',
      notified: ledger('ALPINE-1', 'CVE-1'),
      threshold: 'High',
      kind: 'new-findings',
      ids: ['CVE-2'],
    },
    {
      name: 'nothing new',
      notified: ledger('ALPINE-1', 'CVE-1', 'CVE-2'),
      threshold: 'High',
      kind: 'new-findings',
      ids: [],
    },
    {
      name: 'a lowered threshold makes findings never notified notifiable',
      notified: ledger('ALPINE-1', 'CVE-1', 'CVE-2'),
      threshold: 'Medium',
      kind: 'new-findings',
      ids: ['CVE-3'],
    },
    {
      name: 'Critical only',
      notified: emptyLedger(DIGEST),
      threshold: 'Critical',
      kind: 'threshold-crossed',
      ids: ['CVE-1', 'ALPINE-1'],
    },
  ];

  it.each(cases)('$name', ({ notified, threshold, kind, ids }) => {
    const result = newlyNotifiable(notified, findings, threshold);
    expect(result.kind).toBe(kind);
    expect(result.findings.map((f) => f.id)).toEqual(ids);
  });

  it('sorts most severe first, fixable before unfixable, then by ID and package', () => {
    const shuffled = [
      finding('CVE-9', 'High', 'b', ''),
      finding('CVE-8', 'High', 'z'),
      finding('CVE-8', 'High', 'a'),
      finding('CVE-7', 'Critical', 'x', ''),
    ];
    const sorted = newlyNotifiable(emptyLedger(DIGEST), shuffled, 'Low').findings;
    expect(sorted.map((f) => `${f.id}/${f.package}`)).toEqual(['CVE-7/x', 'CVE-8/a', 'CVE-8/z', 'CVE-9/b']);
  });

  it('stays quiet about a notified vulnerability that now affects another package too', () => {
    const result = newlyNotifiable(ledger('CVE-1'), [finding('CVE-1', 'Critical', 'libssl3')], 'Low');
    expect(result.findings).toEqual([]);
  });
});

describe('record', () => {
  it('adds the sent IDs, sorted and unique', () => {
    const next = record(ledger('CVE-2'), [
      finding('CVE-3', 'High'),
      finding('CVE-1', 'High'),
      finding('CVE-2', 'Low'),
    ]);
    expect(next).toEqual(ledger('CVE-1', 'CVE-2', 'CVE-3'));
  });

  it('does not change the ledger it was given', () => {
    const before = ledger('CVE-1');
    record(before, [finding('CVE-2', 'High')]);
    expect(before).toEqual(ledger('CVE-1'));
  });

  it('forgets IDs no longer found first when the encoding would exceed the cap', () => {
    const many = Array.from({ length: 50 }, (_, i) => `CVE-2024-${String(i).padStart(5, '0')}`);
    const current = [finding('CVE-2024-00049', 'High'), finding('NEW-1', 'High')];
    const maxLength = encodeLedger(ledger(...many.slice(0, 10))).length;
    const next = record(ledger(...many), [finding('NEW-1', 'High')], { currentFindings: current, maxLength });
    expect(next.ids).toEqual(['CVE-2024-00049', 'NEW-1']);
  });

  it('drops the alphabetically last IDs when even the current ones do not fit', () => {
    const ids = ['A-1', 'B-2', 'C-3', 'D-4'];
    const maxLength = encodeLedger(ledger('A-1', 'B-2')).length;
    const next = record(
      emptyLedger(DIGEST),
      ids.map((id) => finding(id, 'High')),
      { maxLength },
    );
    expect(next.ids).toEqual(['A-1', 'B-2']);
    expect(encodeLedger(next).length).toBeLessThanOrEqual(maxLength);
  });
});

describe('encodeLedger and decodeLedger', () => {
  it('round-trips, including IDs with spaces, commas and quotes', () => {
    const value = ledger('CVE-2024-1', 'GHSA-xxxx', 'RHSA-2024:1234: openssl, "important"');
    const decoded = decodeLedger(encodeLedger(value), DIGEST);
    expect(decoded).toEqual({ ledger: value });
  });

  it('is compact JSON with the IDs sorted', () => {
    const encoded = encodeLedger(
      record(emptyLedger(DIGEST), [finding('CVE-2', 'High'), finding('CVE-1', 'High')]),
    );
    expect(encoded).toBe(`{"digest":"${DIGEST}","ids":["CVE-1","CVE-2"]}`);
  });

  const broken: { name: string; value: string | undefined; problem: RegExp | undefined; ids: string[] }[] = [
    { name: 'absent', value: undefined, problem: undefined, ids: [] },
    { name: 'empty', value: '', problem: undefined, ids: [] },
    { name: 'not JSON', value: 'CVE-1,CVE-2', problem: /not JSON/, ids: [] },
    { name: 'a JSON array', value: '["CVE-1"]', problem: /not an object/, ids: [] },
    { name: 'null', value: 'null', problem: /not an object/, ids: [] },
    {
      name: 'another digest',
      value: JSON.stringify({ digest: OTHER, ids: ['CVE-1'] }),
      problem: /belongs to sha256:b+/,
      ids: [],
    },
    { name: 'no IDs', value: JSON.stringify({ digest: DIGEST }), problem: /no list/, ids: [] },
    {
      name: 'IDs of the wrong type, empty or repeated',
      value: JSON.stringify({ digest: DIGEST, ids: ['CVE-2', 7, '', 'CVE-2', 'CVE-1'] }),
      problem: /invalid or repeated/,
      ids: ['CVE-1', 'CVE-2'],
    },
  ];

  it.each(broken)('never throws on a stored value that is $name', ({ value, problem, ids }) => {
    const decoded = decodeLedger(value, DIGEST);
    expect(decoded.ledger).toEqual(ledger(...ids));
    if (problem) expect(decoded.problem).toMatch(problem);
    else expect(decoded.problem).toBeUndefined();
  });

  it('survives an adapter restart: a ledger written, read back and extended notifies each finding once', () => {
    const findings = [finding('CVE-1', 'Critical'), finding('CVE-2', 'High')];
    const first = newlyNotifiable(decodeLedger(undefined, DIGEST).ledger, findings, 'High');
    const stored = encodeLedger(record(emptyLedger(DIGEST), first.findings));
    // The process restarts; only the annotation value is left.
    const again = newlyNotifiable(
      decodeLedger(stored, DIGEST).ledger,
      [...findings, finding('CVE-3', 'High')],
      'High',
    );
    expect(first.findings.map((f) => f.id)).toEqual(['CVE-1', 'CVE-2']);
    expect(again).toEqual({ kind: 'new-findings', findings: [finding('CVE-3', 'High')] });
  });
});

describe('notifiedAnnotation', () => {
  it('names one valid annotation per Slack destination, the same every time', () => {
    const a = notifiedAnnotation({ name: 'slack', key: 'url' });
    expect(a).toBe(notifiedAnnotation({ name: 'slack', key: 'url' }));
    expect(a).toMatch(/^scanning\.nimbus-ts\.io\/notified-[0-9a-f]{16}$/);
    expect(notifiedAnnotation({ name: 'slack', key: 'webhook' })).not.toBe(a);
    expect(notifiedAnnotation({ name: 'slack-security', key: 'url' })).not.toBe(a);
    // A Secret name of the longest kind still gives a name within the 63 characters annotations allow.
    const long = notifiedAnnotation({ name: 'x'.repeat(253), key: 'url' });
    expect(long.split('/')[1]?.length).toBeLessThanOrEqual(63);
  });

  it('picks the ledgers out of a report’s annotations', () => {
    expect(
      notifiedAnnotations({
        'scanning.nimbus-ts.io/notified-0123456789abcdef': 'a',
        'scanning.nimbus-ts.io/notified-fedcba9876543210': 'b',
        'scanning.nimbus-ts.io/notified': 'legacy',
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
      }),
    ).toEqual({
      'scanning.nimbus-ts.io/notified-0123456789abcdef': 'a',
      'scanning.nimbus-ts.io/notified-fedcba9876543210': 'b',
    });
    expect(notifiedAnnotations(undefined)).toEqual({});
  });
});
