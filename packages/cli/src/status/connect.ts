import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ClusterConnection, loadClusterConnection } from '@nimbus-ts/k8s';
import { CliError } from '../errors.js';

/** How to find the API server, from the command line and the environment. */
export interface ConnectOptions {
  /** `--kubeconfig`. */
  readonly kubeconfig?: string;
  /** `--context`: a context of the kubeconfig other than its current one. */
  readonly context?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A connection, and the namespace its kubeconfig context names (the default for `-n`, as with kubectl). */
export interface Connected {
  readonly connection: ClusterConnection;
  readonly namespace?: string;
}

/**
 * Connects the way kubectl does: `--kubeconfig` alone, else every file of `KUBECONFIG` merged, else
 * `~/.kube/config`, else the pod's service account when running in a cluster; `--context` picks a context other
 * than the current one. Users authenticate by certificate, token, token file or exec credential plugin.
 *
 * @throws CliError saying what was tried and how to fix it.
 */
export function connect(options: ConnectOptions): Connected {
  const { env } = options;
  const home = join(env.HOME ?? '', '.kube', 'config');
  // kubectl prefers ~/.kube/config to the in-cluster account; the component loader does the opposite.
  const kubeconfig =
    options.kubeconfig ?? (!env.KUBECONFIG && env.HOME && existsSync(home) ? home : undefined);
  try {
    const connection = loadClusterConnection({
      ...(kubeconfig !== undefined ? { kubeconfig } : {}),
      ...(options.context !== undefined ? { context: options.context } : {}),
      env: { ...env },
    });
    return { connection, ...(connection.namespace ? { namespace: connection.namespace } : {}) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && kubeconfig !== undefined)
      throw new CliError(`kubeconfig ${kubeconfig}: no such file; pass --kubeconfig PATH or set KUBECONFIG`);
    throw new CliError((error as Error).message);
  }
}
