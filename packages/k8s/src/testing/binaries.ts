import { spawn } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import lockfile from 'proper-lockfile';

/** The Kubernetes release whose kube-apiserver, kube-controller-manager and kubectl the harness builds. */
export const KUBERNETES_VERSION = 'v1.36.3';
/** The etcd release the harness builds (the series Kubernetes 1.36 is tested with). */
export const ETCD_VERSION = 'v3.6.16';

/** Absolute paths of the control-plane executables. */
export interface ControlPlaneBinaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager: string;
  readonly kubectl: string;
}

/** Environment variable naming a directory that already holds all four executables (skips the Go build). */
export const BIN_DIR_ENV = 'NIMBUS_ENVTEST_BIN_DIR';

const EXECUTABLES = {
  etcd: 'etcd',
  kubeApiserver: 'kube-apiserver',
  kubeControllerManager: 'kube-controller-manager',
  kubectl: 'kubectl',
} as const satisfies Record<keyof ControlPlaneBinaries, string>;

/** The nimbus-ts cache root: `$NIMBUS_CACHE_DIR`, else `$XDG_CACHE_HOME/nimbus-ts`, else `~/.cache/nimbus-ts`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NIMBUS_CACHE_DIR) return env.NIMBUS_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nimbus-ts');
}

/** The versioned directory the Go build installs into; one per Kubernetes + etcd version pair. */
export function defaultBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'envtest', `${KUBERNETES_VERSION}-etcd-${ETCD_VERSION}`, 'bin');
}

/** Maps a directory to the four executable paths inside it. */
export function binariesIn(dir: string): ControlPlaneBinaries {
  return {
    etcd: join(dir, EXECUTABLES.etcd),
    kubeApiserver: join(dir, EXECUTABLES.kubeApiserver),
    kubeControllerManager: join(dir, EXECUTABLES.kubeControllerManager),
    kubectl: join(dir, EXECUTABLES.kubectl),
  };
}

async function missingIn(bins: ControlPlaneBinaries): Promise<string[]> {
  const missing: string[] = [];
  for (const path of Object.values(bins)) {
    try {
      await access(path, constants.X_OK);
    } catch {
      missing.push(path);
    }
  }
  return missing;
}

/** Options of {@link ensureControlPlaneBinaries}. */
export interface EnsureBinariesOptions {
  /** Where progress lines go; defaults to stderr. */
  readonly progress?: (line: string) => void;
  /** Environment to read `NIMBUS_ENVTEST_BIN_DIR` and the cache location from; defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Returns the control-plane executables, building them from the Go module proxy the first time.
 *
 * With `NIMBUS_ENVTEST_BIN_DIR` set, that directory must already hold `etcd`, `kube-apiserver`,
 * `kube-controller-manager` and `kubectl`; nothing is built. Otherwise they are built once per machine into
 * {@link defaultBinDir}; a file lock makes concurrent callers wait for one build instead of building twice.
 */
export async function ensureControlPlaneBinaries(
  options: EnsureBinariesOptions = {},
): Promise<ControlPlaneBinaries> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const pinned = env[BIN_DIR_ENV];
  if (pinned) {
    const bins = binariesIn(pinned);
    const missing = await missingIn(bins);
    if (missing.length > 0) {
      throw new Error(
        `${BIN_DIR_ENV}=${pinned} lacks executable ${missing.join(', ')}. ` +
          `Fix: point ${BIN_DIR_ENV} at a directory holding etcd, kube-apiserver, kube-controller-manager and kubectl, ` +
          'or unset it to let nimbus-ts build them from Go modules.',
      );
    }
    return bins;
  }

  const binDir = defaultBinDir(env);
  const bins = binariesIn(binDir);
  if ((await missingIn(bins)).length === 0) return bins;

  const versionDir = dirname(binDir);
  await mkdir(versionDir, { recursive: true });
  const lockOptions = { lockfilePath: `${versionDir}.lock`, stale: 60_000 };
  if (await lockfile.check(versionDir, lockOptions)) {
    progress(`envtest: another process is building the binaries (lock ${versionDir}.lock); waiting for it`);
  }
  const release = await lockfile.lock(versionDir, {
    ...lockOptions,
    // A build takes many minutes; the lock stays fresh because proper-lockfile touches it every `update` ms,
    // and a lock left by a killed build goes stale after a minute.
    update: 10_000,
    retries: { retries: 1_000_000, minTimeout: 500, maxTimeout: 5_000 },
  });
  try {
    // Another process may have finished the build while we waited for the lock.
    if ((await missingIn(bins)).length === 0) return bins;
    await buildInto(versionDir, binDir, env, progress);
    return bins;
  } finally {
    await release();
  }
}

/** Where the wrapper Go modules ship: `envtest/` beside `dist/` (and beside `src/` in the repository). */
function wrapperModulesDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'envtest');
}

/**
 * Finds the Go toolchain: `go` on PATH, else the official installer's location.
 *
 * @throws an error naming both fixes when there is none.
 */
export function findGo(
  env: NodeJS.ProcessEnv,
  fallbacks: readonly string[] = ['/usr/local/go/bin/go'],
): string {
  const candidates = [...(env.PATH ?? '').split(delimiter).map((d) => join(d, 'go')), ...fallbacks];
  const found = candidates.find((c) => c.length > 3 && existsSync(c));
  if (!found) {
    throw new Error(
      'Go is needed once to build kube-apiserver, kube-controller-manager, kubectl and etcd, and none was found ' +
        `on PATH or at /usr/local/go/bin/go. Fix: install Go >= 1.26, or set ${BIN_DIR_ENV} to a directory with ` +
        'pre-built binaries.',
    );
  }
  return found;
}

async function buildInto(
  versionDir: string,
  binDir: string,
  env: NodeJS.ProcessEnv,
  progress: (line: string) => void,
): Promise<void> {
  const go = findGo(env);
  const staging = join(versionDir, `bin.partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const goEnv = {
    ...env,
    CGO_ENABLED: '0',
    GOFLAGS: '-mod=readonly',
    GOTOOLCHAIN: env.GOTOOLCHAIN ?? 'local',
  };
  const modules = wrapperModulesDir();
  const k8sMinor = KUBERNETES_VERSION.split('.')[1] ?? '';
  const kubeLdflags = [
    '-s -w',
    `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
    '-X k8s.io/component-base/version.gitMajor=1',
    `-X k8s.io/component-base/version.gitMinor=${k8sMinor}`,
    `-X k8s.io/client-go/pkg/version.gitVersion=${KUBERNETES_VERSION}`,
    '-X k8s.io/component-base/version.gitTreeState=clean',
  ].join(' ');
  progress(
    `envtest: building Kubernetes ${KUBERNETES_VERSION} (kube-apiserver, kube-controller-manager, kubectl) and ` +
      `etcd ${ETCD_VERSION} from Go modules into ${binDir}. This happens once per machine and takes ` +
      '15-30 minutes on 2 cores; Go module and build caches make later builds fast.',
  );
  await runGo(
    go,
    ['install', '-trimpath', '-ldflags', kubeLdflags, 'tool'],
    join(modules, 'kube'),
    {
      ...goEnv,
      GOBIN: staging,
    },
    'kube-apiserver, kube-controller-manager and kubectl',
    progress,
  );
  await runGo(
    go,
    ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(staging, 'etcd'), 'go.etcd.io/etcd/server/v3'],
    join(modules, 'etcd'),
    goEnv,
    'etcd',
    progress,
  );
  const missing = await missingIn(binariesIn(staging));
  if (missing.length > 0)
    throw new Error(`envtest: the Go build finished but did not produce ${missing.join(', ')}`);
  await rm(binDir, { recursive: true, force: true });
  // The rename publishes all four executables at once, so a half-finished build is never mistaken for a cache.
  await rename(staging, binDir);
  progress(`envtest: control-plane binaries ready in ${binDir}`);
}

function runGo(
  go: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  what: string,
  progress: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const ticker = setInterval(() => {
      const s = Math.round((Date.now() - started) / 1000);
      progress(`envtest: still building ${what} (${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s)`);
    }, 30_000);
    child.on('error', (err) => {
      clearInterval(ticker);
      reject(new Error(`envtest: could not run ${go}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      if (code === 0) {
        progress(`envtest: built ${what} in ${Math.round((Date.now() - started) / 1000)}s`);
        resolve();
      } else {
        reject(
          new Error(
            `envtest: building ${what} failed (go ${args[0]} exited ${code} in ${cwd}).\n${output.trim()}\n` +
              'Fix: a network error means the Go module proxy was unreachable (check GOPROXY and retry); ' +
              `"invalid version" means a staging module lacks a replace line in ${join(cwd, 'go.mod')}.`,
          ),
        );
      }
    });
  });
}
