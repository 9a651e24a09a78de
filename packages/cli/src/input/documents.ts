import { type Document, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { SourceText } from './sources.js';

/** A field inside an object: map keys and list indexes, e.g. `['spec', 'intents', 0, 'name']`. */
export type FieldPath = readonly (string | number)[];

/** A place in a file, both 1-based, as editors and compilers print them. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * One object read from a manifest file, with a way back to its source text: every message about it can say
 * where in the file the problem is.
 */
export interface LocatedObject {
  /** The file, as the user named it. */
  readonly file: string;
  /** The object as plain data. */
  readonly object: unknown;
  /**
   * Where a field is written: its key (`target: 'key'`) or its value (the default). For a field that is not
   * there, the nearest written ancestor's key, so "missing field" points at the map it belongs in.
   */
  locate(path: FieldPath, target?: 'key' | 'value'): Position;
}

/** A file that is not valid YAML, at the place the parser gave up. */
export interface SyntaxProblem {
  readonly file: string;
  readonly position: Position;
  readonly message: string;
}

/** Offsets in the source text, as the yaml library's nodes give them. */
interface Spot {
  readonly key?: number;
  readonly value?: number;
}

// Walks the document's node tree along `path`, remembering the last key and value offsets it passed, so that
// a missing field still resolves to the place where it should be added.
function spotOf(doc: Document, path: FieldPath): { spot: Spot; complete: boolean } {
  let node: unknown = doc.contents;
  let spot: Spot = { value: (doc.contents as { range?: [number] } | null)?.range?.[0] ?? 0 };
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return { spot, complete: false };
      const keyOffset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      const valueOffset = (pair.value as { range?: [number] } | null)?.range?.[0];
      spot = { key: keyOffset, value: valueOffset };
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as { range?: [number] } | undefined;
      if (!item) return { spot, complete: false };
      // A list item has no key; its dash is the natural place for "this entry".
      spot = { value: item.range?.[0] };
      node = item;
    } else {
      return { spot, complete: false };
    }
  }
  return { spot, complete: true };
}

function locator(doc: Document, lines: LineCounter, prefix: FieldPath): LocatedObject['locate'] {
  return (path, target = 'value') => {
    const { spot, complete } = spotOf(doc, [...prefix, ...path]);
    const offset =
      complete && target === 'value' ? (spot.value ?? spot.key ?? 0) : (spot.key ?? spot.value ?? 0);
    const { line, col } = lines.linePos(offset);
    return { line, column: col };
  };
}

function isListKind(object: unknown): object is { items: unknown[] } {
  const o = object as { kind?: unknown; items?: unknown } | null;
  return typeof o?.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items);
}

/**
 * Parses every YAML (or JSON) document of a file, keeping source positions. Empty documents are skipped, and
 * the items of a `List` (what `kubectl get -o yaml` prints) become objects of their own.
 *
 * The `yaml` package is used rather than js-yaml because it keeps a node tree with source offsets; js-yaml
 * returns plain data only, so no message could say which line a field is on.
 */
export function parseManifests(source: SourceText): {
  objects: LocatedObject[];
  problems: SyntaxProblem[];
} {
  const lines = new LineCounter();
  // prettyErrors off: the message stays one line, and the position is printed in front of it instead.
  const docs = parseAllDocuments(source.text, { lineCounter: lines, prettyErrors: false });
  const objects: LocatedObject[] = [];
  const problems: SyntaxProblem[] = [];
  for (const doc of Array.isArray(docs) ? docs : []) {
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const { line, col } = lines.linePos(error.pos[0]);
        problems.push({ file: source.path, position: { line, column: col }, message: error.message });
      }
      continue;
    }
    if (doc.contents === null) continue;
    const object: unknown = doc.toJS();
    if (isListKind(object)) {
      object.items.forEach((item, index) => {
        objects.push({ file: source.path, object: item, locate: locator(doc, lines, ['items', index]) });
      });
    } else {
      objects.push({ file: source.path, object, locate: locator(doc, lines, []) });
    }
  }
  return { objects, problems };
}
