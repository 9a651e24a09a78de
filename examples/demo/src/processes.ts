import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A nimbus-ts component the demo runs as the process it is deployed as, its JSON log in a file. */
export interface DemoProcess {
  readonly name: string;
  readonly logPath: string;
  readonly child: ChildProcess;
  /** Resolves once the log has a line with this `message`; rejects, with the log's tail, if the process exits. */
  waitForLog(message: string, timeoutMs?: number): Promise<void>;
  /** SIGTERM (graceful shutdown), then SIGKILL after a few seconds. */
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** The entry point a package's `bin` names, e.g. `@nimbus-ts/core-operator`'s `nimbus-core-operator`. */
export function binOf(packageName: string, bin: string): string {
  const manifest = require.resolve(`${packageName}/package.json`);
  const { bin: bins } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: Record<string, string> };
  const path = bins?.[bin];
  if (!path)
    throw new Error(`${packageName} has no bin "${bin}"; run the build (pnpm turbo run build) first`);
  return join(dirname(manifest), path);
}

/** The last lines of a log, for error messages. */
export function tail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Whether a JSON-lines log holds a line whose `message` is `message`. */
export function logHas(text: string, message: string): boolean {
  for (const line of text.split('\n')) {
    if (!line.includes(message)) continue;
    try {
      if ((JSON.parse(line) as { message?: unknown }).message === message) return true;
    } catch {
      // Not JSON (e.g. a stack trace): not a log line.
    }
  }
  return false;
}

/** Starts `node <main> <args>` with extra environment variables, stdout and stderr into `logPath`. */
export function startNodeProcess(options: {
  readonly name: string;
  readonly main: string;
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly logPath: string;
}): DemoProcess {
  const log = openSync(options.logPath, 'a');
  const child = spawn(process.execPath, [options.main, ...options.args], {
    stdio: ['ignore', log, log],
    env: { ...process.env, ...options.env },
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping = false;
  return {
    name: options.name,
    logPath: options.logPath,
    child,
    async waitForLog(message, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let text = '';
        try {
          text = readFileSync(options.logPath, 'utf8');
        } catch {
          // Not written yet.
        }
        if (logHas(text, message)) return;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `${options.name} exited (${child.exitCode ?? child.signalCode}); its log ${options.logPath} ends:\n${tail(options.logPath)}`,
          );
        }
        if (Date.now() > deadline) {
          throw new Error(
            `${options.name} did not log "${message}" within ${timeoutMs / 1000} s; its log ${options.logPath} ends:\n${tail(options.logPath)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    async stop() {
      if (stopping || child.exitCode !== null || child.signalCode !== null) return;
      stopping = true;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
