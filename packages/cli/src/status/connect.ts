import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClusterConnection, connectionFromKubeconfig, loadClusterConnection } from '@nimbus-ts/k8s';
import { parse } from 'yaml';
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

interface KubeconfigContexts {
  'current-context'?: string;
  contexts?: { name?: string; context?: { namespace?: string } }[];
}

function contextNamespace(text: string, context: string | undefined): string | undefined {
  const doc = (parse(text) ?? {}) as KubeconfigContexts;
  const name = context ?? doc['current-context'];
  return doc.contexts?.find((c) => c.name === name)?.context?.namespace || undefined;
}

/**
 * Connects the way kubectl does: `--kubeconfig`, else the first file of `KUBECONFIG`, else `~/.kube/config`,
 * else the pod's service account when running in a cluster.
 *
 * @throws CliError saying what was tried and how to fix it.
 */
export function connect(options: ConnectOptions): Connected {
  const { env } = options;
  const home = join(env.HOME ?? '', '.kube', 'config');
  const path =
    options.kubeconfig ??
    env.KUBECONFIG?.split(':').find((p) => p.length > 0) ??
    (env.HOME && existsSync(home) ? home : undefined);
  try {
    if (path === undefined) {
      if (options.context !== undefined) {
        throw new Error(
          `--context ${options.context} needs a kubeconfig; pass --kubeconfig PATH or set KUBECONFIG`,
        );
      }
      return { connection: loadClusterConnection({ env: { ...env } }) };
    }
    const text = readFileSync(path, 'utf8');
    const namespace = contextNamespace(text, options.context);
    return {
      connection: connectionFromKubeconfig(text, path, options.context),
      ...(namespace ? { namespace } : {}),
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new CliError(`kubeconfig ${path}: no such file; pass --kubeconfig PATH or set KUBECONFIG`);
    throw new CliError((error as Error).message);
  }
}
