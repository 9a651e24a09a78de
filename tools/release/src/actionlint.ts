import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type EnsureBinariesOptions,
  ensureGoBinaries,
  type GoBinariesSpec,
  goToolBuild,
} from '@nimbus-ts/k8s/testing';

/** The actionlint release the tests run over `.github/workflows` (pinned in `envtest/actionlint/go.mod`). */
export const ACTIONLINT_VERSION = 'v1.7.12';

/** Environment variable naming a directory that already holds an `actionlint` executable (skips the build). */
export const ACTIONLINT_BIN_DIR_ENV = 'NIMBUS_ACTIONLINT_BIN_DIR';

/** The build of actionlint from the Go module proxy into the nimbus-ts cache, once per machine. */
export function actionlintBuild(env: NodeJS.ProcessEnv = process.env): GoBinariesSpec {
  return goToolBuild({
    executable: 'actionlint',
    version: ACTIONLINT_VERSION,
    goPackage: 'github.com/rhysd/actionlint/cmd/actionlint',
    // The wrapper module ships beside dist/ (and src/): a go.mod and go.sum that pin actionlint and its
    // dependencies, so the build needs no version list from the proxy and is the same on every machine.
    moduleDir: join(dirname(fileURLToPath(import.meta.url)), '..', 'envtest', 'actionlint'),
    binDirEnv: ACTIONLINT_BIN_DIR_ENV,
    label: 'release',
    duration: 'about 2 minutes',
    env,
  });
}

/** Returns the path of the `actionlint` executable, building it the first time. */
export async function ensureActionlint(options: EnsureBinariesOptions = {}): Promise<string> {
  return join(await ensureGoBinaries(actionlintBuild(options.env), options), 'actionlint');
}
