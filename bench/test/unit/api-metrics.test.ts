import { describe, expect, it } from 'vitest';
import { describeWrites, parseRequestCounts, requestsBetween, sumWrites } from '../../src/api-metrics.ts';

const line = (labels: Record<string, string>, count: number) =>
  `apiserver_request_total{${Object.entries({
    component: 'apiserver',
    dry_run: '',
    scope: 'resource',
    version: 'v1',
    ...labels,
  })
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}} ${count}`;
const NP = { group: 'intent.security.nimbus.com', resource: 'nimbuspolicies' };

const POST_NP = { ...NP, subresource: '', verb: 'POST', code: '201' };
const PATCH_NP = { ...NP, subresource: 'status', verb: 'PATCH', code: '200' };
const CONFLICT_NP = { ...NP, subresource: 'status', verb: 'PATCH', code: '409' };
const LIST_NP = { ...NP, subresource: '', verb: 'LIST', code: '200' };
const EVENT = { group: '', resource: 'events', subresource: '', verb: 'POST', code: '201' };
const LEASE = { group: 'coordination.k8s.io', resource: 'leases', subresource: '', verb: 'PUT', code: '200' };
/** A /metrics text with these request counts, between other lines a reader must skip. */
const exposition = (counts: readonly (readonly [Record<string, string>, number])[]) =>
  [
    '# HELP apiserver_request_total [STABLE] Counter of apiserver requests',
    '# TYPE apiserver_request_total counter',
    ...counts.map(([labels, count]) => line(labels, count)),
    'apiserver_request_duration_seconds_bucket{group="",le="0.1",resource="pods",verb="GET"} 99',
  ].join('\n');
const before = exposition([
  [POST_NP, 10],
  [PATCH_NP, 10],
  [CONFLICT_NP, 1],
  [LIST_NP, 4],
  [EVENT, 3],
  [LEASE, 50],
]);
// A series that first appears later (PATCH 200 on the binding's status) counts from zero.
const after = exposition([
  [POST_NP, 30],
  [PATCH_NP, 10],
  [CONFLICT_NP, 6],
  [LIST_NP, 9],
  [EVENT, 23],
  [LEASE, 52],
  [{ ...PATCH_NP, resource: 'securityintentbindings' }, 7],
]);

describe('parseRequestCounts', () => {
  it('reads every apiserver_request_total series with its labels, and nothing else', () => {
    const counts = parseRequestCounts(before);
    expect(counts).toHaveLength(6);
    expect(counts[2]).toEqual({ ...NP, subresource: 'status', verb: 'PATCH', code: '409', count: 1 });
  });
});

describe('requestsBetween and sumWrites', () => {
  const during = requestsBetween(parseRequestCounts(before), parseRequestCounts(after));
  it('keeps only the series that moved, by how much', () => {
    expect(during.map((c) => [c.resource, c.subresource, c.code, c.count])).toEqual([
      ['nimbuspolicies', '', '201', 20],
      ['nimbuspolicies', 'status', '409', 5],
      ['nimbuspolicies', '', '200', 5],
      ['events', '', '201', 20],
      ['leases', '', '200', 2],
      ['securityintentbindings', 'status', '200', 7],
    ]);
  });
  it.each([
    { what: 'every write', filter: {}, want: 54 },
    { what: 'the Nimbus group, refused writes included', filter: { groups: [NP.group] }, want: 32 },
    { what: '409s', filter: { groups: [NP.group], code: '409' }, want: 5 },
    { what: 'Events', filter: { groups: ['', 'events.k8s.io'], resources: ['events'] }, want: 20 },
    { what: 'all but Leases', filter: { excludeResources: ['leases'] }, want: 52 },
  ])('counts $what', ({ filter, want }) => {
    expect(sumWrites(during, filter)).toBe(want);
  });
  it('never counts reads', () => {
    const reads = parseRequestCounts(line(LIST_NP, 9));
    expect(sumWrites(reads)).toBe(0);
  });
  it('describes the writes, most first', () => {
    expect(describeWrites(during)).toEqual([
      'nimbuspolicies POST 201: 20',
      'events POST 201: 20',
      'securityintentbindings/status PATCH 200: 7',
      'nimbuspolicies/status PATCH 409: 5',
      'leases PUT 200: 2',
    ]);
  });
});
