import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The absolute path of this package's `crds/` directory: the KubeArmorPolicy CRD, written from KubeArmor's
 * published schema, for test control planes and demos that run without KubeArmor installed. In a real
 * cluster KubeArmor installs its own.
 */
export function kubearmorCrdDirectory(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'crds');
}
