import { semanticEqual } from '../runtime/semantic-equal.js';
import type { CrdSchema } from './crd-schema.js';

/**
 * One step of a field path, as structured-merge-diff names fields: a struct field or map key, the item of a
 * `map` list with these key values, or one value of a `set` list.
 */
type Segment =
  | { readonly field: string }
  | { readonly key: Record<string, unknown> }
  | { readonly value: unknown };

/** A leaf a manager can own: a scalar, an atomic list or struct, a set value or a map-list item's field. */
interface Leaf {
  readonly path: readonly Segment[];
  readonly value: unknown;
}

/** Which fields each field manager owns in one object: JSON-encoded paths. */
export type Ownership = Map<string, Set<string>>;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

function listType(schema: CrdSchema | undefined): 'map' | 'set' | 'atomic' {
  const type = schema?.['x-kubernetes-list-type'];
  return type === 'map' || type === 'set' ? type : 'atomic';
}

function itemSchema(schema: CrdSchema | undefined): CrdSchema | undefined {
  return Array.isArray(schema?.items) ? undefined : schema?.items;
}

function fieldSchema(schema: CrdSchema | undefined, field: string): CrdSchema | undefined {
  if (schema?.properties?.[field]) return schema.properties[field];
  return isObject(schema?.additionalProperties) ? (schema.additionalProperties as CrdSchema) : undefined;
}

function mapKeyOf(schema: CrdSchema | undefined, item: Json): Record<string, unknown> {
  const keys = (schema?.['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
  return Object.fromEntries(keys.map((k) => [k, item[k]]));
}

const sameKey = (a: Record<string, unknown>, b: Json) => Object.entries(a).every(([k, v]) => b[k] === v);

/** The leaves of an applied configuration, as the API server tracks their ownership. */
function leaves(value: unknown, schema: CrdSchema | undefined, path: Segment[] = []): Leaf[] {
  if (isObject(value) && schema?.['x-kubernetes-map-type'] !== 'atomic') {
    return Object.entries(value).flatMap(([field, v]) =>
      leaves(v, fieldSchema(schema, field), [...path, { field }]),
    );
  }
  if (Array.isArray(value)) {
    const type = listType(schema);
    const items = itemSchema(schema);
    if (type === 'map') {
      return value.flatMap((item) => leaves(item, items, [...path, { key: mapKeyOf(schema, item as Json) }]));
    }
    if (type === 'set') return value.map((v) => ({ path: [...path, { value: v }], value: v }));
  }
  return [{ path, value }];
}

/** `config` merged into `live` by the schema: structs and maps by field, map lists by key, sets by value. */
function merge(live: unknown, config: unknown, schema: CrdSchema | undefined): unknown {
  if (isObject(config) && schema?.['x-kubernetes-map-type'] !== 'atomic') {
    const out: Json = isObject(live) ? { ...live } : {};
    for (const [field, v] of Object.entries(config))
      out[field] = merge(out[field], v, fieldSchema(schema, field));
    return out;
  }
  if (Array.isArray(config) && Array.isArray(live)) {
    const type = listType(schema);
    if (type === 'set') return [...live, ...config.filter((v) => !live.some((l) => semanticEqual(l, v)))];
    if (type === 'map') {
      const out = [...live];
      for (const item of config as Json[]) {
        const key = mapKeyOf(schema, item);
        const at = out.findIndex((l) => isObject(l) && sameKey(key, l));
        if (at < 0) out.push(item);
        else out[at] = merge(out[at], item, itemSchema(schema));
      }
      return out;
    }
  }
  return config;
}

function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let node = root;
  for (const segment of path) {
    if ('field' in segment) node = isObject(node) ? node[segment.field] : undefined;
    else if ('key' in segment)
      node = Array.isArray(node) ? node.find((i) => isObject(i) && sameKey(segment.key, i)) : undefined;
    else
      node =
        Array.isArray(node) && node.some((v) => semanticEqual(v, segment.value)) ? segment.value : undefined;
  }
  return node;
}

/** Removes the leaf at `path`; a map-list item goes with its key fields, and containers left empty go too. */
function removeAt(node: unknown, path: readonly Segment[]): unknown {
  const [head, ...rest] = path;
  if (!head) return undefined;
  if ('field' in head) {
    if (!isObject(node)) return node;
    const out = { ...node };
    const child = rest.length === 0 ? undefined : removeAt(out[head.field], rest);
    // Removing a key field of a map-list item removes the item: its identity is gone.
    if (child === undefined || (isObject(child) && Object.keys(child).length === 0)) delete out[head.field];
    else out[head.field] = child;
    return out;
  }
  if (!Array.isArray(node)) return node;
  const out: unknown[] = [];
  for (const item of node) {
    if ('value' in head) {
      if (!semanticEqual(item, head.value)) out.push(item);
    } else if (isObject(item) && sameKey(head.key, item)) {
      const [next] = rest;
      const removesKey = rest.length === 1 && next !== undefined && 'field' in next && next.field in head.key;
      const child = removesKey ? undefined : removeAt(item, rest);
      if (isObject(child) && Object.keys(child).length > 0) out.push(child);
    } else out.push(item);
  }
  return out.length === 0 ? undefined : out;
}

/**
 * Server-side apply of `config` (a whole object as a manager applies it, e.g. `{ status: {…} }`) onto `live`
 * by `manager`, with `force`, as the API server does it for a CRD with this schema: fields in `config` become
 * the manager's (taken from other managers where their values differ, shared where equal); fields the manager
 * applied before and leaves out now are removed unless another manager owns them; `x-kubernetes-list-type`
 * `map` lists merge item by key and `set` lists value by value, so managers that apply different items of one
 * list never undo each other. Returns the new object; updates `ownership` in place.
 */
export function serverSideApply(
  live: Json,
  config: Json,
  schema: CrdSchema | undefined,
  manager: string,
  ownership: Ownership,
): Json {
  const applied = leaves(config, schema);
  const encoded = new Map(applied.map((l) => [JSON.stringify(l.path), l]));
  for (const [other, owned] of ownership) {
    if (other === manager) continue;
    for (const path of owned) {
      const leaf = encoded.get(path);
      if (leaf && !semanticEqual(valueAt(live, leaf.path), leaf.value)) owned.delete(path);
    }
  }
  let next = merge(live, config, schema) as Json;
  for (const path of ownership.get(manager) ?? []) {
    if (encoded.has(path)) continue;
    const ownedElsewhere = [...ownership].some(([m, owned]) => m !== manager && owned.has(path));
    if (!ownedElsewhere) next = (removeAt(next, JSON.parse(path) as Segment[]) as Json | undefined) ?? {};
  }
  ownership.set(manager, new Set(encoded.keys()));
  return next;
}

/**
 * Takes from every applier the fields a non-apply write (a merge patch, an update) changed between `before` and
 * `after`: they belong to that writer now, so no applier removes them by leaving them out later.
 */
export function releaseChanged(before: Json, after: Json, ownership: Ownership): void {
  for (const owned of ownership.values()) {
    for (const path of owned) {
      const segments = JSON.parse(path) as Segment[];
      if (!semanticEqual(valueAt(before, segments), valueAt(after, segments))) owned.delete(path);
    }
  }
}
