import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Progress } from './debian.js';
import {
  DEBIAN_PACKAGES,
  DEBIAN_SUITE,
  type ImagesLock,
  lockPath,
  lockProblems,
  NODE_PACKAGE,
  parsePrintUri,
} from './lock.js';

const run = promisify(execFile);

/**
 * Rewrites the lock with the current Debian 12 versions of {@link DEBIAN_PACKAGES} (as apt, from its signed
 * index, would install them) and the npm integrity of Node's `.node-version`. Run as root on Debian 12 (amd64):
 * it refreshes apt's index first.
 *
 * @throws Error naming what is missing (not bookworm, not root, apt or npm failing).
 */
export async function relock(root: string, progress: Progress, path = lockPath()): Promise<ImagesLock> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  if (!new RegExp(`^VERSION_CODENAME=${DEBIAN_SUITE}$`, 'm').test(osRelease)) {
    throw new Error(
      `the lock is written from Debian 12's own apt index. Fix: run './scripts/images lock' on Debian 12 (${DEBIAN_SUITE}).`,
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error("refreshing apt's index needs root. Fix: run './scripts/images lock' as root.");
  }
  progress("images: apt-get update (refreshing Debian's package index)");
  await run('apt-get', ['update', '-qq'], { maxBuffer: 16 << 20 });
  const { stdout } = await run('apt-get', ['download', '--print-uris', ...DEBIAN_PACKAGES], {
    maxBuffer: 1 << 20,
  });
  const packages = stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(parsePrintUri)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const version = (await readFile(join(root, '.node-version'), 'utf8')).trim();
  progress(`images: npm view ${NODE_PACKAGE}@${version} dist.integrity`);
  const integrity = (
    await run('npm', ['view', `${NODE_PACKAGE}@${version}`, 'dist.integrity'])
  ).stdout.trim();
  const lock: ImagesLock = {
    debian: { suite: DEBIAN_SUITE, packages },
    node: { package: NODE_PACKAGE, version, integrity },
  };
  const problems = lockProblems(lock, version);
  if (problems.length > 0) throw new Error(`the new lock would be wrong: ${problems.join('; ')}`);
  await writeFile(path, `${JSON.stringify(lock, null, 2)}\n`);
  for (const p of packages) progress(`images: pinned ${p.name} ${p.version}`);
  progress(`images: pinned ${NODE_PACKAGE} ${version}; wrote ${path}`);
  return lock;
}
