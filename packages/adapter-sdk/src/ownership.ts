import type { KubernetesObject } from '@kubernetes/client-node';
import { MANAGED_BY_ANNOTATION, managerName } from '@nimbus-ts/api';
import { isControlledBy, type Owner } from '@nimbus-ts/k8s';
import type { DesiredChild } from './desired.js';

/**
 * How an existing object stands to one adapter handling one policy:
 * - `mine`: the policy controls it and it carries the adapter's managed-by annotation;
 * - `unmarked`: the policy controls it but it carries no managed-by annotation (someone removed it): the adapter
 *   may repair it when it wants that name, but never deletes it as stale, since nothing says it is its own;
 * - `foreign`: anything else — another adapter's object for the same policy (another managed-by value), or an
 *   object the policy does not control.
 */
export type Holding = 'mine' | 'unmarked' | 'foreign';

/** How `object` stands to the adapter `adapterName` handling `policy`; see {@link Holding}. */
export function holdingOf(object: KubernetesObject, policy: Owner, adapterName: string): Holding {
  if (!isControlledBy(object.metadata?.ownerReferences, policy)) return 'foreign';
  const manager = object.metadata?.annotations?.[MANAGED_BY_ANNOTATION];
  if (manager === undefined || manager === '') return 'unmarked';
  return manager === managerName(adapterName) ? 'mine' : 'foreign';
}

/** A desired object whose name is taken by an object the adapter does not manage. */
export interface NameConflict {
  readonly child: DesiredChild;
  /**
   * Who has the name: `managed by nimbus-netpol` (another adapter, for the same policy), `controlled by Deployment
   * web`, or `not controlled by this policy`.
   */
  readonly holder: string;
  /** True when the holder is another adapter writing for the same policy. */
  readonly otherAdapter: boolean;
}

/** What an adapter does with the objects of one policy. */
export interface ChildrenPlan {
  /** Desired objects to create (no live object) or update (its own or unmarked live object), in build order. */
  readonly apply: readonly { readonly child: DesiredChild; readonly live?: KubernetesObject }[];
  /** Desired objects whose name something else has: reported, never overwritten. */
  readonly conflicts: readonly NameConflict[];
  /** Objects the adapter manages for the policy that it no longer builds: to delete. */
  readonly stale: readonly DesiredChild[];
}

const keyOf = (c: DesiredChild) =>
  `${c.resource.apiVersion}/${c.resource.kind}/${c.object.metadata?.namespace ?? ''}/${c.object.metadata?.name}`;

function holderOf(live: KubernetesObject, policy: Owner): { holder: string; otherAdapter: boolean } {
  if (isControlledBy(live.metadata?.ownerReferences, policy)) {
    return {
      holder: `managed by ${live.metadata?.annotations?.[MANAGED_BY_ANNOTATION]}`,
      otherAdapter: true,
    };
  }
  const controller = live.metadata?.ownerReferences?.find((r) => r.controller);
  return {
    holder: controller
      ? `controlled by ${controller.kind} ${controller.name}`
      : 'not controlled by this policy',
    otherAdapter: false,
  };
}

/**
 * Decides, for one policy, which desired objects an adapter writes, which names it leaves to their holders and
 * which of its objects it deletes. An adapter owns exactly what it manages (see {@link holdingOf}), so adapters
 * that write the same kind for the same policy never delete or overwrite each other's objects.
 *
 * Pure: `existing` holds cached objects of the adapter's declared kinds (each with its kind): at least those the
 * policy controls and those that have a name a desired object has. More does no harm: objects the policy does not
 * control are only looked at when a desired object has their name.
 */
export function planChildren(
  adapterName: string,
  policy: Owner,
  desired: readonly DesiredChild[],
  existing: readonly DesiredChild[],
): ChildrenPlan {
  const live = new Map(existing.map((c) => [keyOf(c), c.object]));
  const wanted = new Set(desired.map(keyOf));
  const apply: ChildrenPlan['apply'][number][] = [];
  const conflicts: NameConflict[] = [];
  for (const child of desired) {
    const current = live.get(keyOf(child));
    if (current && holdingOf(current, policy, adapterName) === 'foreign') {
      conflicts.push({ child, ...holderOf(current, policy) });
    } else {
      apply.push(current ? { child, live: current } : { child });
    }
  }
  const stale = existing.filter(
    (c) => !wanted.has(keyOf(c)) && holdingOf(c.object, policy, adapterName) === 'mine',
  );
  return { apply, conflicts, stale };
}

/**
 * The message of an adapter's `NameConflict` condition: each taken name with its holder and the fix — for another
 * adapter's object, names that differ between the adapters (or one adapter for these rules); otherwise, deleting or
 * renaming the object.
 *
 * @param conflicts - the conflicts, with their `<Kind>/<name>` status entries, in build order.
 */
export function nameConflictMessage(
  adapterName: string,
  conflicts: readonly { readonly entry: string; readonly holder: string; readonly otherAdapter: boolean }[],
): string {
  return conflicts
    .map((c) =>
      c.otherAdapter
        ? `${c.entry} is ${c.holder}, which builds the same name for this policy; give one of the adapters other object names, or run only one of them for these rules`
        : `${c.entry} exists and is ${c.holder}; delete or rename it so that ${adapterName} can create its own`,
    )
    .join('; ');
}

/** The `Ready` reason of an adapter whose engine object the API server refused to store. */
export const ENGINE_OBJECT_REJECTED = 'EngineObjectRejected';

/**
 * The message of an adapter's {@link ENGINE_OBJECT_REJECTED} condition: each refused object with the API server's
 * own words, and the fix. A refusal is deterministic for the policy as it is (an invalid value or name, a schema,
 * an admission rule, a size limit), so the fix is in the policy's intents or in the adapter.
 *
 * @param rejected - the refused objects, with their `<Kind>/<name>` status entries, in build order.
 */
export function engineObjectRejectedMessage(
  adapterName: string,
  rejected: readonly { readonly entry: string; readonly message: string }[],
): string {
  const objects = rejected.map((r) => `${r.entry} (${r.message})`).join('; ');
  return (
    `the API server refused ${rejected.length === 1 ? 'an engine object' : `${rejected.length} engine objects`}, ` +
    `so the policy is not enforced as written: ${objects}. Fix the SecurityIntent values the message names, ` +
    `or report the object ${adapterName} built to its authors; it is retried with backoff`
  );
}
