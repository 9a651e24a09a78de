import { execFile } from 'node:child_process';
import { access, copyFile, link, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { APP_DIR, appLayerEntries, deployClosure } from './app.js';
import { baseLayerContent, NONROOT } from './base.js';
import {
  entrypointOf,
  IMAGE_SOURCE,
  type ImageComponent,
  type PackageManifest,
  readPackage,
} from './components.js';
import type { Progress } from './debian.js';
import { type LayerBlob, writeLayer } from './layer.js';
import { readLock } from './lock.js';
import { fetchNodeRuntime, NODE_BINARY, nodeLayerEntries } from './node-runtime.js';
import {
  descriptorOf,
  imageConfig,
  imageManifest,
  type JsonBlob,
  jsonBlob,
  layoutIndex,
  MEDIA_TYPES,
  OCI_LAYOUT_FILE,
} from './oci.js';

const run = promisify(execFile);

/**
 * The Node options every image's process starts with, as `NODE_OPTIONS` (a Deployment's `env` may replace them).
 *
 * `--max-semi-space-size` caps V8's young generation, in MB per semi-space. Left to itself, V8 sizes it from the
 * heap limit, which it derives from the machine's memory when the container has no limit: on a 24 GB node a
 * controller filling its caches grew it to 134 MB (the KubeArmor adapter at 3,000 policies), most of its peak RSS.
 * With the cap, the young generation is the same on any node. Under a memory limit V8 derives a smaller heap, and
 * a young generation of a few MB, by itself: there the cap can make it larger, which costs a few MB and promotes
 * fewer short-lived objects to the old generation.
 * `bench/convergence.ts` runs the components with these options, as the images do.
 */
export const IMAGE_NODE_OPTIONS = '--max-semi-space-size=4';

/** The environment every image sets. */
export const IMAGE_ENV = [
  'PATH=/nodejs/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  'NODE_ENV=production',
  `NODE_OPTIONS=${IMAGE_NODE_OPTIONS}`,
] as const;

/** Options of {@link buildImages}. */
export interface BuildOptions {
  /** The repository root (holds `.node-version` and the components' packages). */
  readonly root: string;
  readonly components: readonly ImageComponent[];
  /** Each image's OCI layout goes to `<outDir>/<image>`, replacing what was there. */
  readonly outDir: string;
  /** Downloads (Debian packages, Node) are cached under here. */
  readonly cacheDir: string;
  /** The images' creation time in seconds since the epoch (SOURCE_DATE_EPOCH). */
  readonly sourceDateEpoch: number;
  /** The commit the images are built from, for the `org.opencontainers.image.revision` label. */
  readonly revision?: string;
  readonly progress: Progress;
}

/** One layer of a built image, named by what it holds. */
export interface BuiltLayer {
  readonly name: 'base' | 'node' | 'app';
  readonly digest: string;
  readonly diffId: string;
  /** Compressed size in bytes. */
  readonly size: number;
}

/** A built image: an OCI layout on disk. */
export interface BuiltImage {
  readonly component: ImageComponent;
  readonly image: string;
  /** The tag: the package version. */
  readonly tag: string;
  /** The OCI image layout directory. */
  readonly layoutDir: string;
  /** The manifest's digest: what a registry serves the image as. */
  readonly digest: string;
  /** Compressed size: every layer plus the config, as registries count it. */
  readonly size: number;
  readonly layers: readonly BuiltLayer[];
  /** The image config's run settings. */
  readonly entrypoint: readonly string[];
  readonly user: string;
}

/** The labels of a component's image (OCI annotation keys). */
export function imageLabels(
  component: ImageComponent,
  pkg: PackageManifest,
  revision: string | undefined,
): Record<string, string> {
  return {
    'org.opencontainers.image.title': component.image,
    ...(pkg.description ? { 'org.opencontainers.image.description': pkg.description } : {}),
    'org.opencontainers.image.version': pkg.version,
    ...(pkg.license ? { 'org.opencontainers.image.licenses': pkg.license } : {}),
    'org.opencontainers.image.source': IMAGE_SOURCE,
    ...(revision ? { 'org.opencontainers.image.revision': revision } : {}),
  };
}

/** The commit at `root` and its time, or nothing outside a git checkout. */
export async function gitHead(root: string): Promise<{ revision: string; time: number } | undefined> {
  try {
    const { stdout } = await run('git', ['log', '-1', '--format=%H %ct'], { cwd: root });
    const [revision, time] = stdout.trim().split(' ');
    return revision && time ? { revision, time: Number(time) } : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Puts a blob into a layout's blob directory: a hard link when possible (layers are large), else a copy. */
async function placeBlob(from: string, blobsDir: string, digest: string): Promise<void> {
  const to = join(blobsDir, digest.replace(/^sha256:/, ''));
  if (await exists(to)) return;
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

async function writeLayout(
  layoutDir: string,
  layers: readonly LayerBlob[],
  config: JsonBlob,
  manifest: JsonBlob,
  tag: string,
): Promise<void> {
  const staging = `${layoutDir}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  const blobs = join(staging, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const layer of layers) await placeBlob(layer.path, blobs, layer.digest);
  for (const doc of [config, manifest])
    await writeFile(join(blobs, doc.digest.replace(/^sha256:/, '')), doc.bytes);
  await writeFile(join(staging, 'oci-layout'), JSON.stringify(OCI_LAYOUT_FILE));
  await writeFile(join(staging, 'index.json'), JSON.stringify(layoutIndex(descriptorOf(manifest), tag)));
  await rm(layoutDir, { recursive: true, force: true });
  await rename(staging, layoutDir);
}

/**
 * Builds the image of every component as an OCI image layout under `outDir`: a base layer of pinned Debian 12
 * packages, a Node layer and an application layer with the component's production closure. The base and Node
 * layers are built once and are byte-identical in every image (registries store them once). Reproducible: the
 * same lock, closure, Node and `sourceDateEpoch` give the same digests.
 *
 * @throws Error naming the component and the fix when a package is not built, or an input cannot be fetched.
 */
export async function buildImages(options: BuildOptions): Promise<BuiltImage[]> {
  const { root, progress } = options;
  const nodeVersion = (await readFile(join(root, '.node-version'), 'utf8')).trim();
  const lock = await readLock(nodeVersion);
  const work = await mkdtemp(join(tmpdir(), 'nimbus-images-'));
  try {
    const blobs = join(work, 'blobs');
    progress('images: base layer (Debian 12 packages)');
    const base = await baseLayerContent(lock, join(options.cacheDir, 'debs'), join(work, 'debs'), progress);
    const baseBlob = await writeLayer(base.entries, blobs);
    progress(`images: Node ${nodeVersion} layer`);
    const runtime = await fetchNodeRuntime(lock.node, join(options.cacheDir, 'node'), progress);
    const nodeBlob = await writeLayer(await nodeLayerEntries(runtime), blobs);
    const created = new Date(options.sourceDateEpoch * 1000);
    const built: BuiltImage[] = [];
    for (const component of options.components) {
      const pkg = await readPackage(root, component);
      const entrypoint = entrypointOf(pkg, component.bin, NODE_BINARY);
      const main = join(root, component.packageDir, entrypoint[1] as string);
      if (!(await exists(main))) {
        throw new Error(
          `${main} is missing. Fix: build the package first: pnpm turbo run build --filter=${pkg.name}...`,
        );
      }
      const deployDir = join(work, 'deploy', component.image);
      await deployClosure(root, pkg.name, deployDir, progress);
      progress(`images: ${component.image}: application layer`);
      const appBlob = await writeLayer(
        await appLayerEntries(deployDir, join(root, component.packageDir)),
        blobs,
      );
      await rm(deployDir, { recursive: true, force: true });

      const user = `${NONROOT.uid}:${NONROOT.gid}`;
      const config = jsonBlob(
        imageConfig({
          architecture: 'amd64',
          os: 'linux',
          user,
          entrypoint,
          workingDir: APP_DIR,
          env: IMAGE_ENV,
          exposedPorts: component.ports,
          labels: imageLabels(component, pkg, options.revision),
          created,
          layers: [
            { diffId: baseBlob.diffId, createdBy: base.createdBy },
            {
              diffId: nodeBlob.diffId,
              createdBy: `nimbus-ts images: Node ${nodeVersion} (npm ${lock.node.package})`,
            },
            {
              diffId: appBlob.diffId,
              createdBy: `nimbus-ts images: ${pkg.name} ${pkg.version}, production closure (pnpm deploy --prod) in ${APP_DIR}`,
            },
          ],
        }),
        MEDIA_TYPES.config,
      );
      const layers = [baseBlob, nodeBlob, appBlob];
      const manifest = jsonBlob(imageManifest(config, layers), MEDIA_TYPES.manifest);
      const layoutDir = join(options.outDir, component.image);
      await writeLayout(layoutDir, layers, config, manifest, pkg.version);
      built.push({
        component,
        image: component.image,
        tag: pkg.version,
        layoutDir,
        digest: manifest.digest,
        size: layers.reduce((sum, layer) => sum + layer.size, config.size),
        layers: (['base', 'node', 'app'] as const).map((name, i) => {
          const layer = layers[i] as LayerBlob;
          return { name, digest: layer.digest, diffId: layer.diffId, size: layer.size };
        }),
        entrypoint,
        user,
      });
    }
    return built;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
