import type { KubernetesObject } from '@kubernetes/client-node';
import type { ResourceType } from '@nimbus-ts/k8s';
import { GROUP } from './constants.js';

/** Label on an adapter's Lease naming the adapter; the core operator watches Leases with this label. */
export const ADAPTER_LABEL = `${GROUP}/adapter`;

/** Annotation on an adapter's Lease listing the intent IDs it enforces, comma-separated. */
export const INTENTS_ANNOTATION = `${GROUP}/intents`;

/**
 * Annotation on an adapter's Lease listing the kinds it writes, as a JSON array of {@link ResourceType}s, so
 * tools such as `nimbus status` can look up its engine objects without loading the adapter's code.
 */
export const KINDS_ANNOTATION = `${GROUP}/kinds`;

/** The name of an adapter's Lease: leader election and announcement share it, e.g. `nimbus-kubearmor`. */
export function adapterLeaseName(adapterName: string): string {
  return `nimbus-${adapterName}`;
}

/**
 * The labels and annotations with which an adapter announces itself on its Lease: its name, its intent IDs and,
 * when given, the kinds it writes.
 */
export function announcementMetadata(
  adapterName: string,
  intents: readonly string[],
  kinds: readonly ResourceType[] = [],
) {
  const written = kinds.map(({ apiVersion, kind, plural, namespaced, statusKind }) => ({
    apiVersion,
    kind,
    plural,
    namespaced,
    // Only when it differs, so that the Leases of adapters that write plain `<Kind>/<name>` entries stay as they were.
    ...(statusKind === undefined ? {} : { statusKind }),
  }));
  return {
    labels: { [ADAPTER_LABEL]: adapterName },
    annotations: {
      [INTENTS_ANNOTATION]: [...intents].join(','),
      ...(written.length > 0 ? { [KINDS_ANNOTATION]: JSON.stringify(written) } : {}),
    },
  };
}

/** A running adapter as its Lease announces it. */
export interface AnnouncedAdapter {
  readonly name: string;
  readonly intents: readonly string[];
  /** The kinds it writes, when its Lease says (adapters of older SDK versions do not). */
  readonly kinds?: readonly ResourceType[];
  /** When the Lease expires unless renewed (ms since the epoch). */
  readonly expiresAt: number;
}

// What may go into an API path: anyone who can write a labelled Lease could otherwise steer a reader's requests.
const API_VERSION = /^([a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?v[0-9]+((alpha|beta)[0-9]+)?$/;
const PLURAL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const KIND = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * The kinds a {@link KINDS_ANNOTATION} value lists; entries that are not well-formed ResourceTypes are left out,
 * and a value that is not a JSON array gives none. Pure.
 */
export function announcedKinds(value: string | undefined): ResourceType[] {
  if (!value) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((item: unknown) => {
    const r = item as Partial<Record<keyof ResourceType, unknown>> | null;
    return typeof r === 'object' &&
      r !== null &&
      typeof r.apiVersion === 'string' &&
      API_VERSION.test(r.apiVersion) &&
      typeof r.kind === 'string' &&
      KIND.test(r.kind) &&
      typeof r.plural === 'string' &&
      PLURAL.test(r.plural) &&
      typeof r.namespaced === 'boolean'
      ? [
          {
            apiVersion: r.apiVersion,
            kind: r.kind,
            plural: r.plural,
            namespaced: r.namespaced,
            ...(typeof r.statusKind === 'string' && KIND.test(r.statusKind)
              ? { statusKind: r.statusKind }
              : {}),
          },
        ]
      : [];
  });
}

interface LeaseLike extends KubernetesObject {
  spec?: { holderIdentity?: string; renewTime?: string; acquireTime?: string; leaseDurationSeconds?: number };
}

/**
 * The adapter a Lease announces, if it is live at `now`: it carries {@link ADAPTER_LABEL}, has a holder and
 * was renewed within its duration. A released Lease (no holder) or an expired one means the adapter stopped.
 */
export function liveAnnouncement(lease: KubernetesObject, now: number): AnnouncedAdapter | undefined {
  const { spec, metadata } = lease as LeaseLike;
  const name = metadata?.labels?.[ADAPTER_LABEL];
  if (!name || !spec?.holderIdentity) return undefined;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (Number.isNaN(renewed)) return undefined;
  const expiresAt = renewed + (spec.leaseDurationSeconds ?? 0) * 1000;
  if (expiresAt <= now) return undefined;
  const intents = (metadata?.annotations?.[INTENTS_ANNOTATION] ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
  const kinds = announcedKinds(metadata?.annotations?.[KINDS_ANNOTATION]);
  return { name, intents, ...(kinds.length > 0 ? { kinds } : {}), expiresAt };
}

/**
 * The live adapters among `leases`, by name (several Leases of one adapter merge their intents), and a
 * signature that changes exactly when the set of adapters or their intents changes — not on every renewal.
 */
export function liveAdapters(
  leases: readonly KubernetesObject[],
  now: number,
): { adapters: Map<string, Set<string>>; signature: string; nextExpiry: number | undefined } {
  const adapters = new Map<string, Set<string>>();
  let nextExpiry: number | undefined;
  for (const lease of leases) {
    const live = liveAnnouncement(lease, now);
    if (!live) continue;
    const ids = adapters.get(live.name) ?? new Set<string>();
    for (const id of live.intents) ids.add(id);
    adapters.set(live.name, ids);
    nextExpiry = nextExpiry === undefined ? live.expiresAt : Math.min(nextExpiry, live.expiresAt);
  }
  // Code-unit order, not localeCompare: the same in every locale, and it keeps ICU's collation data (about 3 MB
  // of the node executable's pages) out of the core operator's memory.
  const signature = [...adapters.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, ids]) => `${name}=${[...ids].sort().join(',')}`)
    .join(';');
  return { adapters, signature, nextExpiry };
}
