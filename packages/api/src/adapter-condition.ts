import { managerName } from './managed-by.js';

/**
 * The condition type an adapter sets on the policies it handles, e.g. `nimbus-kubearmor/Ready`. The core operator
 * reads it to pass a running adapter's failure on in the policy's `Enforced` condition, so it belongs to the
 * contract between them rather than to the adapter SDK.
 */
export function adapterConditionType(adapterName: string): string {
  return `${managerName(adapterName)}/Ready`;
}
