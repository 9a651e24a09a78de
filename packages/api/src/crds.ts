import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The absolute path of the `crds/` directory shipped with this package: one CustomResourceDefinition YAML file
 * per kind, ready for `kubectl apply -f` or a test control plane's CRD installer.
 *
 * Computed from this module's own location rather than the working directory, so it is right wherever the
 * package is installed; the module sits one level below the package root both as `src/crds.ts` and as
 * `dist/crds.js`.
 */
export function crdDirectory(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'crds');
}
