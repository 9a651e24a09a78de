import type { KubernetesObject } from '@kubernetes/client-node';
import { desiredState } from '@nimbus-ts/adapter-sdk';
import type { AdapterRegistry } from '../adapters.js';
import type { PlannedPolicy } from './operator-plan.js';
import { describeObject, type RenderedObject, type RenderNote } from './rendering.js';

/** The objects each adapter would build for one policy, with what went wrong or could not be known. */
export interface AdapterPlan {
  readonly objects: RenderedObject[];
  readonly notes: RenderNote[];
  /** Adapters that built something while an input they read from the cluster was empty. */
  readonly withoutInputs: ReadonlyMap<string, readonly string[]>;
}

/**
 * Runs every adapter's builder on one policy through the SDK's `desiredState`, which finishes each object
 * exactly as the running adapter does (namespace, owner reference, managed-by annotation).
 *
 * @param cluster - objects of the input that stand for the cluster's state; each adapter receives those of
 *   the kinds it declares as inputs (e.g. Nodes for netpol), and empty lists otherwise.
 */
export function planAdapters(
  planned: PlannedPolicy,
  adapters: AdapterRegistry,
  cluster: readonly KubernetesObject[],
): AdapterPlan {
  const objects: RenderedObject[] = [];
  const notes: RenderNote[] = [];
  const withoutInputs = new Map<string, string[]>();
  for (const adapter of adapters.adapters) {
    const declared = Object.entries(adapter.inputs ?? {});
    const inputs = Object.fromEntries(
      declared.map(([name, r]) => [
        name,
        cluster.filter((o) => o.apiVersion === r.apiVersion && o.kind === r.kind),
      ]),
    );
    let children: ReturnType<typeof desiredState>['children'];
    try {
      children = desiredState(adapter, planned.policy, inputs).children;
    } catch (error) {
      notes.push({
        severity: 'error',
        subject: describeObject(planned.policy),
        message: (error as Error).message,
      });
      continue;
    }
    for (const child of children) objects.push({ adapter: adapter.name, object: child.object });
    const empty = declared.filter(([name]) => (inputs[name]?.length ?? 0) === 0).map(([, r]) => r.kind);
    if (children.length > 0 && empty.length > 0) withoutInputs.set(adapter.name, empty);
  }
  return { objects, notes, withoutInputs };
}
