import type { StatusReport } from '@nimbus-ts/cli';
import { describe, expect, it } from 'vitest';
import { convergence } from '../../src/convergence.js';
import { type DemoPod, runningStatus } from '../../src/kubelet.js';
import { logHas } from '../../src/processes.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const LOCAL = '127.0.0.1:5000/demo/shop:1.0';
const DIGEST = '127.0.0.1:5000/demo/shop@sha256:aaaa';
const known = (image: string) => (image === LOCAL ? DIGEST : undefined);

describe('runningStatus (the stand-in kubelet)', () => {
  const pod = (images: string[], init: string[] = [], statuses?: unknown[]): DemoPod => ({
    metadata: { name: 'p', namespace: 'demo' },
    spec: {
      containers: images.map((image, i) => ({ name: `c${i}`, image })),
      ...(init.length > 0 ? { initContainers: init.map((image, i) => ({ name: `i${i}`, image })) } : {}),
    },
    ...(statuses ? { status: { containerStatuses: statuses } } : {}),
  });

  it('reports a pod running the demo’s image as Running with the digest it was pulled by', () => {
    expect(runningStatus(pod([LOCAL]), known, NOW)).toEqual({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'c0',
          image: LOCAL,
          imageID: DIGEST,
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: NOW.toISOString() } },
        },
      ],
    });
  });

  it('reports init containers as completed', () => {
    const status = runningStatus(pod([LOCAL], [LOCAL]), known, NOW) as {
      initContainerStatuses: { imageID: string; state: unknown }[];
    };
    expect(status.initContainerStatuses).toHaveLength(1);
    expect(status.initContainerStatuses[0]).toMatchObject({
      imageID: DIGEST,
      state: { terminated: { exitCode: 0, reason: 'Completed' } },
    });
  });

  it.each([
    ['an image from elsewhere (no Internet, no node to pull it)', pod(['nginx:1.27.3'])],
    ['one container of several from elsewhere', pod([LOCAL, 'nginx:1.27.3'])],
    ['an init container from elsewhere', pod([LOCAL], ['busybox:1.36'])],
    ['a pod that already has container statuses', pod([LOCAL], [], [{ name: 'c0' }])],
    ['a pod without containers', pod([])],
  ])('leaves alone %s', (_label, p) => {
    expect(runningStatus(p, known, NOW)).toBeUndefined();
  });
});

describe('convergence', () => {
  const condition = (type: string, stale = false) => ({
    type,
    status: 'True' as const,
    reason: 'R',
    message: '',
    stale,
  });
  const report = (policy: Record<string, unknown>, extra: Record<string, unknown> = {}): StatusReport =>
    ({
      healthy: true,
      bindings: [
        {
          kind: 'SecurityIntentBinding',
          namespace: 'demo',
          name: 'web',
          conditions: [],
          intents: [],
          problems: [],
          healthy: true,
          policies: [
            {
              kind: 'NimbusPolicy',
              namespace: 'demo',
              name: 'web',
              found: true,
              conditions: [condition('Enforced')],
              rules: [
                { id: 'dnsManipulation', adapters: ['kubearmor'] },
                { id: 'cocoWorkload', adapters: [] },
              ],
              adapters: [
                {
                  name: 'kubearmor',
                  objects: [
                    { entry: 'KubeArmorPolicy/a', kind: 'KubeArmorPolicy', name: 'a', state: 'present' },
                  ],
                  problems: [],
                },
              ],
              problems: [],
              ...policy,
            },
          ],
          ...extra,
        },
      ],
    }) as unknown as StatusReport;

  it('is settled when every policy has a current Enforced condition and every object exists', () => {
    expect(convergence(report({}))).toEqual({
      settled: true,
      line: '1 bindings → 1 policies → 1 engine objects (no adapter here for cocoWorkload)',
    });
  });

  it.each([
    ['the policy is not there yet', { found: false }],
    ['the operator has not judged enforcement', { conditions: [] }],
    ['the Enforced condition is for an older generation', { conditions: [condition('Enforced', true)] }],
    [
      'a listed engine object is missing',
      {
        adapters: [
          {
            name: 'kubearmor',
            objects: [{ entry: 'KubeArmorPolicy/a', kind: 'KubeArmorPolicy', name: 'a', state: 'missing' }],
            problems: [],
          },
        ],
      },
    ],
  ])('is not settled when %s', (_label, policy) => {
    expect(convergence(report(policy)).settled).toBe(false);
  });

  it('is not settled while a binding has no policy, nor with no bindings at all', () => {
    expect(convergence(report({}, { policies: [] })).settled).toBe(false);
    expect(convergence({ healthy: true, bindings: [] } as unknown as StatusReport).settled).toBe(false);
  });
});

describe('logHas', () => {
  it('finds a JSON log line by its message, not by a substring of another field', () => {
    const log = [
      '{"level":"info","message":"controllers started","component":"x"}',
      'not json: controllers started',
      '{"level":"info","message":"waiting","detail":"controllers started soon"}',
    ].join('\n');
    expect(logHas(log, 'controllers started')).toBe(true);
    expect(logHas(log.split('\n').slice(1).join('\n'), 'controllers started')).toBe(false);
  });
});
