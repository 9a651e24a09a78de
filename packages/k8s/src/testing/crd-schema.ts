/**
 * A static checker for the `openAPIV3Schema` of a CustomResourceDefinition: the "structural schema" rules the
 * API server enforces on `apiextensions.k8s.io/v1` CRDs, plus a few rules it does not enforce but whose
 * violation makes a CRD silently lose data or documentation. It needs no cluster, so a unit test can hold a
 * CRD file to it:
 *
 * @example
 * ```ts
 * const crd = load(readFileSync('crds/example.com_widgets.yaml', 'utf8')) as {
 *   spec: { versions: { schema: { openAPIV3Schema: CrdSchema } }[] };
 * };
 * for (const version of crd.spec.versions) {
 *   expect(structuralSchemaProblems(version.schema.openAPIV3Schema)).toEqual([]);
 * }
 * ```
 *
 * @module
 */

/**
 * A schema node as written in a CRD's YAML or JSON file (the apiextensions `JSONSchemaProps` in its wire
 * spelling). The typed models of `@kubernetes/client-node` rename keywords (`default`, `x-kubernetes-*`), so
 * they do not describe a parsed file; this does. The index signature keeps every other keyword reachable,
 * including misspelt or forbidden ones, which is what the checker looks for.
 */
export interface CrdSchema {
  type?: string;
  format?: string;
  title?: string;
  description?: string;
  properties?: Record<string, CrdSchema>;
  /** A single schema; a list of schemas (tuple validation) is forbidden in CRDs. */
  items?: CrdSchema | CrdSchema[];
  additionalProperties?: CrdSchema | boolean;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  uniqueItems?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  [keyword: string]: unknown;
}

/**
 * Calls `visit` for `schema` and every schema node under it, parents first, with a dotted path: property
 * names joined by `.`, `[]` appended for array items and `{}` for map values (`additionalProperties`); the root
 * is `''`. So `spec.rules[].rule` is the `rule` field of an item of `spec.rules`.
 *
 * Only the structural part of the schema is walked (`properties`, a single `items`, a schema-valued
 * `additionalProperties`). The value validations under `allOf`, `anyOf`, `oneOf` and `not` are not: the API
 * server holds them to different rules (there, for instance, `type` must be absent), so visiting them as
 * fields would report false problems.
 *
 * @param schema - the node to start from, usually a version's `schema.openAPIV3Schema`.
 * @param visit - called once per node with the node and its path.
 * @param path - the path of `schema` itself; `''` for a root.
 */
export function walkSchema(
  schema: CrdSchema,
  visit: (node: CrdSchema, path: string) => void,
  path = '',
): void {
  visit(schema, path);
  for (const [name, sub] of Object.entries(schema.properties ?? {})) {
    walkSchema(sub, visit, path ? `${path}.${name}` : name);
  }
  if (schema.items && !Array.isArray(schema.items)) walkSchema(schema.items, visit, `${path}[]`);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    walkSchema(schema.additionalProperties, visit, `${path}{}`);
  }
}

// The keywords a CRD schema may use: the fields of apiextensions.k8s.io/v1 JSONSchemaProps minus those the
// API server rejects in CRDs ($ref, $schema, definitions, patternProperties, dependencies, additionalItems,
// id). Anything else, a misspelling such as `descripton` included, is an error: the API server would reject
// the unknown field or, worse, the CRD author believes a constraint applies that does not.
const ALLOWED_KEYWORDS = new Set([
  'type',
  'format',
  'title',
  'description',
  'default',
  'example',
  // Accepted and dropped by the API server (not part of the structural schema).
  'externalDocs',
  'enum',
  'nullable',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  // Only `uniqueItems: true` is forbidden (see below); `false` is accepted.
  'uniqueItems',
  'multipleOf',
  'maxProperties',
  'minProperties',
  'required',
  'items',
  'properties',
  'additionalProperties',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-list-type',
  'x-kubernetes-map-type',
  'x-kubernetes-validations',
]);

const LIST_TYPES = ['atomic', 'set', 'map'];

/** Whether `value` is a value of the OpenAPI `type` (JSON has one number type; `integer` means whole). */
function isOfType(value: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

/**
 * Checks a CRD version's `openAPIV3Schema` and returns one message per problem, each starting with the dotted
 * path of the node (as {@link walkSchema} spells it, `<root>` for the root); `[]` means none was found.
 *
 * Rules the API server enforces (a CRD breaking one is rejected, or loses data):
 * - only JSONSchemaProps keywords the API server accepts in CRDs;
 * - every field and array item has a `type`, unless `x-kubernetes-int-or-string` or
 *   `x-kubernetes-preserve-unknown-fields` stands in for it;
 * - `properties` and `additionalProperties` (a schema, or `false`) exclude each other;
 * - an array has exactly one `items` schema; `uniqueItems: true` is forbidden;
 * - `x-kubernetes-list-type` is `atomic`, `set` or `map`; a `set`'s items are scalars or atomic;
 *   a `map` list names `x-kubernetes-list-map-keys` that are item properties, each required or defaulted;
 *   list-map keys appear only on a `map` list.
 *
 * Rules the API server does not enforce, but whose violation is always a mistake:
 * - `properties`/`additionalProperties` only on objects;
 * - `enum` values of the node's `type` (another value can never be stored);
 * - `required` names only declared fields (an undeclared one is pruned before validation, so no object could
 *   ever pass);
 * - an object declares its fields, a map its values, or preserves unknown fields (otherwise pruning empties
 *   it); root `metadata` is exempt, the API server supplies its schema;
 * - every field has a `description`, which is what `kubectl explain` and generated API docs show; array items,
 *   map values, the root and root `metadata` are exempt.
 *
 * Only the structural part of the schema is checked; see {@link walkSchema}.
 *
 * @param root - a version's `schema.openAPIV3Schema`, as parsed from the CRD file.
 */
export function structuralSchemaProblems(root: CrdSchema): string[] {
  const problems: string[] = [];
  walkSchema(root, (node, path) => {
    const at = path || '<root>';
    const preservesUnknown = node['x-kubernetes-preserve-unknown-fields'] === true;

    for (const key of Object.keys(node)) {
      if (!ALLOWED_KEYWORDS.has(key)) problems.push(`${at}: keyword '${key}' is not allowed in a CRD schema`);
    }

    // Structural: the API server must know every field's type to prune, default and validate. The two
    // extensions are the only stand-ins it accepts.
    if (!node.type && !node['x-kubernetes-int-or-string'] && !preservesUnknown) {
      problems.push(`${at}: no type`);
    }

    // Kubernetes' API convention: properties describe a struct, additionalProperties a map; the API server
    // accepts `additionalProperties: true` next to properties, but neither a schema nor `false`.
    const additional = node.additionalProperties;
    if (node.properties && (additional === false || typeof additional === 'object')) {
      problems.push(`${at}: properties and additionalProperties are mutually exclusive`);
    }

    // Fields only exist on objects; an untyped node that preserves unknown fields may be anything, including
    // an object.
    const untypedPreserving = node.type === undefined && preservesUnknown;
    if ((node.properties || additional) && node.type !== 'object' && !untypedPreserving) {
      problems.push(`${at}: properties on a non-object`);
    }

    // Structural: an array's items need a schema for pruning, and tuple validation (a list of schemas) is
    // forbidden.
    if (node.type === 'array' && (!node.items || Array.isArray(node.items))) {
      problems.push(`${at}: an array needs exactly one items schema`);
    }

    // Forbidden because checking it is quadratic; x-kubernetes-list-type: set says the same thing.
    if (node.uniqueItems === true) {
      problems.push(`${at}: uniqueItems is forbidden; use x-kubernetes-list-type: set`);
    }

    // List types drive server-side apply merging. The API server rejects unknown types, a set whose items it
    // cannot compare as a whole, and a map list whose keys may be missing from an item.
    const listType = node['x-kubernetes-list-type'];
    const item = Array.isArray(node.items) ? undefined : node.items;
    if (listType !== undefined && !LIST_TYPES.includes(listType)) {
      problems.push(`${at}: unknown x-kubernetes-list-type ${listType}`);
    }
    if (listType === 'set') {
      // Scalars compare as themselves; an object or list item only when it is atomic (for a list, atomic is
      // the default, for an object it must be said).
      const atomicObject = item?.type === 'object' && item['x-kubernetes-map-type'] === 'atomic';
      const atomicList =
        item?.type === 'array' && [undefined, 'atomic'].includes(item['x-kubernetes-list-type']);
      if ((item?.type === 'object' && !atomicObject) || (item?.type === 'array' && !atomicList)) {
        problems.push(`${at}: a set needs scalar or atomic items`);
      }
    }
    const mapKeys = node['x-kubernetes-list-map-keys'] ?? [];
    if (listType === 'map') {
      if (mapKeys.length === 0) problems.push(`${at}: a map list needs x-kubernetes-list-map-keys`);
      for (const key of mapKeys) {
        const keySchema = item?.properties?.[key];
        if (!keySchema) problems.push(`${at}: map key ${key} is not an item property`);
        else if (!item?.required?.includes(key) && keySchema.default === undefined) {
          problems.push(`${at}: map key ${key} must be required or defaulted`);
        }
      }
    } else if (mapKeys.length > 0) {
      problems.push(`${at}: x-kubernetes-list-map-keys without x-kubernetes-list-type: map`);
    }

    // An enum value of another type can never be stored: the type check rejects it first. Without a type
    // (int-or-string, preserved fields) there is nothing to compare with.
    if (node.enum && node.type) {
      for (const value of node.enum) {
        if (value === null && node.nullable) continue;
        if (!isOfType(value, node.type)) {
          problems.push(`${at}: enum value ${String(value)} is not a ${node.type}`);
        }
      }
    }

    // Pruning runs before validation, so a required field the schema does not declare is always gone by the
    // time `required` is checked: no object could pass. Map keys and preserved fields are declared otherwise.
    const declaresAnyField = preservesUnknown || additional === true || typeof additional === 'object';
    if (!declaresAnyField) {
      for (const name of node.required ?? []) {
        if (!node.properties?.[name]) problems.push(`${at}: required ${name} is not a property`);
      }
    }

    // Pruning drops every field the schema does not declare, so such an object is always stored empty. Root
    // metadata is the exception: the API server brings ObjectMeta's own schema.
    if (
      node.type === 'object' &&
      path !== 'metadata' &&
      node.properties === undefined &&
      !additional &&
      !preservesUnknown
    ) {
      problems.push(
        `${at}: an object without properties or additionalProperties keeps nothing after pruning`,
      );
    }

    // Descriptions are the field documentation users read (`kubectl explain`, generated API references).
    // Items and map values are described by the field holding them; root metadata by the API server.
    if (path && path !== 'metadata' && !path.endsWith('[]') && !path.endsWith('{}') && !node.description) {
      problems.push(`${at}: no description`);
    }
  });
  return problems;
}

/**
 * The fields of a CRD schema that accept input of unbounded size, one line each (`path: what is missing`): a
 * string without `maxLength` (unless an `enum` or the `date-time` format fixes its size), a list
 * without `maxItems`, a map (`additionalProperties`) without `maxProperties`, and a map whose keys no
 * `x-kubernetes-validations` rule bounds (structural schemas cannot bound keys otherwise). `apiVersion` and
 * `kind` at the root are left out: the API server requires them to equal the CRD's own.
 *
 * Bounds matter twice: every cached object costs the operator and the adapters memory, and the API server
 * refuses a CRD whose validation rules it cannot bound the cost of.
 */
export function unboundedFields(root: CrdSchema): string[] {
  const found: string[] = [];
  walkSchema(root, (node, path) => {
    if (path === 'apiVersion' || path === 'kind') return;
    const at = path || '<root>';
    if (node.type === 'string' && node.maxLength === undefined && node.enum === undefined) {
      if (node.format !== 'date-time') found.push(`${at}: string without maxLength`);
    }
    if (node.type === 'array' && node.maxItems === undefined) found.push(`${at}: list without maxItems`);
    if (typeof node.additionalProperties === 'object') {
      if (node.maxProperties === undefined) found.push(`${at}: map without maxProperties`);
      if (node['x-kubernetes-validations'] === undefined) found.push(`${at}: map keys without a length rule`);
    }
  });
  return found;
}
