import { stringify } from 'yaml';

/**
 * One object as YAML, the same way every time: keys in the object's order, no line folding (a long message
 * stays on one line, so diffs stay small), and no anchors for objects that appear twice.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
