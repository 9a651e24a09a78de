import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** How to run Helm: which binary, against which cluster, with which private state directory. */
export interface HelmOptions {
  /** The `helm` executable (see `ensureHelm`). */
  readonly binary: string;
  /** Kubeconfig of the cluster; commands that need none (`lint`, `template`) run without it. */
  readonly kubeconfig?: string;
  /**
   * Directory for Helm's cache, configuration and data (`HELM_CACHE_HOME`, `HELM_CONFIG_HOME`,
   * `HELM_DATA_HOME`), so tests never read or write the user's `~/.config/helm`. Omit to use Helm's defaults.
   */
  readonly home?: string;
}

/**
 * A Helm command that exited non-zero. `stderr` is what Helm said; `stdout` matters for `helm lint`, which prints
 * its findings there.
 */
export class HelmCommandError extends Error {
  /**
   * @param args - the arguments after `helm`.
   * @param exitCode - the exit code, or undefined when Helm could not be started.
   * @param stderr - Helm's standard error.
   * @param stdout - Helm's standard output.
   */
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | undefined,
    readonly stderr: string,
    readonly stdout: string,
  ) {
    super(
      `helm ${args.join(' ')} failed (exit ${exitCode ?? 'n/a'}): ${[stdout.trim(), stderr.trim()].filter(Boolean).join('\n')}`,
    );
    this.name = 'HelmCommandError';
  }
}

/** The environment Helm runs with: ours, plus its private state directories and the kubeconfig. */
function helmEnv(options: HelmOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (options.home) {
    env.HELM_CACHE_HOME = join(options.home, 'cache');
    env.HELM_CONFIG_HOME = join(options.home, 'config');
    env.HELM_DATA_HOME = join(options.home, 'data');
  }
  if (options.kubeconfig) env.KUBECONFIG = options.kubeconfig;
  return env;
}

/**
 * Runs `helm <args>` and returns its standard output.
 *
 * @throws {@link HelmCommandError} with Helm's standard error when it exits non-zero.
 */
export async function runHelm(options: HelmOptions, args: readonly string[]): Promise<string> {
  if (!existsSync(options.binary)) {
    throw new Error(`helm not found at ${options.binary}. Fix: run \`nimbus-helm-env build\` to build it.`);
  }
  try {
    const { stdout } = await execFileAsync(options.binary, [...args], {
      env: helmEnv(options),
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    const code = typeof e.code === 'number' ? e.code : undefined;
    throw new HelmCommandError(args, code, e.stderr || e.message, e.stdout ?? '');
  }
}
