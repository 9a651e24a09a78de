// The scanning.nimbus-ts.io CRDs as the unit tests see them: parsed from crds/, with Ajv standing in for the
// API server's validation (defaults applied, list types enforced) and a check for fields the API server would
// prune without an error.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CrdSchema, readCRDs } from '@nimbus-ts/k8s/testing';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { crdDirectory } from '../api/crds.js';

/** A CustomResourceDefinition as written in its YAML file (client-node's models rename schema keywords). */
export interface CustomResourceDefinition {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; listKind?: string; plural: string; singular?: string; shortNames?: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: unknown;
      additionalPrinterColumns?: unknown[];
      schema?: { openAPIV3Schema?: CrdSchema };
    }[];
  };
}

/** The files in crds/ other than kustomization.yaml, sorted. */
export const crdFiles = readdirSync(crdDirectory())
  .filter((file) => file !== 'kustomization.yaml')
  .sort();

/** Every CRD in crds/, parsed, keyed by kind. */
export const crds = new Map<string, { file: string; crd: CustomResourceDefinition }>();
for (const file of crdFiles) {
  const parsed = await readCRDs([join(crdDirectory(), file)]);
  if (parsed.length !== 1) throw new Error(`${file} holds ${parsed.length} CRDs, not one`);
  const crd = parsed[0] as unknown as CustomResourceDefinition;
  crds.set(crd.spec.names.kind, { file, crd });
}

/**
 * The CRD of `kind`, as written in crds/.
 *
 * @throws Error when no CRD defines the kind.
 */
export function crdOf(kind: string): CustomResourceDefinition {
  const entry = crds.get(kind);
  if (!entry) throw new Error(`no CRD for ${kind} in ${crdDirectory()}`);
  return entry.crd;
}

/** The OpenAPI schema of the stored version of `kind`'s CRD. */
export function storageSchema(kind: string): CrdSchema {
  const schema = crdOf(kind).spec.versions.find((v) => v.storage)?.schema?.openAPIV3Schema;
  if (!schema) throw new Error(`${kind} has no storage schema`);
  return schema;
}

/** The schema node at a path of property names (`[]` for array items), e.g. `report.vulnerabilities[].id`. */
export function schemaAt(kind: string, path: string): CrdSchema {
  let node: CrdSchema | undefined = storageSchema(kind);
  for (const part of path.split('.')) {
    const name = part.replace(/\[\]$/, '');
    node = node?.properties?.[name];
    if (part.endsWith('[]')) node = node?.items as CrdSchema | undefined;
  }
  if (!node) throw new Error(`${kind} has no field ${path}`);
  return node;
}

// ajv-formats is CommonJS whose `module.exports` is the plugin; TypeScript's NodeNext view of its typings sees
// a namespace with a `default` member instead, so the default import is narrowed by hand.
const addFormats = ajvFormats as unknown as (ajv: Ajv) => Ajv;

/** A list-type keyword the way the API server applies it: sets and map lists reject duplicates. */
function validateListType(listType: string, data: unknown, parentSchema?: AnySchemaObject): boolean {
  if (!Array.isArray(data) || listType === 'atomic') return true;
  const keys: string[] = listType === 'map' ? (parentSchema?.['x-kubernetes-list-map-keys'] ?? []) : [];
  const identity = (item: unknown) =>
    listType === 'map'
      ? JSON.stringify(keys.map((key) => (item as Record<string, unknown>)[key]))
      : JSON.stringify(item);
  return new Set(data.map(identity)).size === data.length;
}

// strict: any keyword that is neither JSON Schema nor registered below is an error, which catches typos.
// useDefaults: fill in `default` values the way the API server does.
const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true });
addFormats(ajv);
ajv.addKeyword({ keyword: 'x-kubernetes-list-map-keys', schemaType: 'array' });
// CEL validation rules (label-key lengths) are the API server's to evaluate.
ajv.addKeyword({ keyword: 'x-kubernetes-validations', schemaType: 'array' });
ajv.addKeyword({
  keyword: 'x-kubernetes-list-type',
  schemaType: 'string',
  type: 'array',
  errors: false,
  validate: validateListType,
});

const validators = new Map<string, ValidateFunction>();
function validatorFor(kind: string): ValidateFunction {
  let validate = validators.get(kind);
  if (!validate) {
    validate = ajv.compile(storageSchema(kind) as AnySchemaObject);
    validators.set(kind, validate);
  }
  return validate;
}

/** Validates a copy of `object` against its kind's storage schema; `applied` is the copy with defaults. */
export function validate(object: { kind: string }): { applied: unknown; errors: ErrorObject[] } {
  const applied = structuredClone(object);
  const check = validatorFor(object.kind);
  check(applied);
  return { applied, errors: check.errors ?? [] };
}

/** The field each error is about, as a JSON pointer: a missing property counts as the property itself. */
export function errorFields(errors: readonly ErrorObject[]): string[] {
  return [
    ...new Set(
      errors.map((e) =>
        e.keyword === 'required' ? `${e.instancePath}/${e.params.missingProperty as string}` : e.instancePath,
      ),
    ),
  ];
}

/** Paths in `value` that `node` does not declare, which the API server would drop without an error. */
export function prunedFields(node: CrdSchema, value: unknown, path = ''): string[] {
  if (Array.isArray(value)) {
    const items = node.items;
    if (!items || Array.isArray(items)) return [];
    return value.flatMap((item, i) => prunedFields(items, item, `${path}[${i}]`));
  }
  if (typeof value !== 'object' || value === null) return [];
  // metadata is validated by the API server itself, not by the CRD's schema.
  if (path === 'metadata') return [];
  return Object.entries(value).flatMap(([name, child]) => {
    const at = path ? `${path}.${name}` : name;
    const declared =
      node.properties?.[name] ??
      (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
    return declared ? prunedFields(declared, child, at) : [at];
  });
}
