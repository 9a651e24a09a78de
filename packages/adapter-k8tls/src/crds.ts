import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The absolute path of this package's `crds/` directory: the TLSAssessmentReport CRD
 * (`tls.nimbus-ts.io/v1alpha1`), which the adapter needs installed to write its reports.
 */
export function k8tlsCrdDirectory(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'crds');
}
