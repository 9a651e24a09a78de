import { execFile } from 'node:child_process';
import { dirname, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Progress } from './debian.js';
import { type LayerEntry, readTree } from './layer.js';

const run = promisify(execFile);

/** Where the component's production closure lives in the image, and the image's working directory. */
export const APP_DIR = '/app';

/**
 * Whether a path of `pnpm deploy`'s output belongs in the image. Left out: pnpm's install state
 * (`node_modules/.modules.yaml`, which records when it ran) and every `node_modules/.bin` directory, whose
 * shims embed the absolute path of the deploy directory, so they differ on every build, and which nothing in a
 * container runs (the entry point calls Node directly).
 */
export function keepAppPath(relativePath: string): boolean {
  if (relativePath === 'node_modules/.modules.yaml') return false;
  return !/(^|\/)node_modules\/\.bin(\/|$)/.test(relativePath);
}

/** How to run pnpm: the pnpm running this process (`pnpm vitest`, `pnpm exec`), else `pnpm` from PATH. */
export function pnpmCommand(env: NodeJS.ProcessEnv = process.env): { file: string; args: string[] } {
  const execPath = env.npm_execpath;
  if (execPath && /pnpm(\.c?js)?$/.test(execPath)) {
    return /\.c?js$/.test(execPath)
      ? { file: process.execPath, args: [execPath] }
      : { file: execPath, args: [] };
  }
  return { file: 'pnpm', args: [] };
}

/**
 * Writes a package's production closure into `dir` with `pnpm deploy --prod`: the package's files, its
 * production dependencies and the workspace packages it uses, linked the way pnpm links them (relative symbolic
 * links into `node_modules/.pnpm`), from the lockfile and the local store.
 *
 * @throws Error with pnpm's output when the deploy fails.
 */
export async function deployClosure(
  root: string,
  packageName: string,
  dir: string,
  progress: Progress,
): Promise<void> {
  progress(`images: pnpm deploy --prod ${packageName}`);
  const pnpm = pnpmCommand();
  try {
    await run(
      pnpm.file,
      [
        ...pnpm.args,
        '--filter',
        packageName,
        'deploy',
        '--prod',
        '--legacy',
        '--config.prefer-offline=true',
        dir,
      ],
      { cwd: root, maxBuffer: 64 << 20, env: { ...process.env, CI: 'true' } },
    );
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    throw new Error(
      `pnpm deploy of ${packageName} failed: ${(err as Error).message}\n${stdout}${stderr}\n` +
        "Fix: run 'CI=true pnpm install --frozen-lockfile' in the repository, then build again.",
    );
  }
}

/**
 * The target a link to the deployed package itself gets in the image: the relative path from the link's directory
 * to {@link APP_DIR}. pnpm hoists the package into its own `node_modules/.pnpm/node_modules` as a link to the
 * package's source directory in the workspace, which does not exist in the image; in the image the package is
 * `/app`, so the link keeps resolving (a package may import itself by name).
 */
export function selfLinkTarget(pathInImage: string): string {
  return posix.relative(posix.dirname(pathInImage), APP_DIR.slice(1));
}

/**
 * The application layer: the closure under {@link APP_DIR}, without what {@link keepAppPath} leaves out, every
 * link inside it (a link to `packageDir`, the package's own source, becomes {@link selfLinkTarget}).
 */
export function appLayerEntries(deployDir: string, packageDir: string): Promise<LayerEntry[]> {
  return readTree(deployDir, {
    prefix: APP_DIR.slice(1),
    include: keepAppPath,
    confineLinks: true,
    linkTarget: (link, target, path) =>
      resolve(dirname(link), target) === resolve(packageDir) ? selfLinkTarget(path) : target,
  });
}
