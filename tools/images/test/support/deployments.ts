import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../..', import.meta.url));

/** The container of a Deployment, as far as the image is concerned. */
export interface DeployedContainer {
  readonly image: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: { name: string; value?: string }[];
  readonly securityContext?: { readOnlyRootFilesystem?: boolean };
  readonly ports?: { name?: string; containerPort: number }[];
}

/** One Deployment of `deploy/` and the container that runs an image. */
export interface DeployedImage {
  /** The manifest file, relative to the repository root, e.g. `deploy/adapter-admission/deployment.yaml`. */
  readonly file: string;
  readonly name: string;
  readonly podSecurityContext?: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean };
  readonly container: DeployedContainer;
}

interface Deployment {
  kind?: string;
  metadata: { name: string };
  spec: {
    template: {
      spec: { securityContext?: DeployedImage['podSecurityContext']; containers: DeployedContainer[] };
    };
  };
}

/** Every Deployment of the kustomize manifests under `deploy/` (one container each), in file order; the Helm chart's templates (`deploy/helm`) are checked against these by its own tests. */
export function deployedImages(root = REPO_ROOT): DeployedImage[] {
  const dir = join(root, 'deploy');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('helm/'))
    .sort();
  return files.flatMap((file) =>
    (loadAll(readFileSync(join(dir, file), 'utf8')) as Deployment[])
      .filter((doc) => doc?.kind === 'Deployment')
      .map((doc) => ({
        file: relative(root, join(dir, file)),
        name: doc.metadata.name,
        ...(doc.spec.template.spec.securityContext
          ? { podSecurityContext: doc.spec.template.spec.securityContext }
          : {}),
        container: doc.spec.template.spec.containers[0] as DeployedContainer,
      })),
  );
}
