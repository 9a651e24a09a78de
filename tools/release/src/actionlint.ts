import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cacheRoot,
  type EnsureBinariesOptions,
  ensureGoBinaries,
  type GoBinariesSpec,
} from '@nimbus-ts/k8s/testing';

/** The actionlint release the tests run over `.github/workflows` (pinned in `envtest/actionlint/go.mod`). */
export const ACTIONLINT_VERSION = 'v1.7.12';

/** Environment variable naming a directory that already holds an `actionlint` executable (skips the build). */
export const ACTIONLINT_BIN_DIR_ENV = 'NIMBUS_ACTIONLINT_BIN_DIR';

/** The build of actionlint from the Go module proxy into the nimbus-ts cache, once per machine. */
export function actionlintBuild(env: NodeJS.ProcessEnv = process.env): GoBinariesSpec {
  const binDir = join(cacheRoot(env), 'actionlint', ACTIONLINT_VERSION, 'bin');
  // The wrapper module ships beside dist/ (and src/): a go.mod and go.sum that pin actionlint and its
  // dependencies, so the build needs no version list from the proxy and is the same on every machine.
  const moduleDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'envtest', 'actionlint');
  return {
    label: 'release',
    title: 'actionlint',
    executables: ['actionlint'],
    binDir,
    binDirEnv: ACTIONLINT_BIN_DIR_ENV,
    announce: `building actionlint ${ACTIONLINT_VERSION} from Go modules into ${binDir} (once per machine, about 2 minutes)`,
    steps: (staging) => [
      {
        what: 'actionlint',
        moduleDir,
        args: [
          'build',
          '-trimpath',
          '-ldflags',
          '-s -w',
          '-o',
          `${staging}/`,
          'github.com/rhysd/actionlint/cmd/actionlint',
        ],
      },
    ],
  };
}

/** Returns the path of the `actionlint` executable, building it the first time. */
export async function ensureActionlint(options: EnsureBinariesOptions = {}): Promise<string> {
  return join(await ensureGoBinaries(actionlintBuild(options.env), options), 'actionlint');
}
