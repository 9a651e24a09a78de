import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdDirectory as nimbusCrdDirectory } from '@nimbus-ts/api';
import { type CrdSchema, readCRDs, structuralSchemaProblems, walkSchema } from '@nimbus-ts/k8s/testing';
import {
  crdDirectory,
  DEFAULT_SEVERITY_THRESHOLD,
  type ImageAdmissionAction,
  type ImageAdmissionPolicy,
  type ImageAdmissionThreshold,
  SCANNING_API_VERSION,
  SCANNING_GROUP,
  SCANNING_RESOURCES,
  SCANNING_VERSION,
  SEVERITIES,
  SEVERITY_THRESHOLDS,
  type SeverityThreshold,
  type UnscannedImages,
} from '@nimbus-ts/scan-api';
import {
  crdOf,
  crds,
  errorFields,
  prunedFields,
  schemaAt,
  storageSchema,
  validate,
} from '@nimbus-ts/scan-api/testing';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCAN_TIMEOUT_SECONDS,
  DEFAULT_UNSCANNED_IMAGES,
  MAX_REGISTRIES,
  MAX_REGISTRY_LENGTH,
  MAX_SCAN_TIMEOUT_SECONDS,
  MIN_SCAN_TIMEOUT_SECONDS,
  REGISTRY_PATTERN,
} from '../../src/build/admission-params.js';

// The ImageAdmissionPolicy CRD is the contract between the Clair adapter's builder and the admission webhook,
// held to it without a cluster: names and columns against tables, the schema against the API server's
// structural-schema rules, and example objects against the schema with Ajv standing in for the API server. The
// examples are typed with the generated types, so tsc proves the types accept what the schema accepts.

const KIND = 'ImageAdmissionPolicy';
const PLURAL = 'imageadmissionpolicies';
const schema = () => storageSchema(KIND);
const at = (path: string) => schemaAt(KIND, path);

// ---------------------------------------------------------------------------------------------------------
// Examples.

const ready = {
  type: 'Ready',
  status: 'True',
  reason: 'Enforced',
  message: '',
  lastTransitionTime: '2026-01-01T00:00:00Z',
  observedGeneration: 3,
} as const;

const iapMinimal: ImageAdmissionPolicy = {
  apiVersion: SCANNING_API_VERSION,
  kind: KIND,
  metadata: { name: 'web-imageadmission', namespace: 'shop' },
  spec: { selector: {} },
};

const iapFull: ImageAdmissionPolicy = {
  apiVersion: SCANNING_API_VERSION,
  kind: KIND,
  metadata: { name: 'web-imageadmission', namespace: 'shop' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    disallowLatestTag: { action: 'Block' },
    allowedRegistries: {
      action: 'Audit',
      registries: [
        'docker.io',
        'registry.example.com:5000',
        'ghcr.io/my-org/app',
        '127.0.0.1:5000/a__b/c-d.e',
      ],
    },
    blockVulnerableImages: {
      action: 'Block',
      severityThreshold: 'High',
      unscannedImages: 'Allow',
      scanTimeoutSeconds: 25,
    },
  },
  status: { observedGeneration: 3, conditions: [ready] },
};

const iapWith = (spec: Record<string, unknown>, status?: Record<string, unknown>) => ({
  ...iapMinimal,
  spec: { ...iapMinimal.spec, ...spec },
  ...(status ? { status } : {}),
});
const registries = (list: unknown) => iapWith({ allowedRegistries: { action: 'Block', registries: list } });
const vulnerable = (fields: Record<string, unknown>) =>
  iapWith({ blockVulnerableImages: { action: 'Block', ...fields } });

const ACCEPTED: { name: string; object: ImageAdmissionPolicy }[] = [
  { name: 'a policy with only a selector', object: iapMinimal },
  { name: 'a policy with every field and a status', object: iapFull },
  { name: 'a policy with a partial status', object: { ...iapMinimal, status: { observedGeneration: 1 } } },
  {
    name: 'disallowLatestTag alone',
    object: { ...iapMinimal, spec: { selector: {}, disallowLatestTag: { action: 'Audit' } } },
  },
  {
    name: `${MAX_REGISTRIES} registries of the longest length`,
    object: registries(
      Array.from(
        { length: MAX_REGISTRIES },
        (_, i) => `r${i}.io/${'a'.repeat(MAX_REGISTRY_LENGTH - 5 - String(i).length)}`,
      ),
    ) as ImageAdmissionPolicy,
  },
  ...(['Critical', 'High', 'Medium', 'Low', 'Negligible', 'Unknown'] as const).map((threshold) => ({
    name: `the threshold ${threshold}`,
    object: vulnerable({ severityThreshold: threshold }) as ImageAdmissionPolicy,
  })),
  {
    name: 'the shortest scan timeout',
    object: vulnerable({ scanTimeoutSeconds: 1 }) as ImageAdmissionPolicy,
  },
];

interface Rejected {
  name: string;
  object: { kind: string } & Record<string, unknown>;
  /** JSON pointer of the one field the rejection must point at. */
  field: string;
  keyword: string;
}

const REJECTED: Rejected[] = [
  {
    name: 'a policy without selector',
    object: { ...iapMinimal, spec: {} },
    field: '/spec/selector',
    keyword: 'required',
  },
  {
    name: 'a label value that is not a string',
    object: iapWith({ selector: { matchLabels: { replicas: 3 } } }),
    field: '/spec/selector/matchLabels/replicas',
    keyword: 'type',
  },
  {
    name: 'disallowLatestTag without an action',
    object: iapWith({ disallowLatestTag: {} }),
    field: '/spec/disallowLatestTag/action',
    keyword: 'required',
  },
  {
    name: 'the action Enforce',
    object: iapWith({ disallowLatestTag: { action: 'Enforce' } }),
    field: '/spec/disallowLatestTag/action',
    keyword: 'enum',
  },
  {
    name: 'allowedRegistries without registries',
    object: iapWith({ allowedRegistries: { action: 'Block' } }),
    field: '/spec/allowedRegistries/registries',
    keyword: 'required',
  },
  {
    name: 'allowedRegistries without an action',
    object: iapWith({ allowedRegistries: { registries: ['docker.io'] } }),
    field: '/spec/allowedRegistries/action',
    keyword: 'required',
  },
  {
    name: 'an empty registry list',
    object: registries([]),
    field: '/spec/allowedRegistries/registries',
    keyword: 'minItems',
  },
  {
    name: 'too many registries',
    object: registries(Array.from({ length: MAX_REGISTRIES + 1 }, (_, i) => `r${i}.io`)),
    field: '/spec/allowedRegistries/registries',
    keyword: 'maxItems',
  },
  {
    name: 'a registry listed twice',
    object: registries(['docker.io', 'docker.io']),
    field: '/spec/allowedRegistries/registries',
    keyword: 'x-kubernetes-list-type',
  },
  ...[
    '',
    'Docker.io',
    'https://ghcr.io',
    'ghcr.io/',
    'ghcr.io/MyOrg',
    'ghcr io',
    'ghcr.io:port',
    '*.example.com',
  ].map((registry) => ({
    name: `the registry ${JSON.stringify(registry)}`,
    object: registries([registry]),
    field: '/spec/allowedRegistries/registries/0',
    keyword: 'pattern',
  })),
  {
    name: 'a registry longer than the limit',
    object: registries([`ghcr.io/${'a'.repeat(MAX_REGISTRY_LENGTH)}`]),
    field: '/spec/allowedRegistries/registries/0',
    keyword: 'maxLength',
  },
  {
    name: 'blockVulnerableImages without an action',
    object: iapWith({ blockVulnerableImages: { severityThreshold: 'High' } }),
    field: '/spec/blockVulnerableImages/action',
    keyword: 'required',
  },
  {
    name: 'a threshold in lower case',
    object: vulnerable({ severityThreshold: 'high' }),
    field: '/spec/blockVulnerableImages/severityThreshold',
    keyword: 'enum',
  },
  {
    name: 'unscannedImages as the intent spells it',
    object: vulnerable({ unscannedImages: 'deny' }),
    field: '/spec/blockVulnerableImages/unscannedImages',
    keyword: 'enum',
  },
  {
    name: 'a scan timeout of 0',
    object: vulnerable({ scanTimeoutSeconds: 0 }),
    field: '/spec/blockVulnerableImages/scanTimeoutSeconds',
    keyword: 'minimum',
  },
  {
    name: 'a scan timeout of 26 s',
    object: vulnerable({ scanTimeoutSeconds: 26 }),
    field: '/spec/blockVulnerableImages/scanTimeoutSeconds',
    keyword: 'maximum',
  },
  {
    name: 'a fractional scan timeout',
    object: vulnerable({ scanTimeoutSeconds: 2.5 }),
    field: '/spec/blockVulnerableImages/scanTimeoutSeconds',
    keyword: 'type',
  },
  {
    name: 'a scan timeout as a duration',
    object: vulnerable({ scanTimeoutSeconds: '10s' }),
    field: '/spec/blockVulnerableImages/scanTimeoutSeconds',
    keyword: 'type',
  },
  {
    name: 'a condition without a reason',
    object: iapWith({}, { conditions: [{ ...ready, reason: undefined }] }),
    field: '/status/conditions/0/reason',
    keyword: 'required',
  },
  {
    name: 'two conditions of one type',
    object: iapWith({}, { conditions: [ready, { ...ready, status: 'False' }] }),
    field: '/status/conditions',
    keyword: 'x-kubernetes-list-type',
  },
  {
    name: 'a negative observedGeneration',
    object: iapWith({}, { observedGeneration: -1 }),
    field: '/status/observedGeneration',
    keyword: 'minimum',
  },
];

// Type-level counterparts of some rejections: each line below the directive must be a type error, or tsc fails.
const typeRejections: ImageAdmissionPolicy['spec'][] = [
  // @ts-expect-error: every check needs its action.
  { selector: {}, disallowLatestTag: {} },
  // @ts-expect-error: the registry check needs its registries.
  { selector: {}, allowedRegistries: { action: 'Block' } },
  // @ts-expect-error: unscannedImages is written Allow or Deny, not as the intent spells it.
  { selector: {}, blockVulnerableImages: { action: 'Block', unscannedImages: 'deny' } },
  // @ts-expect-error: the timeout is a number of seconds.
  { selector: {}, blockVulnerableImages: { action: 'Block', scanTimeoutSeconds: '10s' } },
];

// `true` only when A and B are assignable both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// `true` when every A is a B.
type Within<A, B> = [A] extends [B] ? true : false;
const sameTypes: [
  Same<ImageAdmissionAction, 'Block' | 'Audit'>,
  Same<ImageAdmissionThreshold, (typeof SEVERITIES)[number]>,
  Within<SeverityThreshold, ImageAdmissionThreshold>,
  Same<UnscannedImages, 'Allow' | 'Deny'>,
] = [true, true, true, true];

// ---------------------------------------------------------------------------------------------------------

interface Column {
  name: string;
  type: string;
  jsonPath: string;
}
const column = (name: string, type: string, jsonPath: string): Column => ({ name, type, jsonPath });

/** A schema's fields: 'type' or 'type(format)' for scalars, [item] for arrays, { '*': value } for maps. */
function shape(node: CrdSchema): unknown {
  if (node.type === 'array') return [node.items ? shape(node.items as CrdSchema) : 'missing'];
  if (node.type === 'object' && node.properties) {
    return Object.fromEntries(Object.entries(node.properties).map(([name, sub]) => [name, shape(sub)]));
  }
  if (node.type === 'object' && typeof node.additionalProperties === 'object') {
    return { '*': shape(node.additionalProperties as CrdSchema) };
  }
  return node.format ? `${node.type}(${node.format})` : node.type;
}

describe('the ImageAdmissionPolicy CRD', () => {
  it('has the group, names, scope and file name, and is listed in the kustomization', () => {
    const file = `${SCANNING_GROUP}_${PLURAL}.yaml`;
    expect(crds.get(KIND)?.file).toBe(file);
    expect(crdOf(KIND).metadata?.name).toBe(`${PLURAL}.${SCANNING_GROUP}`);
    expect(crdOf(KIND).spec.group).toBe(SCANNING_GROUP);
    expect(crdOf(KIND).spec.scope).toBe('Namespaced');
    expect(crdOf(KIND).spec.names).toEqual({
      kind: KIND,
      listKind: `${KIND}List`,
      plural: PLURAL,
      singular: 'imageadmissionpolicy',
      shortNames: ['iap'],
    });
    const kustomization = readFileSync(join(crdDirectory(), 'kustomization.yaml'), 'utf8');
    expect(kustomization.split('\n')).toContain(`  - ${file}`);
  });

  it('agrees with SCANNING_RESOURCES', () => {
    expect(SCANNING_RESOURCES.ImageAdmissionPolicy).toEqual({
      apiVersion: `${SCANNING_GROUP}/${SCANNING_VERSION}`,
      kind: KIND,
      plural: PLURAL,
      namespaced: true,
    });
  });

  it('serves and stores only v1alpha1, with a status subresource', () => {
    const versions = crdOf(KIND).spec.versions;
    expect(versions.map((v) => [v.name, v.served, v.storage])).toEqual([[SCANNING_VERSION, true, true]]);
    expect(versions[0]?.subresources).toEqual({ status: {} });
  });

  it('has the printer columns, each on a field of the schema', () => {
    const columns = crdOf(KIND).spec.versions[0]?.additionalPrinterColumns as Column[];
    expect(columns).toEqual([
      column('Latest', 'string', '.spec.disallowLatestTag.action'),
      column('Registries', 'string', '.spec.allowedRegistries.registries'),
      column('Vulnerable', 'string', '.spec.blockVulnerableImages.severityThreshold'),
      column('Ready', 'string', '.status.conditions[?(@.type=="Ready")].status'),
      column('Age', 'date', '.metadata.creationTimestamp'),
    ]);
    for (const { jsonPath } of columns.slice(0, 3)) expect(() => at(jsonPath.slice(1))).not.toThrow();
  });

  it('has the fields, and requires the selector, each action and the registries', () => {
    const { apiVersion, kind, metadata, ...fields } = schema().properties ?? {};
    expect([apiVersion?.type, kind?.type, metadata?.type]).toEqual(['string', 'string', 'object']);
    expect(Object.fromEntries(Object.entries(fields).map(([name, sub]) => [name, shape(sub)]))).toEqual({
      spec: {
        selector: { matchLabels: { '*': 'string' } },
        disallowLatestTag: { action: 'string' },
        allowedRegistries: { action: 'string', registries: ['string'] },
        blockVulnerableImages: {
          action: 'string',
          severityThreshold: 'string',
          unscannedImages: 'string',
          scanTimeoutSeconds: 'integer(int32)',
        },
      },
      status: {
        observedGeneration: 'integer(int64)',
        conditions: [
          {
            type: 'string',
            status: 'string',
            observedGeneration: 'integer(int64)',
            lastTransitionTime: 'string(date-time)',
            reason: 'string',
            message: 'string',
          },
        ],
      },
    });
    const required: Record<string, string[]> = {};
    walkSchema(schema(), (node, path) => {
      if (node.required) required[path] = [...node.required].sort();
    });
    expect(required).toEqual({
      spec: ['selector'],
      'spec.disallowLatestTag': ['action'],
      'spec.allowedRegistries': ['action', 'registries'],
      'spec.blockVulnerableImages': ['action'],
      'status.conditions[]': ['lastTransitionTime', 'message', 'reason', 'status', 'type'],
    });
  });

  it('is a structural schema with a description on every field', () => {
    expect(structuralSchemaProblems(schema())).toEqual([]);
  });

  it('bounds every list and free-text string', () => {
    const unbounded: string[] = [];
    walkSchema(schema(), (node, path) => {
      // apiVersion, kind and metadata are the API server's; label values are limited by it too; conditions
      // have one entry per type.
      if (['apiVersion', 'kind', 'metadata'].includes(path) || path.startsWith('spec.selector')) return;
      if (node.type === 'array' && node.maxItems === undefined && path !== 'status.conditions')
        unbounded.push(path);
      const bounded = node.maxLength !== undefined || node.enum !== undefined || node.format !== undefined;
      if (node.type === 'string' && !bounded) unbounded.push(path);
    });
    expect(unbounded).toEqual([]);
  });

  it("spells status.conditions exactly like the Nimbus kinds' conditions", async () => {
    const [nimbusPolicy] = await readCRDs([
      join(nimbusCrdDirectory(), 'intent.security.nimbus.com_nimbuspolicies.yaml'),
    ]);
    const nimbus = (
      nimbusPolicy as unknown as { spec: { versions: { schema: { openAPIV3Schema: CrdSchema } }[] } }
    ).spec.versions[0]?.schema.openAPIV3Schema.properties?.status?.properties?.conditions;
    expect(nimbus).toBeDefined();
    expect({ ...at('status.conditions'), description: undefined }).toEqual({
      ...nimbus,
      description: undefined,
    });
  });

  it('states the same limits, enums and defaults as the builder', () => {
    expect(at('spec.disallowLatestTag.action').enum).toEqual(['Block', 'Audit']);
    expect(at('spec.allowedRegistries.action').enum).toEqual(['Block', 'Audit']);
    expect(at('spec.blockVulnerableImages.action').enum).toEqual(['Block', 'Audit']);
    expect(at('spec.allowedRegistries.registries').minItems).toBe(1);
    expect(at('spec.allowedRegistries.registries').maxItems).toBe(MAX_REGISTRIES);
    const item = at('spec.allowedRegistries.registries[]');
    expect(new RegExp(item.pattern as string).source).toBe(REGISTRY_PATTERN.source);
    expect(item.maxLength).toBe(MAX_REGISTRY_LENGTH);
    const threshold = at('spec.blockVulnerableImages.severityThreshold');
    expect([...(threshold.enum ?? [])].sort()).toEqual([...SEVERITIES].sort());
    expect(threshold.enum).toEqual(expect.arrayContaining([...SEVERITY_THRESHOLDS]));
    expect(threshold.default).toBe(DEFAULT_SEVERITY_THRESHOLD);
    expect(at('spec.blockVulnerableImages.unscannedImages').default).toBe(DEFAULT_UNSCANNED_IMAGES);
    const timeout = at('spec.blockVulnerableImages.scanTimeoutSeconds');
    expect([timeout.minimum, timeout.maximum, timeout.default]).toEqual([
      MIN_SCAN_TIMEOUT_SECONDS,
      MAX_SCAN_TIMEOUT_SECONDS,
      DEFAULT_SCAN_TIMEOUT_SECONDS,
    ]);
  });
});

describe('ImageAdmissionPolicy validation', () => {
  it('has generated types that reject what the schema rejects (checked by tsc)', () => {
    expect(typeRejections).toHaveLength(4);
    expect(sameTypes.every((same) => same)).toBe(true);
  });

  it.each(ACCEPTED)('accepts $name', ({ object }) => {
    expect(validate(object).errors).toEqual([]);
  });

  it.each(ACCEPTED)('keeps every field of $name (nothing is pruned)', ({ object }) => {
    expect(prunedFields(schema(), object)).toEqual([]);
  });

  it.each(REJECTED)('rejects $name, at $field', ({ object, field, keyword }) => {
    const { errors } = validate(object);
    expect(errorFields(errors)).toEqual([field]);
    expect(errors.map((e) => e.keyword)).toContain(keyword);
  });

  it('fills in the blockVulnerableImages defaults and nothing else, and keeps given values', () => {
    const minimal = {
      ...iapMinimal,
      spec: { selector: {}, blockVulnerableImages: { action: 'Audit' as const } },
    };
    expect((validate(minimal).applied as ImageAdmissionPolicy).spec).toEqual({
      selector: {},
      blockVulnerableImages: {
        action: 'Audit',
        severityThreshold: 'Low',
        unscannedImages: 'Deny',
        scanTimeoutSeconds: 10,
      },
    });
    expect((validate(iapMinimal).applied as ImageAdmissionPolicy).spec).toEqual({ selector: {} });
    expect((validate(iapFull).applied as ImageAdmissionPolicy).spec).toEqual(iapFull.spec);
  });

  it('the full example uses every field of the schema', () => {
    const paths = (value: unknown, path = ''): string[] => {
      if (Array.isArray(value)) return [path, ...value.flatMap((item) => paths(item, `${path}[]`))];
      if (typeof value !== 'object' || value === null) return [path];
      return [path, ...Object.entries(value).flatMap(([k, v]) => paths(v, path ? `${path}.${k}` : k))];
    };
    const used = new Set(paths(iapFull));
    const declared: string[] = [];
    walkSchema(schema(), (_node, path) => {
      if (path && !path.startsWith('metadata') && !path.endsWith('{}')) declared.push(path);
    });
    expect(declared.filter((path) => !used.has(path))).toEqual([]);
  });
});
