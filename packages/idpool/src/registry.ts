import { BUILTIN_INTENTS } from './builtin.js';
import { freezeDefinition } from './freeze.js';
import type { EngineName, IntentDefinition } from './intent-id.js';
import { type IntentParams, type ParamIssue, validateIntentParams } from './param-validation.js';

/**
 * What an intent ID or alias must look like. It is the SecurityIntent CRD's pattern `^[a-zA-Z0-9]*$`, minus the
 * empty string, which the CRD lets through but which can never name an intent.
 */
export const INTENT_ID_PATTERN = /^[a-zA-Z0-9]+$/;

// Engines are matched without case, as upstream's IsIdSupportedBy does, so `KubeArmor` and `kubearmor` agree.
function sameEngine(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

// How errors refer to a name, so the reader can tell an ID from an alias and see which intent it belongs to.
function describeName(definition: IntentDefinition, name: string): string {
  return name === definition.id ? `intent ID "${name}"` : `alias "${name}" of intent "${definition.id}"`;
}

/**
 * The set of intent IDs an operator understands: the built-ins plus whatever third parties register.
 *
 * @remarks
 * Definitions are stored as frozen copies, so neither the registering code nor readers can change them afterwards.
 * IDs and aliases share one namespace and must differ by more than letter case, because adapters name the policies
 * they generate after the lower-cased ID and two such IDs would fight over the same policy objects.
 */
export class IntentRegistry {
  readonly #byId = new Map<string, IntentDefinition>();
  readonly #aliasToId = new Map<string, string>();
  /** Lower-cased ID or alias → the ID that owns it, to find collisions however the name is spelt. */
  readonly #owners = new Map<string, string>();

  /**
   * @param definitions - what the registry starts with; the built-in intents unless given. Pass `[]` for an empty one.
   * @throws Error when the definitions break the rules of {@link IntentRegistry.register}.
   */
  constructor(definitions: Iterable<IntentDefinition> = BUILTIN_INTENTS) {
    for (const definition of definitions) this.register(definition);
  }

  /**
   * Adds a third-party intent.
   *
   * @returns the stored, frozen copy of `definition`.
   * @throws Error naming the offending ID, alias, parameter or engine when an ID or alias does not match
   *   {@link INTENT_ID_PATTERN}, is already taken (also by a spelling that differs only in case), or when a
   *   parameter or engine name is empty or listed twice. Nothing is registered then.
   */
  register(definition: IntentDefinition): IntentDefinition {
    const names = [definition.id, ...(definition.aliases ?? [])];
    const seen = new Map<string, string>();
    for (const name of names) {
      const label = describeName(definition, name);
      if (!INTENT_ID_PATTERN.test(name)) {
        throw new Error(
          `Cannot register ${label}: SecurityIntent IDs may contain only letters and digits (${INTENT_ID_PATTERN.source}).`,
        );
      }
      const key = name.toLowerCase();
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        throw new Error(
          `Cannot register ${label}: it repeats "${earlier}" (letter case aside) within the same definition; keep one.`,
        );
      }
      seen.set(key, name);
      this.#assertFree(name, label);
    }
    this.#assertUniqueNames(
      definition,
      'parameter',
      definition.params.map((param) => param.name),
    );
    this.#assertUniqueNames(definition, 'engine', definition.engines);

    const stored = freezeDefinition(definition);
    this.#byId.set(stored.id, stored);
    for (const name of names) this.#owners.set(name.toLowerCase(), stored.id);
    for (const alias of stored.aliases ?? []) this.#aliasToId.set(alias, stored.id);
    return stored;
  }

  #assertFree(name: string, label: string): void {
    const key = name.toLowerCase();
    const owner = this.#owners.get(key);
    const existing = owner === undefined ? undefined : this.#byId.get(owner);
    if (existing === undefined) return;
    const clash =
      [existing.id, ...(existing.aliases ?? [])].find((taken) => taken.toLowerCase() === key) ?? name;
    const clashLabel = describeName(existing, clash);
    const reason =
      clash === name
        ? `"${name}" is already taken by ${clashLabel}`
        : `it differs only in letter case from ${clashLabel}, and adapters name policies after the lower-cased ID`;
    throw new Error(`Cannot register ${label}: ${reason}. Choose another name.`);
  }

  #assertUniqueNames(definition: IntentDefinition, kind: string, names: readonly string[]): void {
    const seen = new Set<string>();
    for (const name of names) {
      if (name.length === 0) throw new Error(`Intent "${definition.id}" has an empty ${kind} name.`);
      // Engines compare without case, so `Clair` next to `clair` is the same engine listed twice.
      const key = kind === 'engine' ? name.toLowerCase() : name;
      if (seen.has(key)) throw new Error(`Intent "${definition.id}" lists ${kind} "${name}" more than once.`);
      seen.add(key);
    }
  }

  /**
   * Finds the definition for an ID or one of its aliases (`pkgMgrs` gives `swDeploymentTools`). Matching is exact,
   * as the CRD's is.
   */
  resolve(idOrAlias: string): IntentDefinition | undefined {
    return this.#byId.get(this.#aliasToId.get(idOrAlias) ?? idOrAlias);
  }

  /** The canonical ID for an ID or alias, or `undefined` when the registry does not know it. */
  canonicalId(idOrAlias: string): string | undefined {
    return this.resolve(idOrAlias)?.id;
  }

  /** Whether `idOrAlias` names a registered intent. */
  isKnown(idOrAlias: string): boolean {
    return this.resolve(idOrAlias) !== undefined;
  }

  /** The intents `engine` enforces, in registration order. Engine names match without case. */
  supportedBy(engine: EngineName): IntentDefinition[] {
    return this.all().filter((definition) => definition.engines.some((name) => sameEngine(name, engine)));
  }

  /** The engines that enforce the intent named by `idOrAlias`; empty when it is unknown. */
  enginesFor(idOrAlias: string): EngineName[] {
    return [...(this.resolve(idOrAlias)?.engines ?? [])];
  }

  /**
   * Whether `engine` enforces the intent named by `idOrAlias`: the question an adapter asks before it skips a rule,
   * like upstream's IsIdSupportedBy.
   */
  isSupportedBy(idOrAlias: string, engine: EngineName): boolean {
    return this.enginesFor(idOrAlias).some((name) => sameEngine(name, engine));
  }

  /**
   * Checks the `params` of a SecurityIntent against the intent's definition: unknown names, missing required
   * parameters and values outside an enumeration.
   *
   * @returns one issue per problem, each with a message that says how to fix it; empty when all is well.
   * @throws Error when `idOrAlias` is unknown: whether an ID exists is {@link IntentRegistry.isKnown}'s question,
   *   and answering it with parameter issues would hide the real problem.
   */
  validateParams(idOrAlias: string, params: IntentParams | undefined): ParamIssue[] {
    const definition = this.resolve(idOrAlias);
    if (definition === undefined) {
      throw new Error(`Unknown intent ID "${idOrAlias}": check it with isKnown() or register it first.`);
    }
    return validateIntentParams(definition, params);
  }

  /** Every registered intent, built-ins first, then in registration order. */
  all(): IntentDefinition[] {
    return [...this.#byId.values()];
  }
}
