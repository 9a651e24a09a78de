import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A nimbus-ts component (the core operator, an adapter) running as a real child process. */
export interface ComponentProcess {
  readonly child: ChildProcess;
  /** Every JSON log line it has written to stdout, parsed, in order. */
  readonly logs: Record<string, unknown>[];
  /** Ports it reported in its `serving probes and metrics` line, once it has. */
  probePort?: number;
  metricsPort?: number;
  /** Resolves with the exit code once the process has exited. */
  exited(): Promise<number | null>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Options of {@link startComponentProcess}. */
export interface ComponentProcessOptions {
  /** Environment variables added to this process's environment (or, with a `launcher`, the whole environment). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Runs the entry point with this command instead of this process's Node: `[file, ...args]` go before `main`,
   * e.g. a chroot into an image's root filesystem that ends in the image's `/nodejs/bin/node`. `main` is then a
   * path inside that filesystem, and the environment is exactly `env`, as a container inherits nothing from the
   * host.
   */
  readonly launcher?: readonly string[];
}

/**
 * Starts a component's compiled entry point (e.g. `dist/main.js`) with Node and `args`, collecting its JSON
 * logs. Its stderr goes to the test's stderr, so a crash is visible in the test output. `options.env` adds
 * environment variables (e.g. an adapter's settings); `options.launcher` runs it another way (from an image).
 *
 * @throws Error naming the missing file and the fix when the entry point has not been built.
 */
export function startComponentProcess(
  main: string,
  args: readonly string[],
  options: ComponentProcessOptions = {},
): ComponentProcess {
  const [launcher, ...launcherArgs] = options.launcher ?? [];
  if (!launcher && !existsSync(main))
    throw new Error(`${main} is missing. Fix: run 'pnpm build' (scripts/test does) first.`);
  const child = spawn(launcher ?? process.execPath, [...launcherArgs, main, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Added to this process's environment, as a Deployment's env adds to the image's.
    ...(launcher
      ? { env: { ...options.env } }
      : options.env
        ? { env: { ...process.env, ...options.env } }
        : {}),
  });
  const logs: Record<string, unknown>[] = [];
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const component: ComponentProcess = {
    child,
    logs,
    exited: () => exit,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      if (entry.message === 'serving probes and metrics') {
        component.probePort = entry.probePort as number;
        component.metricsPort = entry.metricsPort as number;
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return component;
}
