import { spawn } from 'node:child_process';
import { constants, existsSync } from 'node:fs';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import lockfile from 'proper-lockfile';

/** The nimbus-ts cache root: `$NIMBUS_CACHE_DIR`, else `$XDG_CACHE_HOME/nimbus-ts`, else `~/.cache/nimbus-ts`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NIMBUS_CACHE_DIR) return env.NIMBUS_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nimbus-ts');
}

/** One `go` invocation of a {@link GoBinariesSpec} build. */
export interface GoBuildStep {
  /** What it builds, for progress lines and errors (e.g. `etcd`). */
  readonly what: string;
  /** The wrapper module to run in: a directory holding the go.mod/go.sum that pin the sources. */
  readonly moduleDir: string;
  /** Arguments after `go`, e.g. `['build', '-o', staging + '/', 'example.com/cmd/x']`. */
  readonly args: readonly string[];
  /** Extra environment for this step only (e.g. `GOBIN` for `go install`). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Describes a set of executables built from Go modules into a versioned cache directory. */
export interface GoBinariesSpec {
  /** Prefix of every progress line and error message, e.g. `envtest`. */
  readonly label: string;
  /** What the set is called in messages, e.g. `control-plane binaries`. */
  readonly title: string;
  /** File names the build must leave in the directory; the cache counts as complete when all are executable. */
  readonly executables: readonly string[];
  /**
   * Where the executables end up. Put it one level below a directory named after the pinned versions
   * (`…/<versions>/bin`): that parent is what the build lock is taken on.
   */
  readonly binDir: string;
  /** Environment variable naming a directory of pre-built executables, which skips the build. */
  readonly binDirEnv: string;
  /** Printed once before a build starts: what is built, and how long it takes. */
  readonly announce: string;
  /** The `go` commands to run, in order, given the staging directory they must write into. */
  readonly steps: (staging: string) => readonly GoBuildStep[];
}

/** Options of {@link ensureGoBinaries} and the helpers built on it. */
export interface EnsureBinariesOptions {
  /** Where progress lines go; defaults to stderr. */
  readonly progress?: (line: string) => void;
  /** Environment to read the override variable, the cache location and `PATH` from; defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** The subset of `paths` that is not an executable file. */
export async function missingExecutables(paths: readonly string[]): Promise<string[]> {
  const missing: string[] = [];
  for (const path of paths) {
    try {
      await access(path, constants.X_OK);
    } catch {
      missing.push(path);
    }
  }
  return missing;
}

/**
 * Returns the directory holding `spec.executables`, building them from the Go module proxy the first time.
 *
 * With `spec.binDirEnv` set, that directory must already hold every executable and nothing is built.
 * Otherwise they are built once per machine into `spec.binDir`: a file lock makes concurrent callers (two
 * vitest workers, CI and a developer shell) wait for one build instead of building twice, and the build
 * writes into a staging directory that is renamed into place only when complete.
 *
 * @throws an error naming the fix when the override directory is incomplete, Go is missing or a build fails.
 */
export async function ensureGoBinaries(
  spec: GoBinariesSpec,
  options: EnsureBinariesOptions = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const pinned = env[spec.binDirEnv];
  if (pinned) {
    const missing = await missingExecutables(spec.executables.map((e) => join(pinned, e)));
    if (missing.length > 0) {
      throw new Error(
        `${spec.binDirEnv}=${pinned} lacks executable ${missing.join(', ')}. ` +
          `Fix: point ${spec.binDirEnv} at a directory holding ${listOf(spec.executables)}, ` +
          'or unset it to let nimbus-ts build them from Go modules.',
      );
    }
    return pinned;
  }

  const binDir = spec.binDir;
  const complete = async () =>
    (await missingExecutables(spec.executables.map((e) => join(binDir, e)))).length === 0;
  if (await complete()) return binDir;

  const versionDir = dirname(binDir);
  await mkdir(versionDir, { recursive: true });
  const lockOptions = { lockfilePath: `${versionDir}.lock`, stale: 60_000 };
  if (await lockfile.check(versionDir, lockOptions)) {
    progress(
      `${spec.label}: another process is building the binaries (lock ${versionDir}.lock); waiting for it`,
    );
  }
  const release = await lockfile.lock(versionDir, {
    ...lockOptions,
    // A build takes minutes; the lock stays fresh because proper-lockfile touches it every `update` ms,
    // and a lock left by a killed build goes stale after a minute.
    update: 10_000,
    retries: { retries: 1_000_000, minTimeout: 500, maxTimeout: 5_000 },
  });
  try {
    // Another process may have finished the build while we waited for the lock.
    if (await complete()) return binDir;
    await buildInto(spec, versionDir, env, progress);
    return binDir;
  } finally {
    await release();
  }
}

/** One command-line tool built from a Go package inside a wrapper module: see {@link goToolBuild}. */
export interface GoToolOptions {
  /** The executable's name, e.g. `helm`. */
  readonly executable: string;
  /** The pinned release, e.g. `v4.3.2`; part of the cache path, so a new pin builds anew. */
  readonly version: string;
  /** The Go package to build, e.g. `helm.sh/helm/v4/cmd/helm`. */
  readonly goPackage: string;
  /** The wrapper module (a go.mod and go.sum pinning the tool and every dependency). */
  readonly moduleDir: string;
  /** Environment variable naming a directory that already holds the executable (skips the build). */
  readonly binDirEnv: string;
  /** Prefix of progress lines and errors, e.g. `helm-env`. */
  readonly label: string;
  /** Roughly how long a cold build takes on 2 cores, for the announcement, e.g. `about 3 minutes`. */
  readonly duration: string;
  /** Extra `-X` settings for the linker, e.g. the version the tool reports. */
  readonly linkerSettings?: readonly string[];
  /** Environment to read the cache location from; defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The build of one Go tool into `<cache>/<executable>/<version>/bin`: a stripped, path-trimmed `go build` of
 * `goPackage` inside its wrapper module, whose go.sum makes it reproducible and needs no version list from
 * the proxy. For {@link ensureGoBinaries}.
 */
export function goToolBuild(options: GoToolOptions): GoBinariesSpec {
  const binDir = join(cacheRoot(options.env), options.executable, options.version, 'bin');
  const ldflags = ['-s -w', ...(options.linkerSettings ?? []).map((s) => `-X ${s}`)].join(' ');
  return {
    label: options.label,
    title: `${options.executable} ${options.version}`,
    executables: [options.executable],
    binDir,
    binDirEnv: options.binDirEnv,
    announce:
      `building ${options.executable} ${options.version} from Go modules into ${binDir}. This happens once per ` +
      `machine and takes ${options.duration} on 2 cores; Go module and build caches make later builds fast.`,
    steps: (staging) => [
      {
        what: options.executable,
        moduleDir: options.moduleDir,
        args: [
          'build',
          '-trimpath',
          '-ldflags',
          ldflags,
          '-o',
          join(staging, options.executable),
          options.goPackage,
        ],
      },
    ],
  };
}

function listOf(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** What a Go toolchain is needed for, so the "no Go" error can name it and the way around it. */
export interface GoNeed {
  /** The executables Go would build, as a phrase (e.g. `clair, clairctl and crane`). */
  readonly what: string;
  /** The environment variable that points at pre-built executables instead. */
  readonly binDirEnv: string;
}

/**
 * Finds the Go toolchain: `go` on PATH, else the official installer's location.
 *
 * @throws an error naming both fixes (install Go, or point `need.binDirEnv` at pre-built executables).
 */
export function findGoToolchain(
  env: NodeJS.ProcessEnv,
  need: GoNeed,
  fallbacks: readonly string[] = ['/usr/local/go/bin/go'],
): string {
  const candidates = [...(env.PATH ?? '').split(delimiter).map((d) => join(d, 'go')), ...fallbacks];
  const found = candidates.find((c) => c.length > 3 && existsSync(c));
  if (!found) {
    throw new Error(
      `Go is needed once to build ${need.what}, and none was found on PATH or at /usr/local/go/bin/go. ` +
        `Fix: install Go >= 1.26, or set ${need.binDirEnv} to a directory with pre-built binaries.`,
    );
  }
  return found;
}

async function buildInto(
  spec: GoBinariesSpec,
  versionDir: string,
  env: NodeJS.ProcessEnv,
  progress: (line: string) => void,
): Promise<void> {
  const go = findGoToolchain(env, { what: listOf(spec.executables), binDirEnv: spec.binDirEnv });
  const staging = join(versionDir, `bin.partial-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  const goEnv = {
    ...env,
    CGO_ENABLED: '0',
    // The wrapper modules' go.sum pins every hash; a build must never rewrite them.
    GOFLAGS: '-mod=readonly',
    GOTOOLCHAIN: env.GOTOOLCHAIN ?? 'local',
  };
  progress(`${spec.label}: ${spec.announce}`);
  try {
    for (const step of spec.steps(staging)) {
      await runGo(go, step, { ...goEnv, ...step.env }, spec.label, progress);
    }
    const missing = await missingExecutables(spec.executables.map((e) => join(staging, e)));
    if (missing.length > 0) {
      throw new Error(`${spec.label}: the Go build finished but did not produce ${missing.join(', ')}`);
    }
    await rm(spec.binDir, { recursive: true, force: true });
    // The rename publishes every executable at once, so a half-finished build is never mistaken for a cache.
    await rename(staging, spec.binDir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  progress(`${spec.label}: ${spec.title} ready in ${spec.binDir}`);
}

function runGo(
  go: string,
  step: GoBuildStep,
  env: NodeJS.ProcessEnv,
  label: string,
  progress: (line: string) => void,
): Promise<void> {
  const started = Date.now();
  const { what, moduleDir, args } = step;
  return new Promise((resolve, reject) => {
    const child = spawn(go, [...args], { cwd: moduleDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const ticker = setInterval(() => {
      const s = Math.round((Date.now() - started) / 1000);
      progress(
        `${label}: still building ${what} (${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s)`,
      );
    }, 30_000);
    child.on('error', (err) => {
      clearInterval(ticker);
      reject(new Error(`${label}: could not run ${go}: ${err.message}`));
    });
    child.on('close', (code) => {
      clearInterval(ticker);
      if (code === 0) {
        progress(`${label}: built ${what} in ${Math.round((Date.now() - started) / 1000)}s`);
        resolve();
      } else {
        reject(
          new Error(
            `${label}: building ${what} failed (go ${args[0]} exited ${code} in ${moduleDir}).\n${output.trim()}\n` +
              'Fix: a network error means the Go module proxy was unreachable (check GOPROXY and retry); ' +
              `"invalid version" or "missing go.sum entry" means ${join(moduleDir, 'go.mod')} needs a ` +
              'replace line or a "go mod tidy".',
          ),
        );
      }
    });
  });
}
