import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * One image: a deployable workspace package and how its container runs. This table is the one description of
 * the images; `deploy/` must agree with it (tools/images/test/unit/components.test.ts checks every Deployment).
 */
export interface ImageComponent {
  /** The image's repository name, e.g. `nimbus-core-operator` (pushed as `<registry>/<image>:<version>`). */
  readonly image: string;
  /** The workspace package, relative to the repository root. */
  readonly packageDir: string;
  /**
   * The package `bin` the image runs by default (its Entrypoint). The package's other bins run from the same image
   * by overriding the command, e.g. the k8tls scan jobs run `nimbus-k8tls-report`.
   */
  readonly bin: string;
  /** Every TCP port any of the image's programs listens on. */
  readonly ports: readonly number[];
}

/** The images of nimbus-ts, one per deployable component (as `deploy/` names them). */
export const COMPONENTS: readonly ImageComponent[] = [
  {
    image: 'nimbus-core-operator',
    packageDir: 'packages/core-operator',
    bin: 'nimbus-core-operator',
    ports: [8080, 8081],
  },
  {
    image: 'nimbus-kubearmor',
    packageDir: 'packages/adapter-kubearmor',
    bin: 'nimbus-kubearmor',
    ports: [8080, 8081],
  },
  {
    image: 'nimbus-kyverno',
    packageDir: 'packages/adapter-kyverno',
    bin: 'nimbus-kyverno',
    ports: [8080, 8081],
  },
  // The scanner; 8443 is Clair's notifier webhook.
  {
    image: 'nimbus-clair',
    packageDir: 'packages/adapter-clair',
    bin: 'nimbus-clair',
    ports: [8080, 8081, 8443],
  },
  // The admission adapter: builds ImageAdmissionPolicies and serves the webhook's HTTPS on 9443.
  {
    image: 'nimbus-admission',
    packageDir: 'packages/adapter-admission',
    bin: 'nimbus-admission-webhook',
    ports: [8080, 8081, 9443],
  },
  // The adapter, and the report step of its scan jobs (nimbus-k8tls-report, run by overriding the command).
  {
    image: 'nimbus-k8tls',
    packageDir: 'packages/adapter-k8tls',
    bin: 'nimbus-k8tls',
    ports: [8080, 8081],
  },
  {
    image: 'nimbus-netpol',
    packageDir: 'examples/adapter-netpol',
    bin: 'nimbus-netpol',
    ports: [8080, 8081],
  },
];

/** The registry and organisation `deploy/` pulls from. */
export const DEFAULT_REGISTRY = 'ghcr.io/nimbus-ts';

/** The repository the images are built from, for the `org.opencontainers.image.source` label. */
export const IMAGE_SOURCE = 'https://github.com/nimbus-ts/nimbus-ts';

/** What the image takes from the component's package.json. */
export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly description?: string;
  readonly license?: string;
  readonly bin: Readonly<Record<string, string>>;
}

/**
 * Reads a component's package.json.
 *
 * @throws Error when the package has no `bin` named as the component's entry point.
 */
export async function readPackage(root: string, component: ImageComponent): Promise<PackageManifest> {
  const pkg = JSON.parse(
    await readFile(join(root, component.packageDir, 'package.json'), 'utf8'),
  ) as PackageManifest;
  if (!pkg.bin?.[component.bin]) {
    throw new Error(
      `${component.packageDir}/package.json has no bin "${component.bin}", which the ${component.image} image runs`,
    );
  }
  return pkg;
}

/** The entry point of an image: Node and the bin's script, relative to the working directory `/app`. */
export function entrypointOf(pkg: PackageManifest, bin: string, node: string): string[] {
  const script = pkg.bin[bin];
  if (!script) throw new Error(`${pkg.name} has no bin "${bin}"`);
  return [node, script.replace(/^\.\//, '')];
}

/**
 * The components selected by `--component` names (image names, or package directory base names such as
 * `core-operator`); all of them when none is given.
 *
 * @throws Error listing the known names when one is unknown.
 */
export function selectComponents(names: readonly string[]): ImageComponent[] {
  if (names.length === 0) return [...COMPONENTS];
  return names.map((name) => {
    const found = COMPONENTS.find((c) => c.image === name || c.packageDir.split('/').at(-1) === name);
    if (!found) {
      throw new Error(
        `unknown component "${name}"; the images are ${COMPONENTS.map((c) => c.image).join(', ')}`,
      );
    }
    return found;
  });
}
