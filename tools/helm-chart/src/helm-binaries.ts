import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cacheRoot,
  type EnsureBinariesOptions,
  ensureGoBinaries,
  type GoBinariesSpec,
  goToolBuild,
} from '@nimbus-ts/k8s/testing';

/** The Helm release the chart is tested with (module `helm.sh/helm/v4`, binary `./cmd/helm`). */
export const HELM_VERSION = 'v4.3.2';

/** Environment variable naming a directory that already holds a `helm` executable (skips the Go build). */
export const HELM_BIN_DIR_ENV = 'NIMBUS_HELM_BIN_DIR';

/** The versioned directory the Go build writes `helm` into. */
export function defaultHelmBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'helm', HELM_VERSION, 'bin');
}

/** Where the wrapper Go module ships: `envtest/helm/` beside `dist/` (and beside `src/` in the repository). */
function wrapperModuleDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'envtest', 'helm');
}

/**
 * The Helm build: one `go build` of `helm.sh/helm/v4/cmd/helm` inside a wrapper module whose go.sum pins Helm
 * and every dependency, so the build is reproducible and never asks the proxy for a version list.
 */
export function helmBuild(env: NodeJS.ProcessEnv = process.env): GoBinariesSpec {
  return goToolBuild({
    executable: 'helm',
    version: HELM_VERSION,
    goPackage: 'helm.sh/helm/v4/cmd/helm',
    moduleDir: wrapperModuleDir(),
    binDirEnv: HELM_BIN_DIR_ENV,
    label: 'helm-env',
    duration: 'about 3 minutes',
    // Helm's Makefile stamps the version the same way; without it `helm version` says only "v4.3".
    linkerSettings: [
      `helm.sh/helm/v4/internal/version.version=${HELM_VERSION}`,
      'helm.sh/helm/v4/internal/version.gitTreeState=clean',
    ],
    env,
  });
}

/**
 * Returns the path of the `helm` executable, building it from the Go module proxy the first time.
 *
 * With `NIMBUS_HELM_BIN_DIR` set, that directory must already hold `helm`; nothing is built. Otherwise it is
 * built once per machine into {@link defaultHelmBinDir}, behind a file lock, and published with an atomic
 * rename (the machinery that builds the control plane). Progress lines go to stderr.
 */
export async function ensureHelm(options: EnsureBinariesOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  return join(await ensureGoBinaries(helmBuild(env), { ...options, env }), 'helm');
}
