import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cacheRoot,
  type EnsureBinariesOptions,
  ensureGoBinaries,
  findGoToolchain,
  type GoBinariesSpec,
  goToolBuild,
} from '@nimbus-ts/k8s/testing';

/** The Kyverno release the adapter is tested against (module `github.com/kyverno/kyverno`, `./cmd/kyverno`). */
export const KYVERNO_VERSION = 'v1.19.1';

/** Environment variable naming a directory that already holds a `kyverno` executable (skips the Go build). */
export const KYVERNO_BIN_DIR_ENV = 'NIMBUS_KYVERNO_BIN_DIR';

/** Environment variable naming Kyverno's `config/crds` directory, for use with {@link KYVERNO_BIN_DIR_ENV}. */
export const KYVERNO_CRD_DIR_ENV = 'NIMBUS_KYVERNO_CRD_DIR';

/** The versioned directory the Go build writes `kyverno` into. */
export function defaultKyvernoBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'kyverno', KYVERNO_VERSION, 'bin');
}

/** The wrapper Go module, `envtest/kyverno/` beside `dist/` (and beside `src/` in the repository). */
export function kyvernoModuleDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'envtest', 'kyverno');
}

/**
 * The Kyverno build: one `go build` of the admission controller inside a wrapper module that requires Kyverno and
 * repeats its one `replace` (k8s.io/pod-security-admission → Kyverno's fork), which is why `go install …@v1.19.1`
 * refuses to build it.
 */
export function kyvernoBuild(env: NodeJS.ProcessEnv = process.env): GoBinariesSpec {
  return goToolBuild({
    executable: 'kyverno',
    version: KYVERNO_VERSION,
    goPackage: 'github.com/kyverno/kyverno/cmd/kyverno',
    moduleDir: kyvernoModuleDir(),
    binDirEnv: KYVERNO_BIN_DIR_ENV,
    label: 'kyverno-env',
    duration: 'about 8 minutes',
    // Kyverno's Makefile stamps the version the same way.
    linkerSettings: [`github.com/kyverno/kyverno/pkg/version.BuildVersion=${KYVERNO_VERSION}`],
    env,
  });
}

/**
 * Returns the path of the `kyverno` executable, building it from the Go module proxy the first time (once per
 * machine, behind a file lock, published with an atomic rename: the machinery that builds the control plane).
 * With `NIMBUS_KYVERNO_BIN_DIR` set, that directory must already hold `kyverno`; nothing is built.
 */
export async function ensureKyverno(options: EnsureBinariesOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  return join(await ensureGoBinaries(kyvernoBuild(env), { ...options, env }), 'kyverno');
}

/** Whether the `kyverno` executable is already built (or provided), without building it. */
export function kyvernoAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  const dir = env[KYVERNO_BIN_DIR_ENV] ?? defaultKyvernoBinDir(env);
  return existsSync(join(dir, 'kyverno'));
}

/**
 * Kyverno's CRD directories (`config/crds/*` of the pinned module): `$NIMBUS_KYVERNO_CRD_DIR` when set, otherwise
 * the module's copy in the Go module cache, which the build downloaded (`go mod download` finds it offline).
 *
 * @throws an error naming the fix when Go is missing and the variable is unset, or the module is not downloaded.
 */
export async function kyvernoCrdDirectories(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const root = env[KYVERNO_CRD_DIR_ENV] ?? join(await kyvernoModuleSource(env), 'config', 'crds');
  const entries = await readdir(root, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => join(root, e.name))
    .sort();
}

async function kyvernoModuleSource(env: NodeJS.ProcessEnv): Promise<string> {
  const go = findGoToolchain(env, { what: "Kyverno's CRDs", binDirEnv: KYVERNO_CRD_DIR_ENV });
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(go, ['mod', 'download', '-json', `github.com/kyverno/kyverno@${KYVERNO_VERSION}`], {
      cwd: kyvernoModuleDir(),
      env: { ...env, GOFLAGS: '-mod=readonly', GOTOOLCHAIN: env.GOTOOLCHAIN ?? 'local' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(out)
        : reject(
            new Error(
              `kyverno-env: 'go mod download github.com/kyverno/kyverno@${KYVERNO_VERSION}' failed: ${out.trim()}. ` +
                `Fix: check GOPROXY, or set ${KYVERNO_CRD_DIR_ENV} to Kyverno's config/crds directory.`,
            ),
          ),
    );
  });
  const dir = (JSON.parse(output) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`kyverno-env: go mod download named no directory for Kyverno: ${output}`);
  return dir;
}
