import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LockedDeb } from './lock.js';

const run = promisify(execFile);

/**
 * Path prefixes of Debian packages that never reach the image: documentation (but see {@link keepDebianPath}
 * for copyright files), translations, debugger helpers, iconv modules (Node converts text itself) and every
 * program: the image runs Node and nothing else, so it has no shell to run them with either.
 */
const DROPPED_PREFIXES = [
  'bin/',
  'sbin/',
  'usr/bin/',
  'usr/sbin/',
  'usr/libexec/',
  'usr/lib/x86_64-linux-gnu/gconv/',
  'usr/share/ca-certificates/',
  'usr/share/doc/',
  'usr/share/gcc/',
  'usr/share/gdb/',
  'usr/share/info/',
  'usr/share/lintian/',
  'usr/share/locale/',
  'usr/share/man/',
  'etc/update-motd.d/',
] as const;

/**
 * base-files is a whole root skeleton (world-writable /var/lock, a staff-owned /var/local, profiles, motd); the
 * image takes only what names the distribution and the license texts copyright files point at.
 */
const BASE_FILES_KEPT = [
  'etc/debian_version',
  'etc/host.conf',
  'etc/os-release',
  'usr/lib/os-release',
  'usr/share/common-licenses/',
  'usr/share/doc/base-files/copyright',
] as const;

/**
 * Whether a file or symbolic link of Debian package `pkg` (path relative to the root, no leading slash) belongs
 * in the base layer. Directories are not asked about: the layer has the parents of what it keeps.
 */
export function keepDebianPath(pkg: string, path: string): boolean {
  if (pkg === 'base-files') {
    return BASE_FILES_KEPT.some((kept) => (kept.endsWith('/') ? path.startsWith(kept) : path === kept));
  }
  // Licenses stay: usr/share/doc/<pkg>/copyright, and usr/share/doc/<pkg> links to the package holding it.
  if (/^usr\/share\/doc\/[^/]+\/copyright$/.test(path) || /^usr\/share\/doc\/[^/]+$/.test(path)) return true;
  return !DROPPED_PREFIXES.some((prefix) => path.startsWith(prefix));
}

/**
 * A package's entry in `/var/lib/dpkg/status`: its control fields with `Status: install ok installed` after
 * `Package:`, so vulnerability scanners (Clair, Trivy, Grype) see what the image holds as installed packages.
 */
export function dpkgStatusEntry(control: string): string {
  const lines = control.replace(/\n+$/, '').split('\n');
  const at = lines.findIndex((line) => line.startsWith('Package:'));
  if (at < 0) throw new Error(`a control file without a Package field:\n${control}`);
  lines.splice(at + 1, 0, 'Status: install ok installed');
  return `${lines.join('\n')}\n`;
}

/** The status file of several packages: their entries, by package name, separated by blank lines. */
export function dpkgStatus(entries: readonly { readonly name: string; readonly control: string }[]): string {
  return [...entries]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((entry) => dpkgStatusEntry(entry.control))
    .join('\n');
}

/**
 * The CA bundle `update-ca-certificates` would write to `/etc/ssl/certs/ca-certificates.crt` (it runs in the
 * package's maintainer script, which an unpacked .deb never ran): every certificate, ordered by file name in
 * byte order, each ending in a newline.
 */
export function caBundle(certificates: readonly { readonly name: string; readonly pem: string }[]): string {
  return [...certificates]
    .sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
    .map((c) => (c.pem.endsWith('\n') ? c.pem : `${c.pem}\n`))
    .join('');
}

/** Progress lines go here (stderr in the CLI). */
export type Progress = (line: string) => void;

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Returns the path of a pinned .deb in the download cache, downloading it first when missing. The file must have
 * the lock's SHA-256, which came from apt's signed index when the lock was written, so plain HTTP is safe.
 *
 * @throws Error naming the package, the URL and the fix when the download fails or the digest differs (a version
 *   that has left the archive after a point release is fixed by re-locking).
 */
export async function fetchDeb(deb: LockedDeb, cacheDir: string, progress: Progress): Promise<string> {
  const path = join(cacheDir, `${deb.sha256}.deb`);
  try {
    await access(path);
    return path;
  } catch {
    // Not downloaded yet.
  }
  progress(`images: downloading ${deb.name} ${deb.version} (${megabytes(deb.size)}) from ${deb.url}`);
  let bytes: Buffer;
  try {
    const res = await fetch(deb.url);
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw new Error(
      `downloading ${deb.name} ${deb.version} from ${deb.url} failed: ${(err as Error).message}. Fix: check that ` +
        "the Debian archive is reachable; if this version was superseded by a point release, run './scripts/images lock' and commit images.lock.json.",
    );
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== deb.sha256) {
    throw new Error(
      `${deb.url} has SHA-256 ${sha256}, but images.lock.json pins ${deb.sha256} for ${deb.name} ${deb.version}. ` +
        'Fix: check the mirror (a proxy may rewrite it); never edit the lock by hand, re-run ./scripts/images lock.',
    );
  }
  await mkdir(cacheDir, { recursive: true });
  const staging = `${path}.${process.pid}.partial`;
  await writeFile(staging, bytes);
  await rename(staging, path);
  return path;
}

/** A .deb unpacked into a directory, with its control fields. */
export interface UnpackedDeb {
  readonly name: string;
  readonly dir: string;
  readonly control: string;
}

/**
 * Unpacks a .deb's files with `dpkg-deb -x` (no maintainer scripts run) into `dir`, and reads its control fields.
 *
 * @throws Error with the fix when dpkg-deb is missing.
 */
export async function unpackDeb(name: string, debPath: string, dir: string): Promise<UnpackedDeb> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  try {
    await run('dpkg-deb', ['-x', debPath, dir]);
    const { stdout } = await run('dpkg-deb', ['-f', debPath], { maxBuffer: 1 << 20 });
    return { name, dir, control: stdout };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'dpkg-deb is needed to unpack Debian packages. Fix: install dpkg (apt-get install dpkg).',
      );
    }
    throw err;
  }
}

/** Reads every `*.crt` below `dir` (non-recursive), for {@link caBundle}. */
export async function readCertificates(
  dir: string,
  names: readonly string[],
): Promise<{ name: string; pem: string }[]> {
  return Promise.all(
    names
      .filter((name) => name.endsWith('.crt'))
      .map(async (name) => ({ name, pem: await readFile(join(dir, name), 'utf8') })),
  );
}
