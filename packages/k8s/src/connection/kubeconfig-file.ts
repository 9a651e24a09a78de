import { dirname, isAbsolute, join } from 'node:path';
import { load } from 'js-yaml';

/** A kubeconfig cluster. */
export interface KubeconfigCluster {
  readonly server?: string;
  readonly 'certificate-authority'?: string;
  readonly 'certificate-authority-data'?: string;
  readonly 'insecure-skip-tls-verify'?: boolean;
  readonly 'tls-server-name'?: string;
}

/** An exec credential plugin, as kubeconfig's `users[].user.exec` (client.authentication.k8s.io). */
export interface ExecConfig {
  readonly apiVersion?: string;
  readonly command?: string;
  readonly args?: readonly string[];
  readonly env?: readonly { readonly name: string; readonly value: string }[] | null;
  readonly installHint?: string;
  readonly provideClusterInfo?: boolean;
  readonly interactiveMode?: 'Never' | 'IfAvailable' | 'Always';
}

/** A kubeconfig user (`AuthInfo`). */
export interface KubeconfigUser {
  readonly 'client-certificate'?: string;
  readonly 'client-certificate-data'?: string;
  readonly 'client-key'?: string;
  readonly 'client-key-data'?: string;
  readonly token?: string;
  readonly tokenFile?: string;
  readonly exec?: ExecConfig;
  readonly 'auth-provider'?: { readonly name?: string };
}

/** A kubeconfig context. */
export interface KubeconfigContext {
  readonly cluster?: string;
  readonly user?: string;
  readonly namespace?: string;
}

/**
 * The parts of a kubeconfig nimbus-ts reads, with every relative file path (certificates, keys, token files,
 * an exec command containing a `/`) already made absolute against the directory of the file that named it,
 * as client-go does before merging several files.
 */
export interface Kubeconfig {
  readonly 'current-context'?: string;
  readonly clusters: readonly { readonly name: string; readonly cluster?: KubeconfigCluster }[];
  readonly contexts: readonly { readonly name: string; readonly context?: KubeconfigContext }[];
  readonly users: readonly { readonly name: string; readonly user?: KubeconfigUser }[];
}

function absolute(base: string, path: string | undefined): string | undefined {
  if (path === undefined || path === '') return path;
  return isAbsolute(path) ? path : join(base, path);
}

function withAbsolutePaths(user: KubeconfigUser, base: string): KubeconfigUser {
  const exec = user.exec;
  // client-go resolves an exec command against the kubeconfig's directory only when it names a path
  // (contains a separator); a bare name is looked up on PATH.
  const command = exec?.command?.includes('/') ? absolute(base, exec.command) : exec?.command;
  return {
    ...user,
    ...(user['client-certificate']
      ? { 'client-certificate': absolute(base, user['client-certificate']) }
      : {}),
    ...(user['client-key'] ? { 'client-key': absolute(base, user['client-key']) } : {}),
    ...(user.tokenFile ? { tokenFile: absolute(base, user.tokenFile) } : {}),
    ...(exec ? { exec: { ...exec, ...(command ? { command } : {}) } } : {}),
  };
}

/**
 * Parses one kubeconfig file.
 *
 * @param path - the file's path: relative paths inside it are resolved against its directory.
 * @throws Error naming the file when it is not a YAML mapping.
 */
export function parseKubeconfig(text: string, path: string): Kubeconfig {
  const doc = load(text) ?? {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error(`kubeconfig ${path}: not a kubeconfig (expected a YAML mapping)`);
  }
  const raw = doc as {
    'current-context'?: string;
    clusters?: { name?: string; cluster?: KubeconfigCluster }[] | null;
    contexts?: { name?: string; context?: KubeconfigContext }[] | null;
    users?: { name?: string; user?: KubeconfigUser }[] | null;
  };
  const base = dirname(path);
  const named = <T extends { name?: string }>(list: T[] | null | undefined) =>
    (list ?? []).filter((e): e is T & { name: string } => typeof e?.name === 'string');
  return {
    ...(raw['current-context'] ? { 'current-context': raw['current-context'] } : {}),
    clusters: named(raw.clusters).map((c) => ({
      ...c,
      ...(c.cluster
        ? {
            cluster: {
              ...c.cluster,
              ...(c.cluster['certificate-authority']
                ? { 'certificate-authority': absolute(base, c.cluster['certificate-authority']) }
                : {}),
            },
          }
        : {}),
    })),
    contexts: named(raw.contexts),
    users: named(raw.users).map((u) => ({
      ...u,
      ...(u.user ? { user: withAbsolutePaths(u.user, base) } : {}),
    })),
  };
}

/**
 * Merges kubeconfigs the way client-go merges the files of `KUBECONFIG`: the first file to set
 * `current-context` wins, and for clusters, contexts and users the first entry of each name wins (later
 * files never override an earlier one).
 */
export function mergeKubeconfigs(configs: readonly Kubeconfig[]): Kubeconfig {
  const firstByName = <T extends { name: string }>(lists: readonly (readonly T[])[]): T[] => {
    const seen = new Map<string, T>();
    for (const list of lists)
      for (const entry of list) if (!seen.has(entry.name)) seen.set(entry.name, entry);
    return [...seen.values()];
  };
  const current = configs.find((c) => c['current-context'])?.['current-context'];
  return {
    ...(current ? { 'current-context': current } : {}),
    clusters: firstByName(configs.map((c) => c.clusters)),
    contexts: firstByName(configs.map((c) => c.contexts)),
    users: firstByName(configs.map((c) => c.users)),
  };
}

/** The cluster, user and namespace a context names. */
export interface ResolvedContext {
  readonly contextName: string;
  readonly clusterName: string;
  readonly cluster: KubeconfigCluster & { readonly server: string };
  readonly userName: string | undefined;
  readonly user: KubeconfigUser;
  readonly namespace: string | undefined;
}

/**
 * Looks up `context` (default: the current context) and what it names.
 *
 * @param where - how to name the kubeconfig in errors (a path, or the list of merged paths).
 * @throws Error naming the missing context or cluster and the fix.
 */
export function resolveContext(config: Kubeconfig, where: string, context?: string): ResolvedContext {
  const contextName = context ?? config['current-context'];
  if (!contextName) {
    throw new Error(
      `kubeconfig ${where}: no current-context. Fix: pass --context NAME or run 'kubectl config use-context NAME'`,
    );
  }
  const ctx = config.contexts.find((c) => c.name === contextName)?.context;
  if (!ctx) {
    const known = config.contexts.map((c) => c.name);
    throw new Error(
      `kubeconfig ${where}: context "${contextName}" not found` +
        (known.length > 0 ? ` (contexts: ${known.join(', ')})` : '') +
        '; set current-context or pass --context',
    );
  }
  const cluster = config.clusters.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`kubeconfig ${where}: cluster "${ctx.cluster ?? ''}" has no server`);
  const user = config.users.find((u) => u.name === ctx.user)?.user ?? {};
  return {
    contextName,
    clusterName: ctx.cluster ?? '',
    cluster: { ...cluster, server: cluster.server },
    userName: ctx.user,
    user,
    namespace: ctx.namespace || undefined,
  };
}
