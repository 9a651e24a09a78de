import type { FieldPath } from './input/documents.js';

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * A field path as people read it: `spec.intents[0].name`, with keys that are not plain identifiers quoted, e.g.
 * `spec.selector.workloadSelector.matchLabels["app.kubernetes.io/name"]`.
 */
export function formatFieldPath(path: FieldPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text.length === 0 ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/**
 * Parses the path at the start of a message such as `spec.selector.nsSelector.matchNames[1]: ...`, so the
 * message can be placed at that field. Returns undefined when the message does not start with a path.
 */
export function leadingFieldPath(message: string): FieldPath | undefined {
  const match = /^([A-Za-z_][\w.[\]]*):\s/.exec(message);
  if (!match?.[1]) return undefined;
  const path: (string | number)[] = [];
  for (const part of match[1].split('.')) {
    const m = /^([A-Za-z_]\w*)((?:\[\d+\])*)$/.exec(part);
    if (!m?.[1]) return undefined;
    path.push(m[1]);
    for (const index of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}
