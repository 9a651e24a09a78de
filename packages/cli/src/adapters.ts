// The declarations only (the packages' light ./declaration entry points), not the adapters' processes.
import admissionDeclaration from '@nimbus-ts/adapter-admission/declaration';
import clairScanDeclaration from '@nimbus-ts/adapter-clair/declaration';
import k8tlsAdapter from '@nimbus-ts/adapter-k8tls/declaration';
import kubearmorAdapter from '@nimbus-ts/adapter-kubearmor/declaration';
import kyvernoAdapter from '@nimbus-ts/adapter-kyverno/declaration';
import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';
import type { IntentDefinition, IntentRegistry } from '@nimbus-ts/idpool';
import type { ResourceType } from '@nimbus-ts/k8s';

/**
 * The adapters `nimbus` always knows: the published ones. `render` runs their builders and `status` resolves the
 * kinds they write. Any other adapter (a third party's, or the netpol example) is loaded by module specifier
 * with `--adapter` or from a config file.
 */
export const BUILTIN_ADAPTERS: readonly AdapterDeclaration[] = Object.freeze([
  kubearmorAdapter,
  clairScanDeclaration,
  admissionDeclaration,
  kyvernoAdapter,
  k8tlsAdapter,
]);

/** A kind some adapter writes, with that adapter. */
export interface AdapterKind {
  readonly adapter: string;
  readonly resource: ResourceType;
}

/** A set of adapter declarations with the look-ups the commands need. */
export class AdapterRegistry {
  readonly adapters: readonly AdapterDeclaration[];

  /**
   * Several adapters may write the same kind: {@link AdapterRegistry.forKind} then needs to know which adapter
   * an object belongs to.
   *
   * @throws Error when two declarations share a name.
   */
  constructor(adapters: readonly AdapterDeclaration[] = BUILTIN_ADAPTERS) {
    const names = new Set<string>();
    for (const adapter of adapters) {
      if (names.has(adapter.name)) throw new Error(`adapter "${adapter.name}" is registered twice`);
      names.add(adapter.name);
    }
    this.adapters = [...adapters];
  }

  /** The adapters' names, in registration order. */
  names(): string[] {
    return this.adapters.map((a) => a.name);
  }

  /**
   * The adapter that writes objects of `kind` (upstream status entries carry the kind only, not its group): the
   * one named `manager` when it writes the kind — the adapter that recorded the entry under the policy's
   * `status.policiesByAdapter`, or the one the object's managed-by annotation names — otherwise the first
   * registered.
   */
  forKind(kind: string, manager?: string): AdapterKind | undefined {
    const writers = this.adapters.flatMap((adapter) => {
      const resource = adapter.kinds.find((k) => (k.statusKind ?? k.kind) === kind || k.kind === kind);
      return resource ? [{ adapter: adapter.name, resource }] : [];
    });
    return writers.find((w) => w.adapter === manager) ?? writers[0];
  }

  /** The adapters that enforce a canonical intent ID. */
  enforcing(canonicalId: string): AdapterDeclaration[] {
    return this.adapters.filter((a) => a.intents.includes(canonicalId));
  }

  /**
   * The definition of an intent ID (or alias) from an adapter's own registry (`AdapterDeclaration.registry`),
   * for IDs outside the ID pool that a third-party adapter defines; with the registry, to check parameters.
   */
  definition(idOrAlias: string): { definition: IntentDefinition; registry: IntentRegistry } | undefined {
    for (const adapter of this.adapters) {
      const definition = adapter.registry?.resolve(idOrAlias);
      if (definition && adapter.registry) return { definition, registry: adapter.registry };
    }
    return undefined;
  }
}
