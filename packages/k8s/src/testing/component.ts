import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { pollUntil } from './poll.js';
import type { Reaper } from './reaper.js';

/** How long a component gets to exit after its stop signal before its process group is SIGKILLed. */
const STOP_GRACE_MS = 10_000;

/** Last `maxBytes` of a log file, for error messages. */
export function tailOf(path: string, maxBytes = 4_000): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.length > maxBytes ? `…${text.slice(-maxBytes)}` : text;
  } catch {
    return '(no log written)';
  }
}

/** Thrown when a component died because one of its ports was taken; the caller retries on fresh ports. */
export class PortInUseError extends Error {}

/** Optional settings of a {@link Component}. */
export interface ComponentOptions {
  /** Environment of the process; default this process's environment. */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory; default this process's. */
  readonly cwd?: string;
  /** Run as this user and group (needs root), e.g. for PostgreSQL, which refuses to run as root. */
  readonly uid?: number;
  readonly gid?: number;
  /** The signal `stop()` sends first; default SIGTERM. */
  readonly stopSignal?: NodeJS.Signals;
  /** The "Fix:" sentence of the error thrown when the process dies on its own. */
  readonly deathHint?: string;
}

/**
 * One long-running test dependency (etcd, kube-apiserver, PostgreSQL, Clair, …), started in a process group
 * of its own with stdout and stderr appended to a log file.
 */
export class Component {
  private child: ChildProcess | undefined;
  private exit: Promise<number | null> = Promise.resolve(null);
  private stopping = false;
  private exitCode: number | null | undefined;

  /**
   * @param name - the executable's name, used in every message about it.
   * @param bin - absolute path of the executable.
   * @param args - its command-line flags.
   * @param logPath - the file its output goes to.
   * @param reaper - kills the process group if the owner dies without calling `stop()`.
   * @param options - environment, user, stop signal; see {@link ComponentOptions}.
   */
  constructor(
    readonly name: string,
    private readonly bin: string,
    private readonly args: readonly string[],
    readonly logPath: string,
    private readonly reaper: Reaper,
    private readonly options: ComponentOptions = {},
  ) {}

  /** Spawns the process. Resolves once it is running; use `waitFor` for readiness. */
  start(): void {
    this.stopping = false;
    this.exitCode = undefined;
    const log = openSync(this.logPath, 'a');
    const { env, cwd, uid, gid } = this.options;
    const child = spawn(this.bin, [...this.args], {
      detached: true,
      stdio: ['ignore', log, log],
      ...(env ? { env } : {}),
      ...(cwd ? { cwd } : {}),
      ...(uid !== undefined ? { uid } : {}),
      ...(gid !== undefined ? { gid } : {}),
    });
    closeSync(log);
    if (child.pid === undefined) throw new Error(`could not start ${this.name} (${this.bin})`);
    this.reaper.watch(child.pid);
    this.child = child;
    this.exit = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
      child.once('error', () => {
        this.exitCode = -1;
        resolve(-1);
      });
    });
  }

  /** The pid of the process (and of its process group), while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** True when the process has exited although nobody asked it to stop. */
  get died(): boolean {
    return this.exitCode !== undefined && !this.stopping;
  }

  /**
   * Throws an error that names the component, its exit code, its log and the fix, when the process has died.
   * A dead component whose log says a port was taken throws {@link PortInUseError}.
   */
  assertAlive(): void {
    if (!this.died) return;
    const tail = tailOf(this.logPath);
    const detail = `${this.name} exited with code ${this.exitCode}. Log: ${this.logPath}\n${tail}`;
    // Go says "bind: address already in use", PostgreSQL "could not bind …: Address already in use".
    if (/address already in use|bind: address/i.test(tail)) {
      throw new PortInUseError(
        `${detail}\nCause: a port was taken by another process between reservation and bind. ` +
          'Fix: re-run; if it keeps happening, find what binds loopback ports so fast (ss -ltnp).',
      );
    }
    const hint =
      this.options.deathHint ??
      'read the log above; a flag error means this kube version rejects an argument.';
    throw new Error(`${detail}\nFix: ${hint}`);
  }

  /**
   * Polls `probe` until it returns true. Ends at once, with the error of {@link assertAlive}, if the process
   * dies meanwhile; after `timeoutMs` throws an error naming the log and the fix.
   *
   * @param what - what is awaited, e.g. `to answer /readyz`; follows the component name in messages.
   */
  async waitReady(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
    try {
      // A dead component ends the wait at once; assertAlive() below then says why.
      await pollUntil(`${this.name} ${what}`, timeoutMs, async () => this.died || (await probe()));
    } catch (err) {
      this.assertAlive();
      throw new Error(
        `${(err as Error).message}\n${this.name} log: ${this.logPath}\n` +
          'Fix: read the log; on a slow or loaded machine raise readyTimeoutMs.',
      );
    }
    this.assertAlive();
  }

  /**
   * Sends the stop signal (SIGTERM unless configured) to the process group, then SIGKILL after a grace
   * period. Safe to call twice.
   *
   * @param stopSignal - the first signal, instead of the configured one; `SIGKILL` for a crash.
   */
  async stop(stopSignal: NodeJS.Signals = this.options.stopSignal ?? 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child?.pid || this.exitCode !== undefined) return;
    this.stopping = true;
    const group = -child.pid;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(group, sig);
      } catch {
        // The group is already gone.
      }
    };
    signal(stopSignal);
    const killer = setTimeout(() => signal('SIGKILL'), STOP_GRACE_MS);
    await this.exit;
    clearTimeout(killer);
    // Children the component forked (none today, but cheap insurance) share its group.
    signal('SIGKILL');
  }

  /** Kills the process group at once, synchronously; for `process.on('exit')` handlers. */
  killNow(): void {
    if (this.child?.pid && this.exitCode === undefined) {
      this.stopping = true;
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}
