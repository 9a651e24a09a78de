/**
 * `@nimbus-ts/idpool`: the intent ID pool.
 *
 * Every intent ID a SecurityIntent may name (`spec.intent.id`), with a title, a description, the parameters it
 * reads and the engines that enforce it. The nine upstream Nimbus IDs keep their upstream spelling, the tutorial's
 * `pkgMgrs` is an alias of `swDeploymentTools`, and the image-security IDs belong to the Clair adapter.
 *
 * The core operator and adapters ask an {@link IntentRegistry} (usually {@link defaultRegistry}) whether an ID
 * exists, which engines handle it and whether its parameters make sense; third parties add their own IDs with
 * {@link IntentRegistry.register}.
 *
 * @packageDocumentation
 */
export { BUILTIN_INTENTS, type BuiltinIntentId, IntentIds, SubPolicyIds } from './builtin.js';
export { defaultRegistry } from './default-registry.js';
export {
  type EngineName,
  type IntentDefinition,
  KNOWN_ENGINES,
  type KnownEngine,
  type ParamDefinition,
} from './intent-id.js';
export { type IntentParams, type ParamIssue, validateIntentParams } from './param-validation.js';
export { INTENT_ID_PATTERN, IntentRegistry } from './registry.js';
