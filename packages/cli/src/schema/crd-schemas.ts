import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { crdDirectory, GROUP } from '@nimbus-ts/api';
import { Ajv, type AnySchemaObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { parse } from 'yaml';
import { closeMatches, quotedAlternatives } from '../close-matches.js';
import type { FieldPath } from '../input/documents.js';
import { ajvIssue, type SchemaIssue } from './schema-issue.js';

// ajv-formats is CommonJS exporting the plugin as module.exports; under NodeNext its typings describe a
// namespace, so the default import is given the plugin's call signature by hand.
const addFormats = ajvFormats as unknown as (ajv: Ajv) => Ajv;

/** A schema node of a CRD file, as far as this module reads it. */
interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  additionalProperties?: SchemaNode | boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  [keyword: string]: unknown;
}

interface CrdFile {
  kind?: string;
  spec?: {
    group?: string;
    names?: { kind?: string };
    versions?: {
      name: string;
      served?: boolean;
      storage?: boolean;
      schema?: { openAPIV3Schema?: SchemaNode };
    }[];
  };
}

interface KindSchema {
  readonly served: readonly string[];
  readonly schemas: ReadonlyMap<string, SchemaNode>;
}

// The API server's field validation (kubectl's default, --validate=strict) rejects fields a schema does not
// declare; JSON Schema allows them unless told otherwise, so every declared object is closed here.
function closed(node: SchemaNode): SchemaNode {
  const copy: SchemaNode = { ...node };
  if (node.properties) {
    copy.properties = Object.fromEntries(Object.entries(node.properties).map(([k, v]) => [k, closed(v)]));
    if (node.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields'])
      copy.additionalProperties = false;
  }
  if (node.items) copy.items = closed(node.items);
  if (typeof node.additionalProperties === 'object')
    copy.additionalProperties = closed(node.additionalProperties);
  return copy;
}

// The API server drops null fields before validating (unless a field is nullable), so `params:` with no value
// is the same as no params at all; dropping them here keeps the verdicts the same.
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => [k, withoutNulls(v)]),
    );
  }
  return value;
}

// x-kubernetes-list-type: set and map lists must not repeat an item (a map list: its key fields).
function uniqueListItems(listType: unknown, data: unknown, parentSchema?: AnySchemaObject): boolean {
  if (!Array.isArray(data) || (listType !== 'set' && listType !== 'map')) return true;
  const keys = (parentSchema?.['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
  const identity = (item: unknown) =>
    JSON.stringify(listType === 'map' ? keys.map((k) => (item as Record<string, unknown>)[k]) : item);
  return new Set(data.map(identity)).size === data.length;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The OpenAPI schemas of the `intent.security.nimbus.com` CRDs, checked with Ajv the way the API server checks
 * custom objects: types, required fields, enums and patterns, unknown fields (as kubectl's strict field
 * validation), and unique items in set and map lists.
 */
export class NimbusSchemas {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  private constructor(private readonly kinds: ReadonlyMap<string, KindSchema>) {
    // strict off: CRDs carry x-kubernetes-* keywords that Ajv does not know and that mean nothing to it.
    // useDefaults: fill in schema defaults (severity: Low) as the API server does when it admits an object.
    this.ajv = new Ajv({ allErrors: true, strict: false, verbose: true, useDefaults: true });
    addFormats(this.ajv);
    this.ajv.addKeyword({
      keyword: 'x-kubernetes-list-type',
      type: 'array',
      errors: false,
      validate: uniqueListItems,
    });
  }

  /** Reads the CRD files of a directory (default: the CRDs shipped with `@nimbus-ts/k8s`). */
  static load(dir: string = crdDirectory()): NimbusSchemas {
    const kinds = new Map<string, KindSchema>();
    for (const file of readdirSync(dir).sort()) {
      if (!['.yaml', '.yml'].includes(extname(file))) continue;
      const crd = parse(readFileSync(join(dir, file), 'utf8')) as CrdFile | null;
      const kind = crd?.spec?.names?.kind;
      if (crd?.kind !== 'CustomResourceDefinition' || crd.spec?.group !== GROUP || !kind) continue;
      const versions = crd.spec.versions ?? [];
      kinds.set(kind, {
        served: versions.filter((v) => v.served).map((v) => v.name),
        schemas: new Map(
          versions.flatMap((v) => (v.schema?.openAPIV3Schema ? [[v.name, v.schema.openAPIV3Schema]] : [])),
        ),
      });
    }
    return new NimbusSchemas(kinds);
  }

  /** The kinds of the group, in name order. */
  knownKinds(): string[] {
    return [...this.kinds.keys()].sort();
  }

  /** Everything wrong with one object; see {@link NimbusSchemas.admit}. */
  check(object: unknown): SchemaIssue[] {
    return this.admit(object).issues;
  }

  /**
   * Checks one object as the API server would on admission, and returns it as the server would store it: null
   * fields dropped and schema defaults filled in (a SecurityIntent's severity becomes Low), so that what is built
   * from it matches what the operator builds in a cluster. Objects of other groups are returned unchanged with no
   * issues; anything that is not a Kubernetes object at all is one issue.
   */
  admit(object: unknown): { issues: SchemaIssue[]; admitted: unknown } {
    const { issues, admitted } = this.review(object);
    return { issues, admitted: issues.length === 0 && admitted !== undefined ? admitted : object };
  }

  private review(object: unknown): { issues: SchemaIssue[]; admitted?: unknown } {
    const fail = (list: SchemaIssue[]) => ({ issues: list });
    if (object === null || typeof object !== 'object' || Array.isArray(object)) {
      return fail([
        {
          path: [],
          target: 'value',
          message: 'not a Kubernetes object: expected a map with apiVersion and kind',
        },
      ]);
    }
    const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
    const missing = (['apiVersion', 'kind'] as const).filter(
      (f) => typeof (object as Record<string, unknown>)[f] !== 'string',
    );
    if (missing.length > 0) {
      return fail(
        missing.map((field) => ({
          path: [],
          target: 'value' as const,
          message: `missing required field "${field}"; every Kubernetes object needs apiVersion and kind`,
        })),
      );
    }
    const [group, version] = String(apiVersion).split('/');
    if (group !== GROUP) return { issues: [], admitted: object };
    const schema = this.kinds.get(String(kind));
    if (!schema) {
      const hint = closeMatches(String(kind), this.kinds.keys());
      return fail([
        {
          path: ['kind'],
          target: 'value',
          message: `${GROUP} has no kind "${String(kind)}"; ${hint.length > 0 ? `did you mean ${quotedAlternatives(hint)}?` : `its kinds are ${this.knownKinds().join(', ')}`}`,
        },
      ]);
    }
    const openApi = version === undefined ? undefined : schema.schemas.get(version);
    if (!openApi || !schema.served.includes(version ?? '')) {
      const served = schema.served.map((v) => `${GROUP}/${v}`).join(' or ');
      return fail([
        {
          path: ['apiVersion'],
          target: 'value',
          message: `${String(apiVersion)} is not served; use apiVersion: ${served} (upstream Nimbus's samples still say ${GROUP}/v1)`,
        },
      ]);
    }
    const admitted = withoutNulls(object);
    return {
      issues: [...this.metadataIssues(object), ...this.schemaIssues(`${kind}/${version}`, openApi, admitted)],
      admitted,
    };
  }

  private metadataIssues(object: object): SchemaIssue[] {
    const metadata = (object as { metadata?: unknown }).metadata;
    if (metadata === undefined || metadata === null) {
      return [{ path: [], target: 'value', message: 'missing required field "metadata" (with a name)' }];
    }
    const name = (metadata as { name?: unknown }).name;
    if (typeof name !== 'string' || name.length === 0) {
      return [{ path: ['metadata'], target: 'key', message: 'metadata: missing required field "name"' }];
    }
    if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
      return [
        {
          path: ['metadata', 'name'],
          target: 'value',
          message: `metadata.name: "${name}" is not a valid name; use lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`,
        },
      ];
    }
    return [];
  }

  // Validates (and, through useDefaults, completes) `admitted` in place.
  private schemaIssues(key: string, openApi: SchemaNode, admitted: unknown): SchemaIssue[] {
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(closed(openApi) as AnySchemaObject);
      this.compiled.set(key, validate);
    }
    if (validate(admitted)) return [];
    return (validate.errors ?? []).map(ajvIssue);
  }
}

export type { FieldPath, SchemaIssue };
