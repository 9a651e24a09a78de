import { clairScanDeclaration } from '@nimbus-ts/adapter-clair';
import { kubearmorAdapter } from '@nimbus-ts/adapter-kubearmor';
import { netpolAdapter } from '@nimbus-ts/example-adapter-netpol';
import type { AdapterDeclaration, ResourceType } from '@nimbus-ts/k8s';
import { UsageError } from './errors.js';

/**
 * The adapters `nimbus` knows: `render` runs their builders and `status` resolves the kinds they write. An
 * adapter is its SDK declaration, so adding one (a third party's) is one line here.
 */
export const BUILTIN_ADAPTERS: readonly AdapterDeclaration[] = Object.freeze([
  kubearmorAdapter,
  clairScanDeclaration,
  netpolAdapter,
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
   * Only the named adapters, for `--adapter`.
   *
   * @throws UsageError naming the unknown adapter and the known ones.
   */
  select(names: readonly string[]): AdapterRegistry {
    if (names.length === 0) return this;
    for (const name of names) {
      if (!this.adapters.some((a) => a.name === name)) {
        throw new UsageError(`--adapter ${name}: no such adapter; use one of ${this.names().join(', ')}`);
      }
    }
    return new AdapterRegistry(this.adapters.filter((a) => names.includes(a.name)));
  }

  /**
   * The adapter that writes objects of `kind` (upstream status entries carry the kind only, not its group): the
   * one named `manager` when it writes the kind — the adapter that recorded the entry under the policy's
   * `status.policiesByAdapter`, or the one the object's managed-by annotation names — otherwise the first
   * registered.
   */
  forKind(kind: string, manager?: string): AdapterKind | undefined {
    const writers = this.adapters.flatMap((adapter) => {
      const resource = adapter.kinds.find((k) => k.kind === kind);
      return resource ? [{ adapter: adapter.name, resource }] : [];
    });
    return writers.find((w) => w.adapter === manager) ?? writers[0];
  }

  /** The adapters that enforce a canonical intent ID. */
  enforcing(canonicalId: string): AdapterDeclaration[] {
    return this.adapters.filter((a) => a.intents.includes(canonicalId));
  }
}
