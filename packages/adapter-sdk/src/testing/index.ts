/**
 * `@nimbus-ts/adapter-sdk/testing` — proofs that an adapter keeps the SDK contract, on the real control plane of
 * `@nimbus-ts/k8s/testing`: `exerciseAdapter` (build, report, re-create, follow, delete, Events) and
 * `checkAdapterLeastPrivilege` (the same run under exactly the shipped RBAC rules, then once per rule removed).
 *
 * @packageDocumentation
 */

export {
  type AdapterLeastPrivilegeOptions,
  checkAdapterLeastPrivilege,
  type ExerciseAdapterOptions,
  exerciseAdapter,
} from './exercise-adapter.js';
