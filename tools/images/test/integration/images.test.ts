import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { k8tlsCrdDirectory } from '@nimbus-ts/adapter-k8tls';
import { kubearmorCrdDirectory } from '@nimbus-ts/adapter-kubearmor';
import { crdDirectory as nimbusCrds } from '@nimbus-ts/api';
import {
  cacheRoot,
  freeLoopbackPorts,
  pollUntil,
  startComponentProcess,
  type TestNamespace,
} from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { kyvernoCrdDirectories } from '@nimbus-ts/kyverno-testenv';
import { crdDirectory as scanningCrds } from '@nimbus-ts/scan-api';
import { ensureScanBinaries, type Registry, startRegistry } from '@nimbus-ts/scan-testenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NONROOT } from '../../src/base.js';
import { type BuiltImage, buildImages, gitHead } from '../../src/build.js';
import { COMPONENTS, DEFAULT_REGISTRY } from '../../src/components.js';
import { pushLayout } from '../../src/push.js';
import { SIZE_TARGET_BYTES, summaryLine } from '../../src/summary.js';
import { type DeployedImage, deployedImages, REPO_ROOT } from '../support/deployments.js';

const run = promisify(execFile);

// The proof that the images work, with no Docker anywhere: every image is built twice (same digests), pushed to
// a real OCI registry with crane, pulled back as a filesystem, checked for owners and modes, and each program a
// Deployment of deploy/ runs from it is started the way a container runtime would — in the image's root, as the
// image's user, in its working directory, with its environment only, on a read-only root — against the real API
// server, until /readyz answers 200; then it must stop cleanly on SIGTERM.
//
// Mounting and chroot need root (CI runs as root); elsewhere the file is skipped, and says so.

const isRoot = process.getuid?.() === 0;

/**
 * Runs argv in an image's root filesystem like a container runtime with readOnlyRootFilesystem: a private mount
 * namespace where the root is bind-mounted read-only and a read-only directory with the kubeconfig covers /tmp
 * (so nothing at all is writable), then chroot, working directory, and the image's user and group (supplementary
 * groups dropped).
 */
const RUN_IN_IMAGE = `set -eu
root=$1 secrets=$2 user=$3 workdir=$4; shift 4
mount --bind "$root" "$root"
mount -o remount,bind,ro "$root"
mount --bind "$secrets" "$root/tmp"
mount -o remount,bind,ro "$root/tmp"
if touch "$root/.rw-probe" 2>/dev/null || touch "$root/tmp/.rw-probe" 2>/dev/null; then
  echo "the image's root filesystem is writable; refusing to run" >&2
  exit 97
fi
exec unshare --root="$root" --wd="$workdir" --setgid="\${user#*:}" --setuid="\${user%%:*}" -- "$@"`;

/** What the Deployment's Pod would get from the downward API and the Secrets we do not mount here. */
async function testEnvironment(
  deployment: DeployedImage,
  namespace: string,
): Promise<Record<string, string>> {
  const common = { POD_NAMESPACE: namespace, POD_NAME: `${deployment.name}-image-test` };
  if (deployment.name === 'nimbus-clair') return { ...common, CLAIR_URL: 'http://127.0.0.1:9' };
  // deploy/ gives the k8tls adapter its own namespace as the scan namespace.
  if (deployment.name === 'nimbus-k8tls') return { ...common, K8TLS_NAMESPACE: namespace };
  if (deployment.name === 'nimbus-admission') {
    const [port = 0] = await freeLoopbackPorts(1);
    // No ValidatingWebhookConfiguration: this proves the process runs, and a fail-closed webhook pointing at a
    // stopped process would refuse other tests' Pods.
    return { ...common, WEBHOOK_PORT: String(port), WEBHOOK_MANAGE_CONFIGURATION: 'false' };
  }
  return common;
}

interface ImageConfig {
  config: { User: string; WorkingDir: string; Entrypoint: string[]; Env: string[] };
}

interface Pulled {
  readonly reference: string;
  readonly rootfs: string;
  readonly config: ImageConfig;
}

/** Every path below `dir` (relative), with lstat, for owner and mode checks. */
async function walk(
  dir: string,
  relative = '',
): Promise<{ path: string; uid: number; gid: number; mode: number }[]> {
  const out: { path: string; uid: number; gid: number; mode: number }[] = [];
  for (const name of await readdir(join(dir, relative))) {
    const path = relative ? `${relative}/${name}` : name;
    const stat = await lstat(join(dir, path));
    out.push({ path, uid: stat.uid, gid: stat.gid, mode: stat.mode });
    if (stat.isDirectory()) out.push(...(await walk(dir, path)));
  }
  return out;
}

describe.skipIf(!isRoot)('the component images, built without Docker', () => {
  const env = envtest();
  const deployments = deployedImages();
  const pulled = new Map<string, Pulled>();
  let work: string;
  let first: BuiltImage[] = [];
  let second: BuiltImage[] = [];
  let crane: string;
  let registry: Registry | undefined;
  let ns: TestNamespace | undefined;
  const pulledImage = (image: string): Pulled => {
    const found = pulled.get(image);
    if (!found) throw new Error(`${image} was not pulled back: its push test failed first (see above)`);
    return found;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'nimbus-images-test-'));
    const head = await gitHead(REPO_ROOT);
    const build = (out: string) =>
      buildImages({
        root: REPO_ROOT,
        components: COMPONENTS,
        outDir: join(work, out),
        cacheDir: join(cacheRoot(), 'images', 'downloads'),
        sourceDateEpoch: head?.time ?? 0,
        ...(head ? { revision: head.revision } : {}),
        progress: (line) => process.stderr.write(`${line}\n`),
      });
    first = await build('first');
    second = await build('second');
    for (const image of first) process.stderr.write(`${summaryLine(image)}\n`);
    crane = (await ensureScanBinaries()).crane;
    registry = await startRegistry({ crane });
    // The Kyverno adapter is ready once it can list Kyverno's Policies and ClusterPolicies (kyverno.io's CRDs).
    const kyvernoIo = (await kyvernoCrdDirectories()).filter((d) => d.endsWith('/kyverno'));
    await env.installCRDs([
      nimbusCrds(),
      kubearmorCrdDirectory(),
      scanningCrds(),
      k8tlsCrdDirectory(),
      ...kyvernoIo,
    ]);
    ns = await env.namespace('images');
  }, 40 * 60_000);

  afterAll(async () => {
    await ns?.delete({ wait: true });
    await registry?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 120_000);

  it('gives the same digests when built twice', () => {
    expect(first.map((i) => i.image)).toEqual(COMPONENTS.map((c) => c.image));
    expect(second.map((i) => [i.image, i.digest, i.layers.map((l) => l.digest)])).toEqual(
      first.map((i) => [i.image, i.digest, i.layers.map((l) => l.digest)]),
    );
  });

  it('shares one base layer and one Node layer between all images, so registries store them once', () => {
    expect(new Set(first.map((i) => i.layers[0]?.digest)).size).toBe(1);
    expect(new Set(first.map((i) => i.layers[1]?.digest)).size).toBe(1);
    expect(new Set(first.map((i) => i.layers[2]?.digest)).size).toBe(first.length);
  });

  it(`stays within ${SIZE_TARGET_BYTES / 1e6} MB compressed`, () => {
    for (const image of first) expect(image.size, summaryLine(image)).toBeLessThanOrEqual(SIZE_TARGET_BYTES);
  });

  describe.each(COMPONENTS)('$image', (component) => {
    const image = () => first.find((i) => i.image === component.image) as BuiltImage;
    const uses = deployments.filter((d) =>
      d.container.image.startsWith(`${DEFAULT_REGISTRY}/${component.image}:`),
    );

    it('goes to a registry with crane and comes back as the same image', async () => {
      const built = image();
      const host = (registry as Registry).host;
      const reference = `${host}/${built.image}:${built.tag}`;
      expect(await pushLayout(crane, built.layoutDir, reference, built.digest)).toBe(
        `${host}/${built.image}@${built.digest}`,
      );
      expect((await run(crane, ['digest', reference])).stdout.trim()).toBe(built.digest);
      const config = JSON.parse((await run(crane, ['config', reference])).stdout) as ImageConfig;
      expect(config.config).toMatchObject({ User: `${NONROOT.uid}:${NONROOT.gid}`, WorkingDir: '/app' });
      expect(config.config.Entrypoint).toEqual(built.entrypoint);

      const rootfs = join(work, 'rootfs', built.image);
      await mkdir(rootfs, { recursive: true });
      const exported = join(work, `${built.image}.tar`);
      await run(crane, ['export', reference, exported]);
      await run('tar', ['--numeric-owner', '--same-owner', '-xpf', exported, '-C', rootfs]);
      await rm(exported);
      pulled.set(built.image, { reference, rootfs, config });
    }, 300_000);

    it('is owned by root, writable only in /tmp, with a private home for nonroot and no shell', async () => {
      const { rootfs } = pulledImage(component.image);
      const entries = await walk(rootfs);
      expect(entries.length).toBeGreaterThan(1000);
      const owners = entries
        .filter((e) => e.uid !== 0 || e.gid !== 0)
        .map((e) => `${e.path} ${e.uid}:${e.gid}`);
      expect(owners).toEqual([`home/nonroot ${NONROOT.uid}:${NONROOT.gid}`]);
      const isLink = (mode: number) => (mode & 0o170000) === 0o120000;
      const writable = entries.filter((e) => !isLink(e.mode) && e.mode & 0o022).map((e) => e.path);
      expect(writable).toEqual(['tmp']);
      expect((entries.find((e) => e.path === 'tmp')?.mode ?? 0) & 0o7777).toBe(0o1777);
      expect(entries.filter((e) => e.mode & 0o6000).map((e) => e.path)).toEqual([]);
      expect((entries.find((e) => e.path === 'home/nonroot')?.mode ?? 0) & 0o777).toBe(0o700);
      for (const shell of ['bin/sh', 'usr/bin/sh', 'bin/bash']) {
        expect(entries.some((e) => e.path === shell)).toBe(false);
      }
      expect(await readFile(join(rootfs, 'etc/passwd'), 'utf8')).toContain(`nonroot:x:${NONROOT.uid}:`);
      expect(await readFile(join(rootfs, 'etc/os-release'), 'utf8')).toContain('VERSION_CODENAME=bookworm');
      expect(await readFile(join(rootfs, 'var/lib/dpkg/status'), 'utf8')).toMatch(
        /^Package: libc6\nStatus: install ok installed\n/m,
      );
    });

    it.each(uses.map((u) => [u.name, u] as const))(
      'runs %s read-only as 65532 against the API server until /readyz answers 200, and stops on SIGTERM',
      async (_name, deployment) => {
        const { rootfs, config } = pulledImage(component.image);
        const namespace = (ns as TestNamespace).name;
        // The kubeconfig is mounted read-only over /tmp, readable by the image's user, as a Secret volume would be.
        const secrets = join(work, 'secrets', deployment.name);
        await mkdir(secrets, { recursive: true });
        await writeFile(join(secrets, 'kubeconfig'), await readFile(env.kubeconfigPath));
        await chmod(join(secrets, 'kubeconfig'), 0o444);
        await chmod(secrets, 0o755);

        // What the kubelet runs: the Deployment's command if it has one, else the image's entry point, then its args.
        const [program = '', script = '', ...rest] = deployment.container.command ?? config.config.Entrypoint;
        const args = [
          ...rest,
          ...(deployment.container.args ?? []),
          '--kubeconfig=/tmp/kubeconfig',
          `--lease-namespace=${namespace}`,
          '--metrics-port=0',
          '--probe-port=0',
        ];
        const environment = Object.fromEntries(
          config.config.Env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
        );
        const running = startComponentProcess(script, args, {
          launcher: [
            'unshare',
            '--mount',
            '--propagation',
            'private',
            '--',
            'sh',
            '-c',
            RUN_IN_IMAGE,
            'run-in-image',
            rootfs,
            secrets,
            config.config.User,
            config.config.WorkingDir,
            program,
          ],
          env: { ...environment, ...(await testEnvironment(deployment, namespace)) },
        });
        const exited = new AbortController();
        void running.exited().then(() => exited.abort());
        try {
          await pollUntil('the probe port in the log', 120_000, () => running.probePort !== undefined, {
            signal: exited.signal,
          });
          await pollUntil(
            `${deployment.name} from the image to answer /readyz with 200`,
            120_000,
            async () => {
              const res = await fetch(`http://127.0.0.1:${running.probePort}/readyz`);
              await res.body?.cancel();
              return res.status === 200;
            },
            { signal: exited.signal },
          );
        } catch (err) {
          const code = running.child.exitCode ?? running.child.signalCode;
          throw new Error(
            `${(err as Error).message}${code !== null ? ` (the process exited: ${code}; its stderr is above)` : ''}\n` +
              `last log lines: ${JSON.stringify(running.logs.slice(-5))}`,
          );
        }
        // Ask the kernel, not the log: who the process is, and what its root is mounted as.
        const status = await readFile(`/proc/${running.child.pid}/status`, 'utf8');
        const ids = (field: string) =>
          status
            .match(new RegExp(`^${field}:\\s+(.*)$`, 'm'))?.[1]
            ?.trim()
            .split(/\s+/);
        expect(ids('Uid')).toEqual(Array(4).fill(String(NONROOT.uid)));
        expect(ids('Gid')).toEqual(Array(4).fill(String(NONROOT.gid)));
        expect(ids('Groups') ?? []).toEqual(expect.not.arrayContaining(['0']));
        const mounts = (await readFile(`/proc/${running.child.pid}/mountinfo`, 'utf8')).trim().split('\n');
        const mountOptions = (point: string) => mounts.find((m) => m.split(' ')[4] === point)?.split(' ')[5];
        expect(mountOptions('/')).toMatch(/^ro\b/);
        expect(mountOptions('/tmp')).toMatch(/^ro\b/);
        expect(await running.stop('SIGTERM')).toBe(0);
      },
      300_000,
    );
  });
});
