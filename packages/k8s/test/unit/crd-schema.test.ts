import { describe, expect, it } from 'vitest';
import { type CrdSchema, structuralSchemaProblems, walkSchema } from '../../src/testing/crd-schema.js';

// Each rule of structuralSchemaProblems is proven able to fail by one schema that breaks it and nothing else,
// and the schemas the API server accepts although they look suspicious are proven to pass.

/** A root schema whose `spec` holds `fields`; everything around them passes every rule. */
function withSpec(fields: Record<string, CrdSchema>, spec: Partial<CrdSchema> = {}): CrdSchema {
  return {
    type: 'object',
    description: 'A test resource.',
    properties: {
      apiVersion: { type: 'string', description: 'Versioned schema.' },
      kind: { type: 'string', description: 'Kind.' },
      metadata: { type: 'object' },
      spec: { type: 'object', description: 'The spec.', properties: fields, ...spec },
    },
  };
}

const text = (description = 'A field.'): CrdSchema => ({ type: 'string', description });
const entry = (fields: Record<string, CrdSchema>, more: Partial<CrdSchema> = {}): CrdSchema => ({
  type: 'object',
  properties: fields,
  ...more,
});
const list = (items: CrdSchema | CrdSchema[] | undefined, more: Partial<CrdSchema> = {}): CrdSchema => ({
  type: 'array',
  description: 'A list.',
  ...(items === undefined ? {} : { items }),
  ...more,
});

/** A schema exercising most keywords correctly: a structural schema the API server accepts. */
const GOOD: CrdSchema = withSpec(
  {
    name: { ...text(), minLength: 1, maxLength: 63, pattern: '^[a-z]+$', default: 'x' },
    mode: { ...text(), enum: ['On', 'Off'] },
    level: { type: 'integer', format: 'int32', description: 'A level.', enum: [1, 2, 3], minimum: 1 },
    ratio: { type: 'number', description: 'A ratio.', enum: [0.5, 1], nullable: true },
    port: { 'x-kubernetes-int-or-string': true, description: 'A port.', anyOf: [{ type: 'integer' }] },
    labels: { type: 'object', description: 'Labels.', additionalProperties: { type: 'string' } },
    tags: list({ type: 'string' }, { 'x-kubernetes-list-type': 'set', uniqueItems: false }),
    pairs: list(entry({ a: text(), b: text() }, { 'x-kubernetes-map-type': 'atomic' }), {
      'x-kubernetes-list-type': 'set',
    }),
    conditions: list(entry({ type: text(), message: text() }, { required: ['type'] }), {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
    ports: list(entry({ port: { type: 'integer', description: 'A port.', default: 80 } }), {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['port'],
    }),
    raw: { type: 'object', description: 'Anything.', 'x-kubernetes-preserve-unknown-fields': true },
    loose: {
      description: 'Known fields and anything else.',
      'x-kubernetes-preserve-unknown-fields': true,
      properties: { known: text() },
      required: ['known', 'other'],
    },
    open: {
      type: 'object',
      description: 'Declared fields, others kept.',
      properties: { known: text() },
      additionalProperties: true,
    },
    counts: {
      type: 'object',
      description: 'Counts by name.',
      additionalProperties: { type: 'integer' },
      required: ['total'],
    },
    oneOrOther: {
      type: 'object',
      description: 'Exactly one of a and b.',
      properties: { a: text(), b: text() },
      oneOf: [{ required: ['a'] }, { required: ['b'] }],
      'x-kubernetes-validations': [{ rule: 'has(self.a) != has(self.b)' }],
    },
  },
  { required: ['name'], title: 'Spec', externalDocs: { url: 'https://example.com' }, example: {} },
);

interface Bad {
  rule: string;
  schema: CrdSchema;
  problems: string[];
}

const BAD: Bad[] = [
  {
    rule: 'keywords forbidden in CRDs',
    schema: withSpec({ ref: { ...text(), $ref: '#/definitions/x' } }),
    problems: ["spec.ref: keyword '$ref' is not allowed in a CRD schema"],
  },
  {
    rule: 'misspelt keywords',
    schema: withSpec({ typo: { ...text(), maxlength: 3 } }),
    problems: ["spec.typo: keyword 'maxlength' is not allowed in a CRD schema"],
  },
  {
    rule: 'a type on every field',
    schema: withSpec({ untyped: { description: 'No type.' } }),
    problems: ['spec.untyped: no type'],
  },
  {
    rule: 'properties and additionalProperties exclude each other',
    schema: withSpec({
      both: {
        type: 'object',
        description: 'Both.',
        properties: { a: text() },
        additionalProperties: { type: 'string' },
      },
    }),
    problems: ['spec.both: properties and additionalProperties are mutually exclusive'],
  },
  {
    rule: 'additionalProperties: false next to properties',
    schema: withSpec({
      closed: {
        type: 'object',
        description: 'Closed.',
        properties: { a: text() },
        additionalProperties: false,
      },
    }),
    problems: ['spec.closed: properties and additionalProperties are mutually exclusive'],
  },
  {
    rule: 'fields only on objects',
    schema: withSpec({ odd: { ...text(), additionalProperties: { type: 'string' } } }),
    problems: ['spec.odd: properties on a non-object'],
  },
  {
    rule: 'an array has items',
    schema: withSpec({ bare: list(undefined) }),
    problems: ['spec.bare: an array needs exactly one items schema'],
  },
  {
    rule: 'an array has one items schema, not a tuple',
    schema: withSpec({ tuple: list([{ type: 'string' }, { type: 'integer' }]) }),
    problems: ['spec.tuple: an array needs exactly one items schema'],
  },
  {
    rule: 'no uniqueItems: true',
    schema: withSpec({ unique: list({ type: 'string' }, { uniqueItems: true }) }),
    problems: ['spec.unique: uniqueItems is forbidden; use x-kubernetes-list-type: set'],
  },
  {
    rule: 'known list types',
    schema: withSpec({ bag: list({ type: 'string' }, { 'x-kubernetes-list-type': 'bag' }) }),
    problems: ['spec.bag: unknown x-kubernetes-list-type bag'],
  },
  {
    rule: 'a set of objects needs atomic objects',
    schema: withSpec({ set: list(entry({ a: text() }), { 'x-kubernetes-list-type': 'set' }) }),
    problems: ['spec.set: a set needs scalar or atomic items'],
  },
  {
    rule: 'a set of lists needs atomic lists',
    schema: withSpec({
      set: list(
        { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        { 'x-kubernetes-list-type': 'set' },
      ),
    }),
    problems: ['spec.set: a set needs scalar or atomic items'],
  },
  {
    rule: 'a map list names its keys',
    schema: withSpec({ map: list(entry({ a: text() }), { 'x-kubernetes-list-type': 'map' }) }),
    problems: ['spec.map: a map list needs x-kubernetes-list-map-keys'],
  },
  {
    rule: 'map keys are item properties',
    schema: withSpec({
      map: list(entry({ a: text() }, { required: ['a'] }), {
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['a', 'name'],
      }),
    }),
    problems: ['spec.map: map key name is not an item property'],
  },
  {
    rule: 'map keys are required or defaulted',
    schema: withSpec({
      map: list(entry({ a: text() }), {
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['a'],
      }),
    }),
    problems: ['spec.map: map key a must be required or defaulted'],
  },
  {
    rule: 'map keys only on map lists',
    schema: withSpec({
      keyed: list(entry({ a: text() }, { required: ['a'] }), { 'x-kubernetes-list-map-keys': ['a'] }),
    }),
    problems: ['spec.keyed: x-kubernetes-list-map-keys without x-kubernetes-list-type: map'],
  },
  {
    rule: 'enum values of the string type',
    schema: withSpec({ mode: { ...text(), enum: ['On', 0] } }),
    problems: ['spec.mode: enum value 0 is not a string'],
  },
  {
    rule: 'enum values of the integer type',
    schema: withSpec({ level: { type: 'integer', description: 'A level.', enum: [1, 1.5, null] } }),
    problems: ['spec.level: enum value 1.5 is not a integer', 'spec.level: enum value null is not a integer'],
  },
  {
    rule: 'required fields are declared',
    schema: withSpec({ a: text() }, { required: ['a', 'b'] }),
    problems: ['spec: required b is not a property'],
  },
  {
    rule: 'objects keep something after pruning',
    schema: withSpec({ empty: { type: 'object', description: 'Nothing.' } }),
    problems: [
      'spec.empty: an object without properties or additionalProperties keeps nothing after pruning',
    ],
  },
  {
    rule: 'a description on every field',
    schema: withSpec({ silent: { type: 'string' } }),
    problems: ['spec.silent: no description'],
  },
];

describe('structuralSchemaProblems', () => {
  it('finds nothing wrong with a structural schema that uses most keywords', () => {
    expect(structuralSchemaProblems(GOOD)).toEqual([]);
  });

  it.each(BAD)('enforces $rule', ({ schema, problems }) => {
    expect(structuralSchemaProblems(schema)).toEqual(problems);
  });

  it('names the root <root>', () => {
    expect(structuralSchemaProblems({ type: 'object', properties: {}, required: ['spec'] })).toEqual([
      '<root>: required spec is not a property',
    ]);
  });
});

describe('walkSchema', () => {
  it('visits every structural node, parents first, with dotted paths', () => {
    const schema = withSpec({
      rules: list(entry({ id: text() }), { allOf: [{ properties: { id: { minLength: 1 } } }] }),
      labels: { type: 'object', additionalProperties: { type: 'string' } },
    });
    const paths: string[] = [];
    walkSchema(schema, (_node, path) => paths.push(path));
    expect(paths).toEqual([
      '',
      'apiVersion',
      'kind',
      'metadata',
      'spec',
      'spec.rules',
      'spec.rules[]',
      'spec.rules[].id',
      'spec.labels',
      'spec.labels{}',
    ]);
  });

  it('starts from the given path', () => {
    const paths: string[] = [];
    walkSchema(list({ type: 'string' }), (_node, path) => paths.push(path), 'spec.tags');
    expect(paths).toEqual(['spec.tags', 'spec.tags[]']);
  });
});
