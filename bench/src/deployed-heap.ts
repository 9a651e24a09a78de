// The V8 heap a component gets where it is deployed, so that the benchmark measures that process and not one
// configured for the machine the benchmark runs on.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { load } from 'js-yaml';

const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

/** V8's smallest old-generation limit on 64-bit: it never configures less from the memory it is given. */
const V8_MIN_OLD_SPACE_MIB = 256;

/**
 * The old-generation limit, in MiB, V8 configures under a container memory limit. Node hands V8 the cgroup limit
 * (nodejs/node#27508), and V8 takes a quarter of it, doubled for 64-bit pointers, and at least its minimum.
 *
 * @param limitMiB - the container's memory limit.
 */
export function v8OldSpaceMiB(limitMiB: number): number {
  return Math.max(V8_MIN_OLD_SPACE_MIB, Math.floor(limitMiB / 4) * 2);
}

/** A Kubernetes memory quantity (`256Mi`, `1Gi`) in MiB; other forms are refused, naming the quantity. */
export function quantityMiB(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity.trim());
  if (!match) throw new Error(`"${quantity}" is not a memory quantity the benchmark reads (e.g. 256Mi, 1Gi)`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

interface DeploymentDoc {
  kind?: string;
  metadata?: { name?: string };
  spec?: {
    template?: { spec?: { containers?: { name?: string; resources?: { limits?: { memory?: string } } }[] } };
  };
}

/**
 * The memory limit, in MiB, of the container named like its Deployment in `deploy/<file>`, the manifest users
 * apply.
 *
 * @throws Error naming the file when the Deployment or its limit is missing.
 */
export function deployedMemoryLimitMiB(file: string, deployment: string): number {
  const doc = (load(readFileSync(`${DEPLOY}${file}`, 'utf8'), { json: true }) ?? {}) as DeploymentDoc;
  const container =
    doc.kind === 'Deployment' && doc.metadata?.name === deployment
      ? doc.spec?.template?.spec?.containers?.find((c) => c.name === deployment)
      : undefined;
  const limit = container?.resources?.limits?.memory;
  if (!limit)
    throw new Error(`deploy/${file} has no Deployment ${deployment} with a memory limit on its container`);
  return quantityMiB(limit);
}
