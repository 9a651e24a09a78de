import { RESOURCES } from '@nimbus-ts/api';
import type { LocatedObject } from '../input/documents.js';
import { nimbusKind } from '../input/manifests.js';
import { type Diagnostic, diagnosticAt } from './diagnostic.js';

/**
 * Objects defined twice (same kind, namespace and name): applied together, the later silently replaces the
 * earlier. A namespaced object without a namespace counts as the same as any other without one, since both go
 * to the namespace of the context they are applied with.
 */
export function checkDuplicates(objects: readonly LocatedObject[]): Diagnostic[] {
  const first = new Map<string, LocatedObject>();
  const found: Diagnostic[] = [];
  for (const source of objects) {
    const kind = nimbusKind(source.object);
    if (!kind) continue;
    const metadata = (source.object as { metadata?: { name?: string; namespace?: string } }).metadata;
    const namespace = RESOURCES[kind].namespaced ? (metadata?.namespace ?? '') : '';
    const key = `${kind}/${namespace}/${metadata?.name ?? ''}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, source);
      continue;
    }
    const at = earlier.locate(['metadata', 'name']);
    found.push(
      diagnosticAt(
        source,
        ['metadata', 'name'],
        'error',
        `defined twice; the first is at ${earlier.file}:${at.line}:${at.column}, and applying both keeps only the last`,
      ),
    );
  }
  return found;
}
