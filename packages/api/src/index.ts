/**
 * `@nimbus-ts/api` — the Nimbus API: the wire contract between users, the core operator and the adapters.
 *
 * The five `intent.security.nimbus.com/v1alpha1` CustomResourceDefinitions (`crdDirectory()`, shipped in `crds/`,
 * the single source of truth), the TypeScript types generated from them, the constants and `RESOURCES` that
 * address them, and the contract between the core operator and the adapters: the Lease name, label and
 * annotations with which a running adapter tells the core operator which intents it enforces
 * (`announcementMetadata`, `liveAdapters`), the binding that owns a policy (`bindingOwner`), the annotation that
 * marks an adapter's objects (`MANAGED_BY_ANNOTATION`, `managerName`) and the condition an adapter reports on a
 * policy (`adapterConditionType`).
 *
 * @packageDocumentation
 */

export { adapterConditionType } from './adapter-condition.js';
export {
  ADAPTER_LABEL,
  type AnnouncedAdapter,
  adapterLeaseName,
  announcedKinds,
  announcementMetadata,
  INTENTS_ANNOTATION,
  KINDS_ANNOTATION,
  liveAdapters,
  liveAnnouncement,
} from './announcement.js';
export * from './constants.js';
export { crdDirectory } from './crds.js';
export type * from './generated.js';
export { MANAGED_BY_ANNOTATION, managerName } from './managed-by.js';
export { bindingOwner } from './owner.js';
export type * from './types.js';
