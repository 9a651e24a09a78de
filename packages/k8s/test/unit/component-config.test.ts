import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import {
  ANNOUNCEMENT_TIMING,
  defaultIdentity,
  parseComponentConfig,
} from '../../src/process/component-config.js';

const DEFAULTS = { program: 'nimbus-test', leaseName: 'nimbus-test', resync: '5m' };
const parse = (argv: readonly string[], env: Record<string, string | undefined> = {}) =>
  parseComponentConfig(DEFAULTS, argv, env);

describe('the replica identity', () => {
  it.each([
    {
      case: 'POD_NAME, with a random suffix',
      env: { POD_NAME: 'nimbus-core-operator-7d9f-abcde' },
      prefix: 'nimbus-core-operator-7d9f-abcde_',
    },
    { case: 'the host name without POD_NAME', env: {}, prefix: `${hostname()}_` },
    { case: 'the host name when POD_NAME is empty', env: { POD_NAME: '' }, prefix: `${hostname()}_` },
  ])('defaults to $case', ({ env, prefix }) => {
    const identity = parse([], env).identity;
    expect(identity.startsWith(prefix)).toBe(true);
    expect(identity.slice(prefix.length)).toMatch(/^[0-9a-f]{10}$/);
  });

  it('differs between two processes of one pod or host (two replicas sharing one would both lead)', () => {
    const env = { POD_NAME: 'same-pod' };
    expect(defaultIdentity(env)).not.toBe(defaultIdentity(env));
    expect(parse([], {}).identity).not.toBe(parse([], {}).identity);
  });

  it('is --identity exactly when given', () => {
    expect(parse(['--identity=replica-a'], { POD_NAME: 'pod' }).identity).toBe('replica-a');
  });
});

describe('leader-election timing', () => {
  it('defaults to controller-runtime’s 15 s lease, 10 s renew deadline and 2 s retry period', () => {
    expect(parse([])).toMatchObject({
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
  });

  it('reads the three flags', () => {
    expect(
      parse([
        '--leader-elect-lease-duration=30s',
        '--leader-elect-renew-deadline=20s',
        '--leader-elect-retry-period=5s',
      ]),
    ).toMatchObject({ leaseDurationMs: 30_000, renewDeadlineMs: 20_000, retryPeriodMs: 5_000 });
  });

  it.each([
    {
      flags: ['--leader-elect-renew-deadline=15s'],
      error:
        /--leader-elect-renew-deadline \(15000 ms\) must be shorter than --leader-elect-lease-duration \(15000 ms\)/,
    },
    {
      flags: ['--leader-elect-retry-period=9s'],
      error:
        /--leader-elect-retry-period \(9000 ms\) must be well under --leader-elect-renew-deadline \(10000 ms\)/,
    },
    {
      flags: ['--leader-elect-lease-duration=soon'],
      error: /--leader-elect-lease-duration must be a duration/,
    },
    {
      flags: ['--leader-elect-retry-period=50ms'],
      error: /--leader-elect-retry-period must be a duration of at least 100ms/,
    },
  ])('rejects $flags, naming the flag and the rule', ({ flags, error }) => {
    expect(() => parse(flags)).toThrow(error);
  });
});

describe('announcement-Lease timing (leader election off)', () => {
  // Issue 18: the announcement Lease is renewed no more often than leader election needs — every 20 s, not 2 s.
  it('defaults to a 60 s Lease, renewed every 20 s and given up on after 40 s (ANNOUNCEMENT_TIMING)', () => {
    expect(ANNOUNCEMENT_TIMING).toEqual({
      leaseDurationMs: 60_000,
      renewDeadlineMs: 40_000,
      retryPeriodMs: 20_000,
    });
    expect(parse([]).announcement).toEqual(ANNOUNCEMENT_TIMING);
  });

  it('reads the three flags, else their environment variables', () => {
    expect(
      parse([
        '--announcement-lease-duration=6s',
        '--announcement-renew-deadline=4s',
        '--announcement-retry-period=2s',
      ]).announcement,
    ).toEqual({ leaseDurationMs: 6_000, renewDeadlineMs: 4_000, retryPeriodMs: 2_000 });
    expect(
      parse([], {
        ANNOUNCEMENT_LEASE_DURATION: '3m',
        ANNOUNCEMENT_RENEW_DEADLINE: '2m',
        ANNOUNCEMENT_RETRY_PERIOD: '1m',
      }).announcement,
    ).toEqual({ leaseDurationMs: 180_000, renewDeadlineMs: 120_000, retryPeriodMs: 60_000 });
  });

  it('leaves leader election’s timing alone', () => {
    expect(parse(['--announcement-retry-period=2s', '--announcement-renew-deadline=4s'])).toMatchObject({
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
  });

  it.each([
    {
      flags: ['--announcement-renew-deadline=60s'],
      error:
        /--announcement-renew-deadline \(60000 ms\) must be shorter than --announcement-lease-duration \(60000 ms\), or the announcement could lapse/,
    },
    {
      flags: ['--announcement-retry-period=35s'],
      error:
        /--announcement-retry-period \(35000 ms\) must be well under --announcement-renew-deadline \(40000 ms\)/,
    },
    {
      flags: ['--announcement-retry-period=50ms'],
      error: /--announcement-retry-period must be a duration of at least 100ms/,
    },
  ])('rejects $flags, naming the flag and the rule', ({ flags, error }) => {
    expect(() => parse(flags)).toThrow(error);
  });
});
