/**
 * @nimbus-ts/adapter-kubearmor.
 *
 * The KubeArmor adapter will build security.kubearmor.com/v1 KubeArmorPolicy objects from NimbusPolicies (see docs/ARCHITECTURE.md). The package exists now so the workspace, build and release pipeline
 * are in place; its code lands with its own issue.
 *
 * @packageDocumentation
 */
export {};
