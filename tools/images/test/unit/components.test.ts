import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_DIR } from '../../src/app.js';
import { NONROOT } from '../../src/base.js';
import {
  COMPONENTS,
  DEFAULT_REGISTRY,
  entrypointOf,
  type PackageManifest,
  selectComponents,
} from '../../src/components.js';
import { NODE_BINARY } from '../../src/node-runtime.js';
import { deployedImages, REPO_ROOT } from '../support/deployments.js';

// The component table is the one description of the images (there are no Dockerfiles): each Deployment of
// deploy/ must pull an image the table builds, at the package's version, run one of that package's bins the way
// the image can (Node at its path, scripts relative to the working directory), as the image's user, and name
// only ports the image exposes. A package may ship several bins in one image; a Deployment picks another one
// by overriding the container's command.

/** Which bin each Deployment runs, and whether it elects a leader (for the admission adapter: its builder only). */
const DEPLOYMENT_BINS: Record<string, { bin: string; leaderElect: boolean }> = {
  'nimbus-core-operator': { bin: 'nimbus-core-operator', leaderElect: true },
  'nimbus-kubearmor': { bin: 'nimbus-kubearmor', leaderElect: true },
  'nimbus-kyverno': { bin: 'nimbus-kyverno', leaderElect: true },
  'nimbus-clair': { bin: 'nimbus-clair', leaderElect: true },
  // The admission webhook elects only its builder: every replica serves (the webhook needs no leadership).
  'nimbus-admission': { bin: 'nimbus-admission-webhook', leaderElect: true },
  'nimbus-k8tls': { bin: 'nimbus-k8tls', leaderElect: true },
  'nimbus-netpol': { bin: 'nimbus-netpol', leaderElect: true },
};

const deployments = deployedImages();
const packageOf = (packageDir: string) =>
  JSON.parse(readFileSync(join(REPO_ROOT, packageDir, 'package.json'), 'utf8')) as PackageManifest;

describe('deploy/', () => {
  it('runs every image the builder makes, and only those', () => {
    const pulled = new Set(deployments.map((d) => d.container.image.replace(/:[^:/]+$/, '')));
    expect([...pulled].sort()).toEqual(COMPONENTS.map((c) => `${DEFAULT_REGISTRY}/${c.image}`).sort());
    expect(deployments.map((d) => d.name).sort()).toEqual(Object.keys(DEPLOYMENT_BINS).sort());
  });
});

describe.each(COMPONENTS)('the $image image', (component) => {
  const pkg = packageOf(component.packageDir);
  const entrypoint = entrypointOf(pkg, component.bin, NODE_BINARY);
  const uses = deployments.filter((d) =>
    d.container.image.startsWith(`${DEFAULT_REGISTRY}/${component.image}:`),
  );

  it('runs a bin of its package, whose source exists', () => {
    expect(entrypoint[0]).toBe(NODE_BINARY);
    const script = entrypoint[1] ?? '';
    expect(`./${script}`).toBe(pkg.bin[component.bin]);
    expect(
      existsSync(
        join(REPO_ROOT, component.packageDir, script.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts')),
      ),
    ).toBe(true);
  });

  it('is pulled by at least one Deployment, at the package version', () => {
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses)
      expect(use.container.image, use.file).toBe(`${DEFAULT_REGISTRY}/${component.image}:${pkg.version}`);
  });

  it.each(uses.map((u) => [u.file, u] as const))(
    '%s runs its bin with the Node the image has',
    (_file, use) => {
      const expected = DEPLOYMENT_BINS[use.name];
      expect(expected, `${use.name} is listed in DEPLOYMENT_BINS`).toBeDefined();
      // A command replaces the image's Entrypoint; relative scripts resolve against the working directory /app.
      const argv = use.container.command ?? entrypoint;
      expect(argv[0]).toBe(NODE_BINARY);
      const script = argv.at(-1) ?? '';
      expect(script.startsWith('/') ? script : `${APP_DIR}/${script}`).toBe(
        `${APP_DIR}/${(pkg.bin[expected?.bin ?? ''] ?? '?').replace(/^\.\//, '')}`,
      );
      expect(use.container.args).toContain(`--leader-elect=${expected?.leaderElect}`);
    },
  );

  it.each(uses.map((u) => [u.file, u] as const))('%s runs as the image user, read-only', (_file, use) => {
    expect(use.podSecurityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: NONROOT.uid,
      runAsGroup: NONROOT.gid,
    });
    expect(use.container.securityContext?.readOnlyRootFilesystem).toBe(true);
  });

  it.each(uses.map((u) => [u.file, u] as const))('%s names only ports the image exposes', (_file, use) => {
    const named = use.container.ports?.map((p) => p.containerPort) ?? [];
    expect(named.length).toBeGreaterThan(0);
    expect(component.ports).toEqual(expect.arrayContaining(named));
  });
});

describe('selectComponents', () => {
  it.each([
    [[], COMPONENTS.map((c) => c.image)],
    [['nimbus-clair'], ['nimbus-clair']],
    [
      ['core-operator', 'adapter-netpol'],
      ['nimbus-core-operator', 'nimbus-netpol'],
    ],
  ])('%j → %j', (names, images) => {
    expect(selectComponents(names).map((c) => c.image)).toEqual(images);
  });

  it('names the images when it does not know one', () => {
    expect(() => selectComponents(['nimbus-falco'])).toThrow(
      'unknown component "nimbus-falco"; the images are nimbus-core-operator, nimbus-kubearmor, nimbus-kyverno, nimbus-clair, nimbus-admission, nimbus-k8tls, nimbus-netpol',
    );
  });
});
