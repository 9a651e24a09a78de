import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  caBundle,
  dpkgStatus,
  fetchDeb,
  keepDebianPath,
  type Progress,
  readCertificates,
  unpackDeb,
} from './debian.js';
import { type LayerEntry, ROOT_OWNER, readTree } from './layer.js';
import type { ImagesLock } from './lock.js';

/** The user every image runs as, as in distroless images and in every Deployment of `deploy/`. */
export const NONROOT = { name: 'nonroot', uid: 65532, gid: 65532, home: '/home/nonroot' } as const;

/** `/etc/passwd`: root, nobody and nonroot, none with a login shell (the image has no shell). */
export function passwdFile(): string {
  return [
    'root:x:0:0:root:/root:/sbin/nologin',
    'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
    `${NONROOT.name}:x:${NONROOT.uid}:${NONROOT.gid}:${NONROOT.name}:${NONROOT.home}:/sbin/nologin`,
    '',
  ].join('\n');
}

/** `/etc/group`, matching {@link passwdFile}. */
export function groupFile(): string {
  return ['root:x:0:', 'nobody:x:65534:', `${NONROOT.name}:x:${NONROOT.gid}:`, ''].join('\n');
}

/**
 * `/etc/nsswitch.conf`: users and hosts from files first, then DNS, as glibc's Debian default does; without it
 * glibc asks DNS before /etc/hosts.
 */
export const NSSWITCH_CONF = [
  'passwd:         files',
  'group:          files',
  'shadow:         files',
  'hosts:          files dns',
  'networks:       files',
  'protocols:      files',
  'services:       files',
  'ethers:         files',
  'rpc:            files',
  '',
].join('\n');

/** Where the CA bundle goes, as Debian's `update-ca-certificates` writes it. */
export const CA_BUNDLE_PATH = 'etc/ssl/certs/ca-certificates.crt';

function file(path: string, text: string, mode = 0o644): LayerEntry {
  return { type: 'file', path, mode, ...ROOT_OWNER, content: { bytes: Buffer.from(text, 'utf8') } };
}

/**
 * What the builder writes itself, beside the Debian files: users and groups, name-service order, the CA bundle,
 * the dpkg database, and the directories with a mode of their own (/tmp sticky and world-writable, the homes
 * private). Everything else in the image is owned by root and writable by nobody else.
 */
export function generatedBaseEntries(input: {
  readonly certificates: readonly { readonly name: string; readonly pem: string }[];
  readonly packages: readonly { readonly name: string; readonly control: string }[];
}): LayerEntry[] {
  return [
    { type: 'directory', path: 'tmp', mode: 0o1777, ...ROOT_OWNER },
    { type: 'directory', path: 'root', mode: 0o700, ...ROOT_OWNER },
    { type: 'directory', path: 'home', mode: 0o755, ...ROOT_OWNER },
    { type: 'directory', path: 'home/nonroot', mode: 0o700, uid: NONROOT.uid, gid: NONROOT.gid },
    // Clair's dpkg scanner reads a status file only when an info/ directory is beside it.
    { type: 'directory', path: 'var/lib/dpkg/info', mode: 0o755, ...ROOT_OWNER },
    file('etc/passwd', passwdFile()),
    file('etc/group', groupFile()),
    file('etc/nsswitch.conf', NSSWITCH_CONF),
    file(CA_BUNDLE_PATH, caBundle(input.certificates)),
    file('var/lib/dpkg/status', dpkgStatus(input.packages)),
  ];
}

/** The base layer's entries and a one-line account of them, for the image history. */
export interface BaseLayerContent {
  readonly entries: LayerEntry[];
  readonly createdBy: string;
}

/**
 * The base layer: the pinned Debian packages (downloaded into `debCache` once), unpacked without running any
 * maintainer script, with what no runtime needs left out ({@link keepDebianPath}), plus
 * {@link generatedBaseEntries}. `workDir` receives the unpacked packages and must stay until the layer is written.
 */
export async function baseLayerContent(
  lock: ImagesLock,
  debCache: string,
  workDir: string,
  progress: Progress,
): Promise<BaseLayerContent> {
  const entries: LayerEntry[] = [];
  const packages: { name: string; control: string }[] = [];
  let certificates: { name: string; pem: string }[] = [];
  for (const deb of lock.debian.packages) {
    const path = await fetchDeb(deb, debCache, progress);
    const unpacked = await unpackDeb(deb.name, path, join(workDir, deb.name));
    packages.push({ name: deb.name, control: unpacked.control });
    entries.push(
      ...(await readTree(unpacked.dir, { prefix: '', include: (rel) => keepDebianPath(deb.name, rel) })),
    );
    if (deb.name === 'ca-certificates') {
      const dir = join(unpacked.dir, 'usr/share/ca-certificates/mozilla');
      certificates = await readCertificates(dir, await readdir(dir));
    }
  }
  if (certificates.length === 0) {
    throw new Error(
      'the ca-certificates package holds no usr/share/ca-certificates/mozilla/*.crt; re-lock it',
    );
  }
  entries.push(...generatedBaseEntries({ certificates, packages }));
  const versions = lock.debian.packages.map((p) => `${p.name} ${p.version}`).join(', ');
  return {
    entries,
    createdBy: `nimbus-ts images: Debian 12 (${lock.debian.suite}) base: ${versions}; user ${NONROOT.name} (${NONROOT.uid})`,
  };
}
