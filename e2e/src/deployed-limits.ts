import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAll } from 'js-yaml';

/** The repository's deploy/ directory: the manifests whose limits the fault suite holds the processes to. */
const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

const UNITS: Readonly<Record<string, number>> = {
  Ki: 1 / 1024,
  Mi: 1,
  Gi: 1024,
  K: 1000 / 1024 / 1024,
  M: 1_000_000 / 1024 / 1024,
  G: 1_000_000_000 / 1024 / 1024,
};

/** A Kubernetes memory quantity (`256Mi`, `1Gi`, `300M`, plain bytes) in MiB. */
export function quantityToMiB(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]i?)?$/.exec(quantity.trim());
  if (!match)
    throw new Error(`"${quantity}" is not a memory quantity this suite reads (e.g. 256Mi, 1Gi, 300M)`);
  const value = Number(match[1]);
  const unit = match[2];
  return unit === undefined ? value / 1024 / 1024 : value * (UNITS[unit] ?? Number.NaN);
}

interface DeploymentDoc {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    template?: {
      spec?: { containers?: { name?: string; resources?: { limits?: { memory?: string } } }[] };
    };
  };
}

/**
 * The memory limit, in MiB, of the container named like its Deployment in `deploy/<file>`: what the kubelet
 * would OOM-kill the process at, read from the manifest users apply so the suite follows any change to it.
 *
 * @param file - path under deploy/, e.g. `core-operator/deployment.yaml`.
 * @param deployment - the Deployment's name, e.g. `nimbus-core-operator`.
 * @throws Error naming the file when the Deployment or its memory limit is missing.
 */
export function deployedMemoryLimitMiB(file: string, deployment: string): number {
  const docs = loadAll(readFileSync(`${DEPLOY}${file}`, 'utf8')) as DeploymentDoc[];
  const found = docs.find((d) => d?.kind === 'Deployment' && d.metadata?.name === deployment);
  const container = found?.spec?.template?.spec?.containers?.find((c) => c.name === deployment);
  const limit = container?.resources?.limits?.memory;
  if (!limit) {
    throw new Error(
      `deploy/${file} has no Deployment ${deployment} with a memory limit on its container ${deployment}`,
    );
  }
  return quantityToMiB(limit);
}
