import type { KubernetesObject } from '@kubernetes/client-node';
import { textTable } from '../text-table.js';
import { toYaml } from '../yaml-text.js';
import { type ApplyReadyOptions, applyReady } from './apply-ready.js';
import { describeObject, type Rendering } from './rendering.js';

/** Where the core operator's own objects say they come from in the comment headers. */
export const OPERATOR_HEADER = 'core-operator';

/**
 * Every object of the rendering in apply order, each policy followed by its adapters' objects, prepared by
 * {@link applyReady}, with where it comes from: `# <adapter>: <Kind>/<name> from <source>`.
 */
function objectsToApply(
  rendering: Rendering,
  options: ApplyReadyOptions,
): { header: string; object: KubernetesObject }[] {
  const objects: { header: string; object: KubernetesObject }[] = [];
  for (const { policy, from, objects: built } of rendering.policies) {
    objects.push({
      header: `${OPERATOR_HEADER}: ${policy.kind}/${policy.metadata.name} from ${from}`,
      object: applyReady(policy, options),
    });
    for (const { adapter, object } of built) {
      objects.push({
        header: `${adapter}: ${object.kind}/${object.metadata?.name} from ${describeObject(policy)}`,
        object: applyReady(object, options),
      });
    }
  }
  return objects;
}

/**
 * A YAML stream for `kubectl apply -f -` (`-o yaml`): one document per object, headed by a comment saying
 * where it comes from (`# <adapter>: <Kind>/<name> from <source>`), objects prepared by {@link applyReady}.
 */
export function renderingAsYaml(rendering: Rendering, options: ApplyReadyOptions): string {
  return objectsToApply(rendering, options)
    .map(({ header, object }) => `# ${header}\n${toYaml(object)}`)
    .join('---\n');
}

/**
 * A `v1 List` of the same objects as {@link renderingAsYaml}, in the same order, for `kubectl apply -f -`
 * (`-o json`). JSON has no comments: where each object comes from is in `-o rendering`.
 */
export function renderingAsList(rendering: Rendering, options: ApplyReadyOptions): string {
  const items = objectsToApply(rendering, options).map(({ object }) => object);
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`;
}

/**
 * The whole rendering as one JSON document for scripts (`-o rendering`): `{policies: [{from, policy, objects:
 * [{adapter, object}]}], notes}`, objects exactly as rendered, made-up UIDs and owner references included.
 */
export function renderingAsEnvelope(rendering: Rendering): string {
  return `${JSON.stringify(rendering, null, 2)}\n`;
}

/** A table of source → policy → adapter → object, repeated cells left blank. */
export function renderingAsTable(rendering: Rendering): string {
  const rows: string[][] = [];
  for (const { policy, from, objects } of rendering.policies) {
    const policyCell = describeObject(policy);
    const first = (i: number, value: string) => (i === 0 ? value : '');
    if (objects.length === 0) rows.push([from, policyCell, '-', '(none)']);
    let previousAdapter = '';
    objects.forEach(({ adapter, object }, i) => {
      rows.push([
        first(i, from),
        first(i, policyCell),
        adapter === previousAdapter ? '' : adapter,
        `${object.kind}/${object.metadata?.name}`,
      ]);
      previousAdapter = adapter;
    });
  }
  return `${textTable(['SOURCE', 'POLICY', 'ADAPTER', 'OBJECT'], rows)}\n`;
}
