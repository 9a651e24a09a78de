import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  cacheRoot,
  type EnsureBinariesOptions,
  ensureGoBinaries,
  type GoBinariesSpec,
} from '@nimbus-ts/k8s/testing';

/** The Clair release the harness builds (clair and clairctl); it pins claircore v1.5.48. */
export const CLAIR_VERSION = 'v4.9.0';
/** The go-containerregistry release whose `crane registry serve` is the harness's OCI registry. */
export const CRANE_VERSION = 'v0.22.1';

/** Environment variable naming a directory that already holds clair, clairctl and crane (skips the Go build). */
export const SCAN_BIN_DIR_ENV = 'NIMBUS_CLAIR_BIN_DIR';

/** Absolute paths of the scanning executables. */
export interface ScanBinaries {
  readonly clair: string;
  readonly clairctl: string;
  readonly crane: string;
}

const EXECUTABLES = { clair: 'clair', clairctl: 'clairctl', crane: 'crane' } as const satisfies Record<
  keyof ScanBinaries,
  string
>;

/** The versioned directory the Go build writes into; one per Clair + crane version pair. */
export function defaultScanBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'clair', `${CLAIR_VERSION}-crane-${CRANE_VERSION}`, 'bin');
}

/** Maps a directory to the executable paths inside it. */
export function scanBinariesIn(dir: string): ScanBinaries {
  return {
    clair: join(dir, EXECUTABLES.clair),
    clairctl: join(dir, EXECUTABLES.clairctl),
    crane: join(dir, EXECUTABLES.crane),
  };
}

/**
 * Where the wrapper Go modules ship: `envtest/` beside `dist/` (and beside `src/` in the repository). Each
 * holds only a go.mod, go.sum and tools.go that pin one tool and all of its dependencies.
 */
function wrapperModulesDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'envtest');
}

/** The scanning build: clair and clairctl from one wrapper module, crane from another. */
export function scanBuild(env: NodeJS.ProcessEnv = process.env): GoBinariesSpec {
  const binDir = defaultScanBinDir(env);
  const modules = wrapperModulesDir();
  // `go install github.com/quay/clair/v4/cmd/clair@v4.9.0` fails because the module proxy refuses the
  // module's version list; building inside a module that requires the exact version needs no list.
  return {
    label: 'scan-env',
    title: 'scanning binaries',
    executables: Object.values(EXECUTABLES),
    binDir,
    binDirEnv: SCAN_BIN_DIR_ENV,
    announce:
      `building Clair ${CLAIR_VERSION} (clair, clairctl) and crane ${CRANE_VERSION} from Go modules into ` +
      `${binDir}. This happens once per machine and takes about 5 minutes on 2 cores; Go module and build ` +
      'caches make later builds fast.',
    steps: (staging) => [
      {
        what: 'clair and clairctl',
        moduleDir: join(modules, 'clair'),
        args: [
          'build',
          '-trimpath',
          '-ldflags',
          '-s -w',
          '-o',
          `${staging}/`,
          'github.com/quay/clair/v4/cmd/clair',
          'github.com/quay/clair/v4/cmd/clairctl',
        ],
      },
      {
        what: 'crane',
        moduleDir: join(modules, 'crane'),
        args: [
          'build',
          '-trimpath',
          '-ldflags',
          '-s -w',
          '-o',
          `${staging}/`,
          'github.com/google/go-containerregistry/cmd/crane',
        ],
      },
    ],
  };
}

/**
 * Returns the paths of clair, clairctl and crane, building them from the Go module proxy the first time.
 *
 * With `NIMBUS_CLAIR_BIN_DIR` set, that directory must already hold all three; nothing is built. Otherwise
 * they are built once per machine into {@link defaultScanBinDir}, behind a file lock, and published with an
 * atomic rename (the same machinery as the control plane's binaries). Progress lines go to stderr.
 */
export async function ensureScanBinaries(options: EnsureBinariesOptions = {}): Promise<ScanBinaries> {
  const env = options.env ?? process.env;
  return scanBinariesIn(await ensureGoBinaries(scanBuild(env), { ...options, env }));
}
