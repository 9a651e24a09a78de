import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';

/** How a nimbus-ts process (the core operator, an adapter) runs; every field has a flag and an environment fallback. */
export interface ComponentConfig {
  /**
   * `--kubeconfig`: one kubeconfig file, read alone. Unset: every file of `$KUBECONFIG` merged, else the
   * in-cluster service account, else `~/.kube/config` (see `loadClusterConnection`).
   */
  readonly kubeconfig: string | undefined;
  /** `--context`: a kubeconfig context other than the current one. */
  readonly context: string | undefined;
  /** Run only while holding the Lease, so several replicas can run for availability. */
  readonly leaderElect: boolean;
  readonly leaseNamespace: string;
  readonly leaseName: string;
  /**
   * This replica's identity in the Lease: `--identity` as given, else `$POD_NAME` (else the host name) with a
   * random suffix, so two processes never share one — replicas sharing an identity would both lead.
   */
  readonly identity: string;
  /** `--leader-elect-lease-duration`: how long a standby waits after the last renewal before taking the Lease over. */
  readonly leaseDurationMs: number;
  /** `--leader-elect-renew-deadline`: a leader that has not renewed for this long stops leading (and exits). */
  readonly renewDeadlineMs: number;
  /** `--leader-elect-retry-period`: how often the leader renews and a standby tries to take the Lease. */
  readonly retryPeriodMs: number;
  /**
   * `--announcement-*`: the timing of an adapter's announcement-only Lease (with `--leader-elect=false`);
   * default {@link ANNOUNCEMENT_TIMING}.
   */
  readonly announcement: LeaseTiming;
  /** Port of `/metrics`. */
  readonly metricsPort: number;
  /** Port of `/healthz` and `/readyz`. */
  readonly probePort: number;
  readonly logLevel: string;
  readonly resyncMs: number;
  readonly concurrency: number;
}

/** How a Lease is held: its duration, the holder's renew deadline and its retry period, in milliseconds. */
export interface LeaseTiming {
  /** How long the Lease stays valid after its last renewal (`leaseDurationSeconds`, rounded up). */
  readonly leaseDurationMs: number;
  /** A holder that has not renewed for this long stops holding it. */
  readonly renewDeadlineMs: number;
  /** How often the holder renews. */
  readonly retryPeriodMs: number;
}

/**
 * Default timing of an announcement-only Lease (leader election off): it expires 60 s after its last renewal, and
 * is renewed every 20 s — three writes a minute rather than leader election's thirty, as no standby waits on it.
 * Readers (the core operator's adapter directory) take the expiry from the Lease's own `leaseDurationSeconds`, so
 * they follow whatever `--announcement-*` sets.
 */
export const ANNOUNCEMENT_TIMING: LeaseTiming = {
  leaseDurationMs: 60_000,
  renewDeadlineMs: 40_000,
  retryPeriodMs: 20_000,
};

/** What differs between components: the program name and a few defaults. */
export interface ComponentDefaults {
  /** The executable's name in usage text, e.g. `nimbus-core-operator`. */
  readonly program: string;
  /** Name of the Lease (leader election, and for adapters the announcement), e.g. `nimbus-kubearmor`. */
  readonly leaseName: string;
  /** Default `--resync`, e.g. `5m`. */
  readonly resync: string;
}

/** The usage text printed by `--help` and with configuration errors. */
export function componentUsage(defaults: ComponentDefaults): string {
  return `usage: ${defaults.program} [flags]

  --kubeconfig PATH          kubeconfig file (default: the files of $KUBECONFIG merged, else in-cluster, else ~/.kube/config)
  --context NAME             kubeconfig context to use (default: its current-context)
  --leader-elect BOOL        hold a Lease before working (env LEADER_ELECT; default true)
  --lease-namespace NAME     namespace of the Lease (env POD_NAMESPACE; default nimbus-system)
  --lease-name NAME          name of the Lease (default ${defaults.leaseName})
  --identity NAME            this replica's identity, unique among replicas (default $POD_NAME, else the
                             host name, followed by '_' and a random suffix)
  --leader-elect-lease-duration DURATION
                             a standby takes the Lease over this long after its last renewal
                             (env LEADER_ELECT_LEASE_DURATION; default 15s)
  --leader-elect-renew-deadline DURATION
                             a leader that cannot renew for this long stops leading and exits
                             (env LEADER_ELECT_RENEW_DEADLINE; default 10s)
  --leader-elect-retry-period DURATION
                             the leader renews, and a standby tries, this often
                             (env LEADER_ELECT_RETRY_PERIOD; default 2s)
  --announcement-lease-duration DURATION
                             with --leader-elect=false, an adapter's announcement Lease expires this long
                             after its last renewal (env ANNOUNCEMENT_LEASE_DURATION; default 60s)
  --announcement-renew-deadline DURATION
                             with --leader-elect=false, an announcement not renewed for this long is logged
                             and renewed afresh (env ANNOUNCEMENT_RENEW_DEADLINE; default 40s)
  --announcement-retry-period DURATION
                             with --leader-elect=false, the announcement Lease is renewed this often
                             (env ANNOUNCEMENT_RETRY_PERIOD; default 20s)
  --metrics-port N           port of /metrics (env METRICS_PORT; default 8080)
  --probe-port N             port of /healthz and /readyz (env PROBE_PORT; default 8081)
  --log-level LEVEL          error, warn, info or debug (env LOG_LEVEL; default info)
  --resync DURATION          reconcile everything again this often, e.g. 5m, 90s (env RESYNC; default ${defaults.resync})
  --concurrency N            reconciles at once per controller (env CONCURRENCY; default 4)`;
}

/** Parses `30s`, `5m`, `1h` or plain milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return n * unit;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${flag} must be an integer from ${min} to ${max}, got "${text}"`);
  }
  return n;
}

/**
 * A replica identity no other process has: the pod name (from the downward API; else the host name) with a
 * random suffix, as controller-runtime does. The prefix says which pod holds the Lease; the suffix keeps two
 * processes apart that share a host name (replicas outside Kubernetes, or a restarted container in the same pod
 * whose predecessor's Lease has not expired).
 */
export function defaultIdentity(env: Readonly<Record<string, string | undefined>>): string {
  return `${env.POD_NAME || hostname()}_${randomBytes(5).toString('hex')}`;
}

// Lease durations are whole seconds on the wire; shorter settings are for tests.
function duration(flag: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 100) {
    throw new Error(`--${flag} must be a duration of at least 100ms such as 15s, got "${text}"`);
  }
  return ms;
}

/**
 * Reads the three durations of one Lease, `--<prefix>-lease-duration`, `--<prefix>-renew-deadline` and
 * `--<prefix>-retry-period`, and checks client-go's rules between them: a holder must give up before anyone may
 * take over, and must get several tries first.
 */
function leaseTiming(
  prefix: 'leader-elect' | 'announcement',
  texts: { readonly [K in keyof LeaseTiming]: string },
): LeaseTiming {
  const leaseDurationMs = duration(`${prefix}-lease-duration`, texts.leaseDurationMs);
  const renewDeadlineMs = duration(`${prefix}-renew-deadline`, texts.renewDeadlineMs);
  const retryPeriodMs = duration(`${prefix}-retry-period`, texts.retryPeriodMs);
  if (renewDeadlineMs >= leaseDurationMs) {
    throw new Error(
      `--${prefix}-renew-deadline (${renewDeadlineMs} ms) must be shorter than --${prefix}-lease-duration (${leaseDurationMs} ms), ${prefix === 'leader-elect' ? 'or two replicas could lead at once' : 'or the announcement could lapse before its holder notices'}`,
    );
  }
  if (retryPeriodMs * 1.2 >= renewDeadlineMs) {
    throw new Error(
      `--${prefix}-retry-period (${retryPeriodMs} ms) must be well under --${prefix}-renew-deadline (${renewDeadlineMs} ms), so the holder gets more than one try to renew`,
    );
  }
  return { leaseDurationMs, renewDeadlineMs, retryPeriodMs };
}

function bool(flag: string, text: string): boolean {
  if (['true', '1', 'yes'].includes(text.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(text.toLowerCase())) return false;
  throw new Error(`--${flag} must be true or false, got "${text}"`);
}

/**
 * Reads the configuration from flags, falling back to environment variables, then defaults.
 *
 * @throws an Error naming the flag and what it accepts, for unknown flags and bad values.
 */
export function parseComponentConfig(
  defaults: ComponentDefaults,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ComponentConfig {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'leader-elect': { type: 'string' },
      'lease-namespace': { type: 'string' },
      'lease-name': { type: 'string' },
      identity: { type: 'string' },
      'leader-elect-lease-duration': { type: 'string' },
      'leader-elect-renew-deadline': { type: 'string' },
      'leader-elect-retry-period': { type: 'string' },
      'announcement-lease-duration': { type: 'string' },
      'announcement-renew-deadline': { type: 'string' },
      'announcement-retry-period': { type: 'string' },
      'metrics-port': { type: 'string' },
      'probe-port': { type: 'string' },
      'log-level': { type: 'string' },
      resync: { type: 'string' },
      concurrency: { type: 'string' },
    },
  });
  const resyncText = values.resync ?? env.RESYNC ?? defaults.resync;
  const resyncMs = parseDuration(resyncText);
  if (resyncMs === undefined || resyncMs < 1000) {
    throw new Error(`--resync must be a duration of at least 1s such as 90s or 5m, got "${resyncText}"`);
  }
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = leaseTiming('leader-elect', {
    leaseDurationMs: values['leader-elect-lease-duration'] ?? env.LEADER_ELECT_LEASE_DURATION ?? '15s',
    renewDeadlineMs: values['leader-elect-renew-deadline'] ?? env.LEADER_ELECT_RENEW_DEADLINE ?? '10s',
    retryPeriodMs: values['leader-elect-retry-period'] ?? env.LEADER_ELECT_RETRY_PERIOD ?? '2s',
  });
  const announcement = leaseTiming('announcement', {
    leaseDurationMs:
      values['announcement-lease-duration'] ??
      env.ANNOUNCEMENT_LEASE_DURATION ??
      `${ANNOUNCEMENT_TIMING.leaseDurationMs}ms`,
    renewDeadlineMs:
      values['announcement-renew-deadline'] ??
      env.ANNOUNCEMENT_RENEW_DEADLINE ??
      `${ANNOUNCEMENT_TIMING.renewDeadlineMs}ms`,
    retryPeriodMs:
      values['announcement-retry-period'] ??
      env.ANNOUNCEMENT_RETRY_PERIOD ??
      `${ANNOUNCEMENT_TIMING.retryPeriodMs}ms`,
  });
  const logLevel = values['log-level'] ?? env.LOG_LEVEL ?? 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) {
    throw new Error(`--log-level must be error, warn, info or debug, got "${logLevel}"`);
  }
  return {
    // $KUBECONFIG is a list of files to merge, not one path: the loader reads it itself.
    kubeconfig: values.kubeconfig,
    context: values.context,
    leaderElect: bool('leader-elect', values['leader-elect'] ?? env.LEADER_ELECT ?? 'true'),
    leaseNamespace: values['lease-namespace'] ?? env.POD_NAMESPACE ?? 'nimbus-system',
    leaseName: values['lease-name'] ?? defaults.leaseName,
    identity: values.identity ?? defaultIdentity(env),
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    announcement,
    metricsPort: integer('metrics-port', values['metrics-port'] ?? env.METRICS_PORT ?? '8080', 0, 65535),
    probePort: integer('probe-port', values['probe-port'] ?? env.PROBE_PORT ?? '8081', 0, 65535),
    logLevel,
    resyncMs,
    concurrency: integer('concurrency', values.concurrency ?? env.CONCURRENCY ?? '4', 1, 64),
  };
}
