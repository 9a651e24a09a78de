/**
 * The engines nimbus-ts ships adapters for. `kubearmor`, `netpol`, `kyverno` and `k8tls` are upstream Nimbus's
 * engines (upstream matches them in lower case); `clair` and `admission` are this project's image-security engines.
 */
export type KnownEngine = 'kubearmor' | 'netpol' | 'kyverno' | 'k8tls' | 'clair' | 'admission';

/**
 * Every engine nimbus-ts knows about, in the order the support matrix lists them.
 */
export const KNOWN_ENGINES: readonly KnownEngine[] = Object.freeze([
  'kubearmor',
  'netpol',
  'kyverno',
  'k8tls',
  'clair',
  'admission',
]);

/**
 * The name of an engine that can enforce intents.
 *
 * @remarks
 * Third-party adapters bring their own engines, so any string is accepted. The `string & {}` half keeps editors
 * suggesting the known names instead of widening the whole union to plain `string`.
 */
export type EngineName = KnownEngine | (string & {});

/**
 * One parameter an intent reads from `spec.intent.params` (a map from name to a list of strings).
 */
export interface ParamDefinition {
  /** The key in `spec.intent.params`, spelled exactly as adapters read it. */
  readonly name: string;
  /** What the parameter changes, for people writing a SecurityIntent. */
  readonly description: string;
  /** Whether the intent is meaningless without it; a missing or empty list is then reported by validation. */
  readonly required: boolean;
  /** The only values accepted, when the parameter is an enumeration; absent means free text. */
  readonly values?: readonly string[];
  /** A value list that works, shown in documentation and in validation messages. */
  readonly example?: readonly string[];
}

/**
 * Everything nimbus-ts knows about one intent ID: what it means, what it takes and who enforces it.
 */
export interface IntentDefinition {
  /** The value of `spec.intent.id`; it must match the CRD pattern (letters and digits only). */
  readonly id: string;
  /** A short human name. */
  readonly title: string;
  /** What the intent protects against and how engines achieve it. */
  readonly description: string;
  /** Other IDs that mean the same intent, such as names used by earlier or derived Nimbus versions. */
  readonly aliases?: readonly string[];
  /** The parameters the intent reads; an empty list means it takes none. */
  readonly params: readonly ParamDefinition[];
  /** The engines whose adapters turn this intent into policies. */
  readonly engines: readonly EngineName[];
  /**
   * Names of the separate policies an engine builds for this one intent. Upstream only the KubeArmor adapter splits an
   * intent this way, and the names show up in the generated policy names.
   */
  readonly subPolicies?: readonly string[];
  /**
   * Caveats about how engines honour the intent, mostly where upstream Nimbus supports it only partly. They explain
   * surprises to operators and are not needed to enforce the intent.
   */
  readonly notes?: readonly string[];
}
