import type { ImageScanPolicy } from '@nimbus-ts/scan-api';
import { describe, expect, it } from 'vitest';
import { ScanFailedError, scanErrorPolicy } from '../../src/scanner/scan-error-policy.js';
import {
  excludedStatusFields,
  type ImageResult,
  PENDING_RETRY_MS,
  planScanStatus,
  scanStatusFields,
} from '../../src/scanner/scan-status.js';

// What a scan reconcile reports and does next, as tables: the planner behind reconcileScanPolicy's status write.

const policy = (spec: Partial<ImageScanPolicy['spec']> = {}): ImageScanPolicy =>
  ({
    apiVersion: 'scanning.nimbus-ts.io/v1alpha1',
    kind: 'ImageScanPolicy',
    metadata: { name: 'scan', namespace: 'shop', generation: 5 },
    spec: { selector: { matchLabels: { app: 'web' } }, ...spec },
  }) as ImageScanPolicy;
const counts = (critical: number, high = 0) => ({
  critical,
  high,
  medium: 0,
  low: 0,
  negligible: 0,
  unknown: 0,
});
const scanned = (critical: number): ImageResult => ({ kind: 'scanned', summary: counts(critical) });

describe('planScanStatus', () => {
  it.each<[string, ImageResult[], string, number, number, string[]]>([
    ['no images: Scanned, nothing counted', [], 'True/Scanned', 0, 6 * 3600_000, []],
    ['every image scanned: the counts add up', [scanned(1), scanned(2)], 'True/Scanned', 3, 6 * 3600_000, []],
    [
      'Clair has no data yet for one: WaitingForVulnerabilityData, soon again, its last report still counted',
      [scanned(1), { kind: 'pending', last: counts(4) }],
      'False/WaitingForVulnerabilityData',
      5,
      PENDING_RETRY_MS,
      [],
    ],
    [
      'a failed image: ScanFailed naming it, its last report still counted',
      [scanned(1), { kind: 'failed', text: 'r/a@sha256:1: Clair is down', last: counts(2) }],
      'False/ScanFailed',
      3,
      6 * 3600_000,
      ['r/a@sha256:1: Clair is down'],
    ],
    [
      'a failure outranks pending data; a never-scanned image counts nothing',
      [
        { kind: 'pending', last: undefined },
        { kind: 'failed', text: 'x: refused', last: undefined },
      ],
      'False/ScanFailed',
      0,
      PENDING_RETRY_MS,
      ['x: refused'],
    ],
  ])('%s', (_name, results, ready, critical, requeue, failed) => {
    const plan = planScanStatus({ policy: policy(), results, skipped: [], notifyProblems: [] });
    const [condition] = plan.conditions;
    expect(`${condition?.status}/${condition?.reason}`).toBe(ready);
    expect(condition?.observedGeneration).toBe(5);
    expect(plan.summary.critical).toBe(critical);
    expect(plan.images).toBe(results.length);
    expect(plan.requeueAfterMs).toBe(requeue);
    expect(plan.failed).toEqual(failed);
  });

  it('names at most three failed images, and how many failed of how many', () => {
    const failed: ImageResult[] = ['a', 'b', 'c', 'd'].map((i) => ({
      kind: 'failed',
      text: `${i}: down`,
      last: undefined,
    }));
    const plan = planScanStatus({ policy: policy(), results: failed, skipped: [], notifyProblems: [] });
    expect(plan.conditions[0]?.message).toBe(
      '4 of 4 images could not be scanned: a: down; b: down; c: down; …',
    );
  });

  it('says which containers were skipped, and follows rescanInterval', () => {
    const plan = planScanStatus({
      policy: policy({ rescanInterval: '30m' }),
      results: [scanned(0)],
      skipped: [{ reason: 'no image digest yet' }, { reason: 'other' }],
      notifyProblems: [],
    });
    expect(plan.conditions[0]?.message).toBe('1 images scanned; 2 containers skipped (no image digest yet)');
    expect(plan.requeueAfterMs).toBe(30 * 60_000);
  });

  it.each<[string, string[], string]>([
    ['notifications go out', [], 'True/Notifying'],
    ['a notification failed', ['Slack webhook shop/slack: 404'], 'False/NotificationFailed'],
  ])('a policy with notify: %s', (_name, problems, notifying) => {
    const slack = { webhookSecretRef: { name: 'slack', key: 'url' } };
    const plan = planScanStatus({
      policy: policy({ notify: { slack } } as Partial<ImageScanPolicy['spec']>),
      results: [],
      skipped: [],
      notifyProblems: problems,
    });
    expect(plan.conditions.map((c) => `${c.status}/${c.reason}`)).toEqual(['True/Scanned', notifying]);
  });

  it('the status fields keep other conditions and set observedGeneration', () => {
    const plan = planScanStatus({ policy: policy(), results: [scanned(1)], skipped: [], notifyProblems: [] });
    const other = {
      type: 'Other',
      status: 'True',
      reason: 'X',
      message: '',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    };
    const fields = scanStatusFields(policy(), plan, { conditions: [other] } as never);
    expect(fields).toMatchObject({ observedGeneration: 5, images: 1, summary: counts(1) });
    expect(fields.conditions?.map((c) => c.type)).toEqual(['Other', 'Ready']);
    expect(excludedStatusFields(policy(), 'kube-system is excluded', undefined)).toMatchObject({
      images: 0,
      conditions: [
        { type: 'Ready', status: 'False', reason: 'NamespaceExcluded', message: 'kube-system is excluded' },
      ],
    });
  });
});

describe('scanErrorPolicy', () => {
  it.each<[string, unknown, number, ReturnType<ReturnType<typeof scanErrorPolicy>>]>([
    [
      'a failed scan waits initialMs first',
      new ScanFailedError('shop/scan', ['x']),
      1,
      { kind: 'requeueAfter', ms: 100 },
    ],
    [
      'then doubles per consecutive failure',
      new ScanFailedError('shop/scan', ['x']),
      3,
      { kind: 'requeueAfter', ms: 400 },
    ],
    ['up to maxMs', new ScanFailedError('shop/scan', ['x']), 10, { kind: 'requeueAfter', ms: 1000 }],
    ['anything else: the controller backoff', new Error('conflict'), 2, { kind: 'retry' }],
  ])('%s', (_name, error, attempt, outcome) => {
    expect(scanErrorPolicy({ initialMs: 100, maxMs: 1000 })({}, error, undefined, attempt)).toEqual(outcome);
  });
});
