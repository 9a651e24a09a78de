import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The absolute path of the `crds/` directory shipped with this package: the scanning.nimbus-ts.io
 * CustomResourceDefinitions (ImageAdmissionPolicy, ImageScanPolicy, VulnerabilityReport), one YAML file per
 * kind plus a kustomization.yaml, ready for `kubectl apply -k` or a test control plane's CRD installer.
 *
 * Computed from this module's own location, two levels below the package root both as `src/api/crds.ts` and
 * as `dist/api/crds.js`, so it is right wherever the package is installed.
 */
export function crdDirectory(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crds');
}
