/**
 * `@nimbus-ts/adapter-sdk` — what an adapter is written with: a declaration (name, intent IDs, the kinds it
 * writes, its inputs) and a pure `build(policy, context) → objects`.
 *
 * `createAdapter` runs a declaration inside a process: it watches (Cluster)NimbusPolicies, owns, drift-repairs
 * and cleans up the engine-native objects, reports them in the policy status (`mergeAdapterReport`) and records
 * Events; `runAdapter` is the whole process (`runComponent` plus the announcement Lease). `desiredState` is the
 * same decision without a cluster, for renderers and tests. Adapter test helpers (`exerciseAdapter`) live in the
 * separate `@nimbus-ts/adapter-sdk/testing` entry point.
 *
 * @packageDocumentation
 */

export { type Adapter, type AdapterOptions, createAdapter } from './adapter.js';
export type {
  AdapterDeclaration,
  BuildContext,
  Builder,
  DesiredObject,
  SupportedRule,
} from './declaration.js';
export { type DesiredChild, type DesiredState, desiredState, statusEntry } from './desired.js';
export {
  type ChildrenPlan,
  ENGINE_OBJECT_REJECTED,
  engineObjectRejectedMessage,
  type Holding,
  holdingOf,
  type NameConflict,
  nameConflictMessage,
  planChildren,
} from './ownership.js';
export { type RunAdapterOptions, runAdapter } from './run-adapter.js';
export {
  type AdapterReport,
  type AdapterStatusFields,
  mergeAdapterReport,
  ownStatusFields,
} from './status-fields.js';
export { supportedRules } from './supported-rules.js';
