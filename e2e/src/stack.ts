import { fileURLToPath } from 'node:url';
import { type ComponentProcess, pollUntil, startComponentProcess } from '@nimbus-ts/k8s/testing';
import { peakRssMiB, resetPeakRss } from './process-memory.js';

/** The deployables the fault suite runs, each from its built dist/ as its Deployment runs it. */
export type Role = 'operator' | 'adapter' | 'webhook';

const MAINS: Readonly<Record<Role, string>> = {
  operator: fileURLToPath(import.meta.resolve('@nimbus-ts/core-operator/package.json')).replace(
    /package\.json$/,
    'dist/main.js',
  ),
  adapter: fileURLToPath(import.meta.resolve('@nimbus-ts/adapter-kubearmor/package.json')).replace(
    /package\.json$/,
    'dist/main.js',
  ),
  webhook: fileURLToPath(import.meta.resolve('@nimbus-ts/adapter-admission/package.json')).replace(
    /package\.json$/,
    'dist/main.js',
  ),
};

/** How one replica is started; everything else is what deploy/ gives it. */
export interface ReplicaOptions {
  /** The pod name (POD_NAME, the replica's identity); `null` leaves it unset, so the host name is used. */
  readonly podName?: string | null;
  /** Another kubeconfig, e.g. one pointing at a proxy; default the suite's admin kubeconfig. */
  readonly kubeconfigPath?: string;
  /** Environment added to the deployed one (the webhook's WEBHOOK_* settings). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Start a new replica (same options, a new pod name) whenever this one exits without being killed or stopped by
   * the suite, as the kubelet restarts a Deployment's container. Default false: the leader-election cases watch
   * exits themselves.
   */
  readonly restartOnExit?: boolean;
}

/** One running replica of a role. */
export interface Replica extends ComponentProcess {
  readonly role: Role;
  readonly podName: string | null;
}

/**
 * The processes of a fault case, started as deploy/ runs them (`--leader-elect=true` for every role: the admission
 * webhook elects only its ImageAdmissionPolicy builder, every replica serves; POD_NAME/POD_NAMESPACE/LOG_LEVEL from
 * the environment); only the ports are free ones (0), since replicas share one host. Keeps each role's peak RSS
 * across kills, so a case's peak includes the processes it killed.
 */
export class FaultStack {
  private readonly live = new Set<Replica>();
  private readonly peaks = new Map<Role, number>();
  /** Replicas the suite itself killed or stopped: their exit is no crash. */
  private readonly ended = new WeakSet<Replica>();
  private serial = 0;
  private restartCount = 0;
  /** Set by {@link killAll} of every role: nothing is restarted until {@link reopen}. */
  private closed = false;

  /**
   * @param kubeconfigPath - the admin kubeconfig of the control plane.
   * @param systemNamespace - POD_NAMESPACE: where the Leases (and the webhook's Secret) live.
   */
  private readonly kubeconfigPath: string;
  private readonly systemNamespace: string;

  constructor(kubeconfigPath: string, systemNamespace: string) {
    this.kubeconfigPath = kubeconfigPath;
    this.systemNamespace = systemNamespace;
  }

  /** Starts one replica of `role`. */
  start(role: Role, options: ReplicaOptions = {}): Replica {
    const podName = options.podName === undefined ? `${role}-${++this.serial}` : options.podName;
    const args = [
      `--kubeconfig=${options.kubeconfigPath ?? this.kubeconfigPath}`,
      '--leader-elect=true',
      '--metrics-port=0',
      '--probe-port=0',
    ];
    const replica: Replica = Object.assign(
      startComponentProcess(MAINS[role], args, {
        env: {
          POD_NAMESPACE: this.systemNamespace,
          LOG_LEVEL: 'info',
          ...(podName === null ? {} : { POD_NAME: podName }),
          ...options.env,
        },
      }),
      { role, podName },
    );
    this.live.add(replica);
    void replica.exited().then(() => {
      this.live.delete(replica);
      if (!options.restartOnExit || this.ended.has(replica) || this.closed) return;
      this.restartCount++;
      this.start(role, { ...options, podName: options.podName === null ? null : undefined });
    });
    return replica;
  }

  /** Crashed replicas started again so far (see {@link ReplicaOptions.restartOnExit}). */
  get restarts(): number {
    return this.restartCount;
  }

  /** Stops `replica` with `signal` (default SIGTERM, as a rollout does) without restarting it. */
  async stop(replica: Replica, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.ended.add(replica);
    await replica.stop(signal);
  }

  /** Resolves once `replica` has logged that its controllers started (it leads, or runs without a Lease). */
  async started(replica: Replica, timeoutMs = 90_000): Promise<void> {
    await pollUntil(
      `${replica.role} ${replica.podName ?? '(host name)'} to start its controllers`,
      timeoutMs,
      () => {
        if (replica.child.exitCode !== null) throw new Error(`it exited with ${replica.child.exitCode}`);
        return replica.logs.some((l) => l.message === 'controllers started');
      },
    );
  }

  /** The running replicas of `role`. */
  replicas(role: Role): Replica[] {
    return [...this.live].filter(
      (r) => r.role === role && r.child.exitCode === null && r.child.signalCode === null,
    );
  }

  /** Records the replica's peak RSS, then kills it with SIGKILL (as the OOM killer or a node loss would). */
  async kill9(replica: Replica): Promise<void> {
    this.ended.add(replica);
    this.notePeak(replica);
    replica.child.kill('SIGKILL');
    await replica.exited();
  }

  /** Kills every replica of `roles` (default all) with SIGKILL. */
  async killAll(roles: readonly Role[] = ['operator', 'adapter', 'webhook']): Promise<void> {
    this.closed = roles.length === 3;
    await Promise.all([...this.live].filter((r) => roles.includes(r.role)).map((r) => this.kill9(r)));
  }

  /** Lets replicas with `restartOnExit` be restarted again after {@link killAll} of every role. */
  reopen(): void {
    this.closed = false;
  }

  /** Forgets the peaks recorded so far and resets each live replica's, so the next reading covers one case. */
  resetPeaks(): void {
    this.peaks.clear();
    for (const r of this.live) resetPeakRss(r.child.pid);
  }

  /** Each role's peak RSS in MiB since {@link resetPeaks}, over live and killed replicas. */
  peakRss(): Record<Role, number | undefined> {
    for (const r of this.live) this.notePeak(r);
    return {
      operator: this.peaks.get('operator'),
      adapter: this.peaks.get('adapter'),
      webhook: this.peaks.get('webhook'),
    };
  }

  private notePeak(replica: Replica): void {
    const peak = peakRssMiB(replica.child.pid);
    if (peak === undefined) return;
    this.peaks.set(replica.role, Math.max(peak, this.peaks.get(replica.role) ?? 0));
  }
}
