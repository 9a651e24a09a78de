import { parseDuration } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['250ms', 250],
    ['1500', 1500],
    ['5 minutes', undefined],
    ['-1s', undefined],
  ])('%s → %s', (text, ms) => expect(parseDuration(text)).toBe(ms));
});

describe('parseConfig', () => {
  it('has defaults fit for a Deployment', () => {
    expect(parseConfig([], { POD_NAME: 'op-1' })).toEqual({
      kubeconfig: undefined,
      context: undefined,
      leaderElect: true,
      leaseNamespace: 'nimbus-system',
      leaseName: 'nimbus-core-operator',
      // The pod name plus a random suffix, so two replicas never share an identity.
      identity: expect.stringMatching(/^op-1_[0-9a-f]{10}$/),
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      // Shared by every component; only adapters hold an announcement-only Lease.
      announcement: { leaseDurationMs: 60_000, renewDeadlineMs: 40_000, retryPeriodMs: 20_000 },
      metricsPort: 8080,
      probePort: 8081,
      logLevel: 'info',
      resyncMs: 300_000,
      concurrency: 4,
    });
  });

  it('prefers flags over environment variables', () => {
    const config = parseConfig(['--leader-elect=false', '--probe-port=9000', '--resync', '90s'], {
      LEADER_ELECT: 'true',
      PROBE_PORT: '7000',
      POD_NAMESPACE: 'ops',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      leaderElect: false,
      probePort: 9000,
      resyncMs: 90_000,
      leaseNamespace: 'ops',
      logLevel: 'debug',
    });
  });

  it('takes --kubeconfig and --context, and leaves $KUBECONFIG (a list of files) to the loader', () => {
    expect(
      parseConfig(['--kubeconfig=/k/config', '--context', 'prod'], { KUBECONFIG: '/a:/b' }),
    ).toMatchObject({
      kubeconfig: '/k/config',
      context: 'prod',
    });
    expect(parseConfig([], { KUBECONFIG: '/a:/b' })).toMatchObject({
      kubeconfig: undefined,
      context: undefined,
    });
  });

  it.each([
    [['--probe-port=99999'], /--probe-port must be an integer from 0 to 65535, got "99999"/],
    [['--leader-elect=maybe'], /--leader-elect must be true or false/],
    [['--resync=soon'], /--resync must be a duration/],
    [['--log-level=loud'], /--log-level must be error, warn, info or debug/],
    [['--concurrency=0'], /--concurrency must be an integer from 1 to 64/],
    [['--no-such-flag'], /Unknown option '--no-such-flag'/],
  ])('rejects %j with a message naming the flag', (argv, message) => {
    expect(() => parseConfig(argv, {})).toThrow(message);
  });
});
