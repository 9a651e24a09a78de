/** The well-known annotation naming the tool that manages an object (upstream Nimbus uses an annotation, not a label). */
export const MANAGED_BY_ANNOTATION = 'app.kubernetes.io/managed-by';

/** The `app.kubernetes.io/managed-by` value of an adapter's objects, e.g. `nimbus-kubearmor`: upstream's spelling. */
export function managerName(adapterName: string): string {
  return `nimbus-${adapterName}`;
}
