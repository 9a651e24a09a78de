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
   * @throws Error when two declarations share a name, or two adapters claim the same kind: upstream's status
   *   entries (`<Kind>/<name>`) can then not be told apart, and the SDK forbids it as well.
   */
  constructor(adapters: readonly AdapterDeclaration[] = BUILTIN_ADAPTERS) {
    const names = new Set<string>();
    const kinds = new Map<string, string>();
    for (const adapter of adapters) {
      if (names.has(adapter.name)) throw new Error(`adapter "${adapter.name}" is registered twice`);
      names.add(adapter.name);
      for (const kind of adapter.kinds) {
        const other = kinds.get(kind.kind);
        if (other !== undefined)
          throw new Error(`adapters "${other}" and "${adapter.name}" both write ${kind.kind}`);
        kinds.set(kind.kind, adapter.name);
      }
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

  /** The adapter that writes objects of `kind` (upstream status entries carry the kind only, not its group). */
  forKind(kind: string): AdapterKind | undefined {
    for (const adapter of this.adapters) {
      const resource = adapter.kinds.find((k) => k.kind === kind);
      if (resource) return { adapter: adapter.name, resource };
    }
    return undefined;
  }

  /** The adapters that enforce a canonical intent ID. */
  enforcing(canonicalId: string): AdapterDeclaration[] {
    return this.adapters.filter((a) => a.intents.includes(canonicalId));
  }
}
