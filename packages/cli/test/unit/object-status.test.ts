import { describe, expect, it } from 'vitest';
import { objectStatus } from '../../src/status/object-status.js';

describe('objectStatus (what nimbus status shows next to an engine object)', () => {
  const ready = (status: string, observedGeneration = 1) => ({
    type: 'Ready',
    status,
    reason: status === 'True' ? 'Scanned' : 'ScanFailed',
    message: status === 'True' ? '3 images scanned' : 'cannot reach Clair',
    lastTransitionTime: '2026-11-26T00:00:00Z',
    observedGeneration,
  });

  it.each([
    ['an object without status', {}, {}],
    ['a KubeArmorPolicy (no conditions, no summary)', { status: { PolicyStatus: 'OK' } }, {}],
    [
      'a scanned ImageScanPolicy',
      {
        metadata: { generation: 1 },
        status: {
          images: 3,
          summary: { critical: 2, high: 1, medium: 0, low: 4, negligible: 0, unknown: 0 },
          conditions: [ready('True')],
        },
      },
      {
        ready: {
          type: 'Ready',
          status: 'True',
          reason: 'Scanned',
          message: '3 images scanned',
          stale: false,
        },
        summary: '3 images: 2 critical, 1 high, 4 low',
      },
    ],
    [
      'a clean image',
      {
        status: {
          images: 1,
          summary: { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 },
        },
      },
      { summary: '1 image: no vulnerabilities' },
    ],
    [
      'a failed scan of an older generation',
      { metadata: { generation: 2 }, status: { conditions: [ready('False', 1)] } },
      {
        ready: {
          type: 'Ready',
          status: 'False',
          reason: 'ScanFailed',
          message: 'cannot reach Clair',
          stale: true,
        },
      },
    ],
    ['a summary that is not counts', { status: { summary: 'fine' } }, {}],
  ])('%s', (_label, live, expected) => {
    expect(objectStatus(live)).toEqual(expected);
  });
});
