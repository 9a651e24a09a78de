import { textTable } from '../text-table.js';
import { toYaml } from '../yaml-text.js';
import { describeObject, type Rendering } from './rendering.js';

/** Where the core operator's own objects say they come from in the comment headers. */
export const OPERATOR_HEADER = 'core-operator';

/**
 * Multi-document YAML, every object headed by `# <adapter>: <Kind>/<name> from <source>`, ready for review or
 * for diffing against a previous rendering.
 */
export function renderingAsYaml(rendering: Rendering): string {
  const documents: string[] = [];
  for (const { policy, from, objects } of rendering.policies) {
    documents.push(
      `# ${OPERATOR_HEADER}: ${policy.kind}/${policy.metadata.name} from ${from}\n${toYaml(policy)}`,
    );
    for (const { adapter, object } of objects) {
      const header = `# ${adapter}: ${object.kind}/${object.metadata?.name} from ${describeObject(policy)}`;
      documents.push(`${header}\n${toYaml(object)}`);
    }
  }
  return documents.join('---\n');
}

/** The rendering as one JSON document for scripts: `{policies: [{from, policy, objects: [{adapter, object}]}], notes}`. */
export function renderingAsJson(rendering: Rendering): string {
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
