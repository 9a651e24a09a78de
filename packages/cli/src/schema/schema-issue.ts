import type { ErrorObject } from 'ajv';
import { closeMatches, quotedAlternatives } from '../close-matches.js';
import { formatFieldPath } from '../field-path.js';
import type { FieldPath } from '../input/documents.js';

/** One way an object breaks its CRD's schema, with the field to point at. */
export interface SchemaIssue {
  readonly path: FieldPath;
  /** Point at the field's key (missing and unknown fields) or its value (wrong values). */
  readonly target: 'key' | 'value';
  readonly message: string;
}

// JSON pointer (`/spec/intents/0/name`) to a field path; digits are list indexes, as a map key of digits is
// found either way by the locator, which compares keys as text.
function pathOf(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'a map',
  array: 'a list',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
};

// The tutorial variant of Nimbus writes the binding's labels directly under spec.selector; this API (and
// upstream's) nests them one level deeper, so the generic "unknown field" would not say what to write instead.
function unknownFieldHint(path: FieldPath, field: string, known: readonly string[]): string {
  const parent = formatFieldPath(path);
  if (parent === 'spec.selector' && field === 'matchLabels' && known.includes('workloadSelector')) {
    return "; write spec.selector.workloadSelector.matchLabels (the flat selector is the Nimbus tutorial's, not this API)";
  }
  const close = closeMatches(field, known);
  if (close.length > 0) return `; did you mean ${quotedAlternatives(close)}?`;
  return known.length > 0 ? `; ${parent || 'the object'} takes ${known.join(', ')}` : '';
}

/** Rewrites one Ajv error as a message in the API server's terms, placed at the field it is about. */
export function ajvIssue(error: ErrorObject): SchemaIssue {
  const path = pathOf(error.instancePath);
  const where = formatFieldPath(path);
  const prefix = where ? `${where}: ` : '';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        path,
        target: 'key',
        message: `${prefix}missing required field "${String(params.missingProperty)}"`,
      };
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = Object.keys(
        (error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {},
      );
      return {
        path: [...path, field],
        target: 'key',
        message: `${formatFieldPath([...path, field])}: unknown field "${field}"${unknownFieldHint(path, field, known)}`,
      };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      return {
        path,
        target: 'value',
        message: `${prefix}unsupported value ${JSON.stringify(error.data)}; use one of ${allowed}`,
      };
    }
    case 'type': {
      const wanted = String(params.type)
        .split(',')
        .map((t) => TYPE_NAMES[t] ?? t)
        .join(' or ');
      return { path, target: 'value', message: `${prefix}must be ${wanted}, not ${describe(error.data)}` };
    }
    case 'pattern':
      return {
        path,
        target: 'value',
        message: `${prefix}${JSON.stringify(error.data)} does not match the pattern ${String(params.pattern)}`,
      };
    case 'format':
      return {
        path,
        target: 'value',
        message: `${prefix}${JSON.stringify(error.data)} is not a valid ${String(params.format)}`,
      };
    case 'x-kubernetes-list-type':
      return {
        path,
        target: 'value',
        message: `${prefix}lists the same entry more than once; remove the duplicates`,
      };
    default:
      return {
        path,
        target: 'value',
        message: `${prefix}${error.message ?? `fails the ${error.keyword} check`}`,
      };
  }
}
