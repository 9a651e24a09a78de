import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cacheRoot,
  type EnsureBinariesOptions,
  ensureGoBinaries,
  findGoToolchain,
  type GoBinariesSpec,
} from './go-binaries.js';

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

/** Options of {@link ensureControlPlaneBinaries}. */
export type { EnsureBinariesOptions } from './go-binaries.js';

/** Where the wrapper Go modules ship: `envtest/` beside `dist/` (and beside `src/` in the repository). */
function wrapperModulesDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'envtest');
}

/** The control-plane build: what it produces, where, and the two `go` commands that produce it. */
export function controlPlaneBuild(env: NodeJS.ProcessEnv = process.env): GoBinariesSpec {
  const binDir = defaultBinDir(env);
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
  return {
    label: 'envtest',
    title: 'control-plane binaries',
    executables: Object.values(EXECUTABLES),
    binDir,
    binDirEnv: BIN_DIR_ENV,
    announce:
      `building Kubernetes ${KUBERNETES_VERSION} (kube-apiserver, kube-controller-manager, kubectl) and ` +
      `etcd ${ETCD_VERSION} from Go modules into ${binDir}. This happens once per machine and takes ` +
      '15-30 minutes on 2 cores; Go module and build caches make later builds fast.',
    steps: (staging) => [
      {
        what: 'kube-apiserver, kube-controller-manager and kubectl',
        moduleDir: join(modules, 'kube'),
        args: ['install', '-trimpath', '-ldflags', kubeLdflags, 'tool'],
        env: { GOBIN: staging },
      },
      {
        what: 'etcd',
        moduleDir: join(modules, 'etcd'),
        args: [
          'build',
          '-trimpath',
          '-ldflags',
          '-s -w',
          '-o',
          join(staging, 'etcd'),
          'go.etcd.io/etcd/server/v3',
        ],
      },
    ],
  };
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
  return binariesIn(await ensureGoBinaries(controlPlaneBuild(env), { ...options, env }));
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
  return findGoToolchain(
    env,
    { what: 'kube-apiserver, kube-controller-manager, kubectl and etcd', binDirEnv: BIN_DIR_ENV },
    fallbacks,
  );
}
