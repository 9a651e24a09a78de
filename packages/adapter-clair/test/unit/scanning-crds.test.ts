import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { crdDirectory as nimbusCrdDirectory } from '@nimbus-ts/api';
import {
  type CrdSchema,
  readCRDs,
  structuralSchemaProblems,
  unboundedFields,
  walkSchema,
} from '@nimbus-ts/k8s/testing';
import {
  crdDirectory,
  DEFAULT_SEVERITY_THRESHOLD,
  FINDING_LIMITS,
  type ImageScanPolicy,
  MAX_VULNERABILITIES_LIMIT,
  RESCAN_INTERVAL_PATTERN,
  type ReportedVulnerability,
  SCANNING_API_VERSION,
  SCANNING_GROUP,
  SCANNING_RESOURCES,
  SCANNING_VERSION,
  type ScanAction,
  type ScanningObject,
  SEVERITIES,
  SEVERITY_THRESHOLDS,
  type Severity,
  type SeverityThreshold,
  type VulnerabilityReport,
} from '@nimbus-ts/scan-api';
import {
  crdFiles,
  crdOf,
  crds,
  errorFields,
  prunedFields,
  schemaAt,
  storageSchema,
  validate,
} from '@nimbus-ts/scan-api/testing';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESCAN_INTERVAL } from '../../src/build/params.js';

// The CRDs in crds/ are the contract with users and with the scanner, held to it without a cluster: names and
// columns against tables, the schemas against the API server's structural-schema rules, and example objects
// against the schemas with Ajv standing in for the API server's validation. The example objects are typed with
// the generated types, so tsc proves the types accept what the schemas accept.

// The scanning CRDs and their generated types are @nimbus-ts/scan-api's: the package that holds crds/.
const packageDir = dirname(crdDirectory());

// ---------------------------------------------------------------------------------------------------------
// Expected values.

interface Column {
  name: string;
  type: string;
  jsonPath: string;
}
const column = (name: string, type: string, jsonPath: string): Column => ({ name, type, jsonPath });
const AGE = column('Age', 'date', '.metadata.creationTimestamp');

/** A schema's fields: 'type' or 'type(format)' for scalars, [item] for arrays, { '*': value } for maps. */
function shape(schema: CrdSchema): unknown {
  if (schema.type === 'array') return [schema.items ? shape(schema.items as CrdSchema) : 'missing'];
  if (schema.type === 'object' && schema.properties) {
    return Object.fromEntries(Object.entries(schema.properties).map(([name, sub]) => [name, shape(sub)]));
  }
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object') {
    return { '*': shape(schema.additionalProperties as CrdSchema) };
  }
  return schema.format ? `${schema.type}(${schema.format})` : schema.type;
}

/** Every `required` list in a schema, by path ('' is the root). */
function requiredLists(schema: CrdSchema): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  walkSchema(schema, (node, path) => {
    if (node.required) lists[path] = [...node.required].sort();
  });
  return lists;
}

const INT32 = 'integer(int32)';
const SEVERITY_COUNTS = {
  critical: INT32,
  high: INT32,
  medium: INT32,
  low: INT32,
  negligible: INT32,
  unknown: INT32,
};
const SEVERITY_FIELDS = ['critical', 'high', 'low', 'medium', 'negligible', 'unknown'];
const CONDITIONS = [
  {
    type: 'string',
    status: 'string',
    observedGeneration: 'integer(int64)',
    lastTransitionTime: 'string(date-time)',
    reason: 'string',
    message: 'string',
  },
];

interface Expected {
  kind: ScanningObject['kind'];
  plural: string;
  singular: string;
  shortNames: string[];
  subresources: unknown;
  columns: Column[];
  /** The top-level fields besides apiVersion, kind and metadata. */
  fields: Record<string, unknown>;
  required: Record<string, string[]>;
}

const EXPECTED: Expected[] = [
  {
    kind: 'ImageScanPolicy',
    plural: 'imagescanpolicies',
    singular: 'imagescanpolicy',
    shortNames: ['isp'],
    subresources: { status: {} },
    columns: [
      column('Threshold', 'string', '.spec.severityThreshold'),
      column('Images', 'integer', '.status.images'),
      column('Critical', 'integer', '.status.summary.critical'),
      column('High', 'integer', '.status.summary.high'),
      column('Ready', 'string', '.status.conditions[?(@.type=="Ready")].status'),
      AGE,
    ],
    fields: {
      spec: {
        selector: { matchLabels: { '*': 'string' } },
        severityThreshold: 'string',
        rescanInterval: 'string',
        ignoreUnfixed: 'boolean',
        action: 'string',
        notify: { slack: { webhookSecretRef: { name: 'string', key: 'string' } } },
      },
      status: {
        observedGeneration: 'integer(int64)',
        images: INT32,
        lastScanTime: 'string(date-time)',
        summary: SEVERITY_COUNTS,
        conditions: CONDITIONS,
      },
    },
    required: {
      spec: ['selector'],
      'spec.notify.slack': ['webhookSecretRef'],
      'spec.notify.slack.webhookSecretRef': ['key', 'name'],
      'status.conditions[]': ['lastTransitionTime', 'message', 'reason', 'status', 'type'],
    },
  },
  {
    kind: 'VulnerabilityReport',
    plural: 'vulnerabilityreports',
    singular: 'vulnerabilityreport',
    shortNames: ['vulnreport'],
    subresources: undefined,
    columns: [
      column('Image', 'string', '.image.repository'),
      column('Digest', 'string', '.metadata.labels.scanning\\.nimbus-ts\\.io/digest'),
      column('Critical', 'integer', '.report.summary.critical'),
      column('High', 'integer', '.report.summary.high'),
      column('Medium', 'integer', '.report.summary.medium'),
      column('Fixable', 'integer', '.report.summary.fixable'),
      AGE,
    ],
    fields: {
      image: {
        registry: 'string',
        repository: 'string',
        tag: 'string',
        digest: 'string',
        indexDigest: 'string',
        platform: { os: 'string', architecture: 'string', variant: 'string' },
      },
      scanner: { name: 'string', version: 'string' },
      report: {
        updateTimestamp: 'string(date-time)',
        summary: { ...SEVERITY_COUNTS, total: INT32, fixable: INT32 },
        fixableSummary: SEVERITY_COUNTS,
        vulnerabilities: [
          {
            id: 'string',
            severity: 'string',
            package: 'string',
            installedVersion: 'string',
            fixedVersion: 'string',
            links: ['string'],
            description: 'string',
          },
        ],
        truncated: 'boolean',
        ignoredUnfixed: INT32,
      },
    },
    required: {
      '': ['image', 'report', 'scanner'],
      image: ['digest', 'platform', 'registry', 'repository'],
      'image.platform': ['architecture', 'os'],
      scanner: ['name'],
      report: [
        'fixableSummary',
        'ignoredUnfixed',
        'summary',
        'truncated',
        'updateTimestamp',
        'vulnerabilities',
      ],
      'report.summary': [...SEVERITY_FIELDS, 'fixable', 'total'].sort(),
      'report.fixableSummary': SEVERITY_FIELDS,
      'report.vulnerabilities[]': ['fixedVersion', 'id', 'installedVersion', 'package', 'severity'],
    },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Examples.

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const INDEX_DIGEST = `sha256:${'fedcba9876543210'.repeat(4)}`;

const ready = {
  type: 'Ready',
  status: 'True',
  reason: 'AllImagesScanned',
  message: '',
  lastTransitionTime: '2026-01-01T00:00:00Z',
  observedGeneration: 2,
} as const;

const ispMinimal: ImageScanPolicy = {
  apiVersion: SCANNING_API_VERSION,
  kind: 'ImageScanPolicy',
  metadata: { name: 'web-vulnerabilityscanning', namespace: 'shop' },
  spec: { selector: {} },
};

const ispFull: ImageScanPolicy = {
  apiVersion: SCANNING_API_VERSION,
  kind: 'ImageScanPolicy',
  metadata: { name: 'web-vulnerabilityscanning', namespace: 'shop' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    severityThreshold: 'High',
    rescanInterval: '1h30m',
    ignoreUnfixed: true,
    action: 'Block',
    notify: { slack: { webhookSecretRef: { name: 'slack-webhook', key: 'url' } } },
  },
  status: {
    observedGeneration: 2,
    images: 3,
    lastScanTime: '2026-01-01T00:05:00Z',
    summary: { critical: 1, high: 4, medium: 9, low: 2, negligible: 0, unknown: 0 },
    conditions: [ready],
  },
};

const ispPartialStatus: ImageScanPolicy = { ...ispMinimal, status: { images: 0 } };

const finding: ReportedVulnerability = {
  id: 'CVE-2024-0001',
  severity: 'Critical',
  package: 'libssl3',
  installedVersion: '3.0.11-1~deb12u2',
  fixedVersion: '3.0.15-1~deb12u1',
  links: ['https://security-tracker.debian.org/tracker/CVE-2024-0001'],
  description: 'A flaw in openssl.',
};

const vrFull: VulnerabilityReport = {
  apiVersion: SCANNING_API_VERSION,
  kind: 'VulnerabilityReport',
  metadata: {
    name: 'web-0123456789ab',
    namespace: 'shop',
    labels: { 'scanning.nimbus-ts.io/digest': '0123456789ab' },
  },
  image: {
    registry: 'registry.example.com:5000',
    repository: 'shop/web',
    tag: 'v1.2.3',
    digest: DIGEST,
    indexDigest: INDEX_DIGEST,
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
  },
  scanner: { name: 'Clair', version: 'v4.9.0' },
  report: {
    updateTimestamp: '2026-01-01T00:05:00Z',
    summary: { critical: 1, high: 0, medium: 1, low: 0, negligible: 0, unknown: 0, total: 2, fixable: 1 },
    fixableSummary: { critical: 1, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 },
    vulnerabilities: [
      finding,
      { id: 'CVE-2024-0002', severity: 'Medium', package: 'bash', installedVersion: '5.2', fixedVersion: '' },
    ],
    truncated: false,
    ignoredUnfixed: 0,
  },
};

const vrMinimal: VulnerabilityReport = {
  apiVersion: SCANNING_API_VERSION,
  kind: 'VulnerabilityReport',
  metadata: { name: 'alpine-0123456789ab', namespace: 'shop' },
  image: {
    registry: 'docker.io',
    repository: 'library/alpine',
    digest: DIGEST,
    platform: { os: 'linux', architecture: 'amd64' },
  },
  scanner: { name: 'Clair' },
  report: {
    updateTimestamp: '2026-01-01T00:05:00Z',
    summary: { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0, total: 0, fixable: 0 },
    fixableSummary: { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 },
    vulnerabilities: [],
    truncated: false,
    ignoredUnfixed: 0,
  },
};

const ACCEPTED: { name: string; object: ScanningObject }[] = [
  { name: 'an ImageScanPolicy with only a selector', object: ispMinimal },
  { name: 'an ImageScanPolicy with every field and a status', object: ispFull },
  { name: 'an ImageScanPolicy with a partial status', object: ispPartialStatus },
  { name: 'a VulnerabilityReport with every field', object: vrFull },
  { name: 'a VulnerabilityReport with only the required fields', object: vrMinimal },
  {
    name: 'a VulnerabilityReport listing 500 findings',
    object: { ...vrFull, report: { ...vrFull.report, vulnerabilities: Array(500).fill(finding) } },
  },
];

interface Rejected {
  name: string;
  object: { kind: string } & Record<string, unknown>;
  /** JSON pointer of the one field the rejection must point at. */
  field: string;
  keyword: string;
}

const ispWith = (spec: Record<string, unknown>, status?: Record<string, unknown>) => ({
  ...ispMinimal,
  spec: { ...ispMinimal.spec, ...spec },
  ...(status ? { status } : {}),
});
const vrWith = (part: 'image' | 'scanner' | 'report', fields: Record<string, unknown>) => ({
  ...vrFull,
  [part]: { ...vrFull[part], ...fields },
});
const findingWith = (fields: Record<string, unknown>) =>
  vrWith('report', { vulnerabilities: [{ ...finding, ...fields }] });
const { fixedVersion: _, ...withoutFixedVersion } = finding;
const slackRef = (ref: Record<string, unknown>) => ispWith({ notify: { slack: { webhookSecretRef: ref } } });

const REJECTED: Rejected[] = [
  {
    name: 'a policy without selector',
    object: { ...ispMinimal, spec: {} },
    field: '/spec/selector',
    keyword: 'required',
  },
  {
    name: 'a label value that is not a string',
    object: ispWith({ selector: { matchLabels: { replicas: 3 } } }),
    field: '/spec/selector/matchLabels/replicas',
    keyword: 'type',
  },
  {
    name: 'a threshold in lower case',
    object: ispWith({ severityThreshold: 'high' }),
    field: '/spec/severityThreshold',
    keyword: 'enum',
  },
  {
    name: 'the threshold Unknown',
    object: ispWith({ severityThreshold: 'Unknown' }),
    field: '/spec/severityThreshold',
    keyword: 'enum',
  },
  {
    name: 'a rescan interval in days',
    object: ispWith({ rescanInterval: '1d' }),
    field: '/spec/rescanInterval',
    keyword: 'pattern',
  },
  {
    name: 'a rescan interval in words',
    object: ispWith({ rescanInterval: '6 hours' }),
    field: '/spec/rescanInterval',
    keyword: 'pattern',
  },
  {
    name: 'a fractional rescan interval',
    object: ispWith({ rescanInterval: '1.5h' }),
    field: '/spec/rescanInterval',
    keyword: 'pattern',
  },
  {
    name: 'an empty rescan interval',
    object: ispWith({ rescanInterval: '' }),
    field: '/spec/rescanInterval',
    keyword: 'pattern',
  },
  {
    name: 'ignoreUnfixed as a string',
    object: ispWith({ ignoreUnfixed: 'true' }),
    field: '/spec/ignoreUnfixed',
    keyword: 'type',
  },
  {
    name: 'the action Enforce',
    object: ispWith({ action: 'Enforce' }),
    field: '/spec/action',
    keyword: 'enum',
  },
  {
    name: 'a Slack webhook URL instead of a Secret reference',
    object: ispWith({ notify: { slack: { webhookUrl: 'https://hooks.slack.com/services/T/B/X' } } }),
    field: '/spec/notify/slack/webhookSecretRef',
    keyword: 'required',
  },
  {
    name: 'a Secret reference without key',
    object: slackRef({ name: 'slack' }),
    field: '/spec/notify/slack/webhookSecretRef/key',
    keyword: 'required',
  },
  {
    name: 'a Secret name that is not a DNS subdomain',
    object: slackRef({ name: 'Slack_Webhook', key: 'url' }),
    field: '/spec/notify/slack/webhookSecretRef/name',
    keyword: 'pattern',
  },
  {
    name: 'a Secret key with a slash',
    object: slackRef({ name: 'slack', key: 'a/b' }),
    field: '/spec/notify/slack/webhookSecretRef/key',
    keyword: 'pattern',
  },
  {
    name: 'a negative image count',
    object: ispWith({}, { images: -1 }),
    field: '/status/images',
    keyword: 'minimum',
  },
  {
    name: 'a fractional count in the summary',
    object: ispWith({}, { summary: { critical: 1.5 } }),
    field: '/status/summary/critical',
    keyword: 'type',
  },
  {
    name: 'two conditions of the same type',
    object: ispWith({}, { conditions: [ready, { ...ready, status: 'False' }] }),
    field: '/status/conditions',
    keyword: 'x-kubernetes-list-type',
  },
  {
    name: 'a condition status outside True/False/Unknown',
    object: ispWith({}, { conditions: [{ ...ready, status: 'Yes' }] }),
    field: '/status/conditions/0/status',
    keyword: 'enum',
  },
  {
    name: 'a digest in upper case',
    object: vrWith('image', { digest: DIGEST.toUpperCase().replace('SHA256', 'sha256') }),
    field: '/image/digest',
    keyword: 'pattern',
  },
  {
    name: 'a sha512 digest',
    object: vrWith('image', { digest: `sha512:${'ab'.repeat(64)}` }),
    field: '/image/digest',
    keyword: 'pattern',
  },
  {
    name: 'a digest without algorithm',
    object: vrWith('image', { digest: 'ab'.repeat(32) }),
    field: '/image/digest',
    keyword: 'pattern',
  },
  {
    name: 'a short index digest',
    object: vrWith('image', { indexDigest: 'sha256:abc' }),
    field: '/image/indexDigest',
    keyword: 'pattern',
  },
  {
    name: 'a repository in upper case',
    object: vrWith('image', { repository: 'Shop/Web' }),
    field: '/image/repository',
    keyword: 'pattern',
  },
  {
    name: 'a tag starting with a dash',
    object: vrWith('image', { tag: '-rc1' }),
    field: '/image/tag',
    keyword: 'pattern',
  },
  {
    name: 'an image without platform',
    object: { ...vrFull, image: { registry: 'docker.io', repository: 'library/nginx', digest: DIGEST } },
    field: '/image/platform',
    keyword: 'required',
  },
  {
    name: 'the scanner Trivy',
    object: vrWith('scanner', { name: 'Trivy' }),
    field: '/scanner/name',
    keyword: 'enum',
  },
  {
    name: 'a report without report',
    object: {
      apiVersion: SCANNING_API_VERSION,
      kind: 'VulnerabilityReport',
      metadata: {},
      image: vrFull.image,
      scanner: vrFull.scanner,
    },
    field: '/report',
    keyword: 'required',
  },
  {
    name: 'a summary without total',
    object: vrWith('report', { summary: { ...zeroCounts(), fixable: 0 } }),
    field: '/report/summary/total',
    keyword: 'required',
  },
  {
    name: 'an update time that is not a timestamp',
    object: vrWith('report', { updateTimestamp: 'yesterday' }),
    field: '/report/updateTimestamp',
    keyword: 'format',
  },
  {
    name: 'more than 500 findings',
    object: vrWith('report', { vulnerabilities: Array(501).fill(finding) }),
    field: '/report/vulnerabilities',
    keyword: 'maxItems',
  },
  {
    name: 'a severity in upper case',
    object: findingWith({ severity: 'CRITICAL' }),
    field: '/report/vulnerabilities/0/severity',
    keyword: 'enum',
  },
  {
    name: 'an empty vulnerability id',
    object: findingWith({ id: '' }),
    field: '/report/vulnerabilities/0/id',
    keyword: 'minLength',
  },
  {
    name: 'a description of 513 characters',
    object: findingWith({ description: 'x'.repeat(513) }),
    field: '/report/vulnerabilities/0/description',
    keyword: 'maxLength',
  },
  {
    name: 'six links',
    object: findingWith({ links: Array(6).fill('https://example.com') }),
    field: '/report/vulnerabilities/0/links',
    keyword: 'maxItems',
  },
  {
    name: 'a link of 513 characters',
    object: findingWith({ links: [`https://${'x'.repeat(505)}`] }),
    field: '/report/vulnerabilities/0/links/0',
    keyword: 'maxLength',
  },
  {
    name: 'a finding without fixedVersion',
    object: vrWith('report', { vulnerabilities: [withoutFixedVersion] }),
    field: '/report/vulnerabilities/0/fixedVersion',
    keyword: 'required',
  },
  {
    name: 'a negative ignoredUnfixed',
    object: vrWith('report', { ignoredUnfixed: -1 }),
    field: '/report/ignoredUnfixed',
    keyword: 'minimum',
  },
];

function zeroCounts() {
  return { critical: 0, high: 0, medium: 0, low: 0, negligible: 0, unknown: 0 };
}

// Type-level counterparts of some rejections: each line below the directive must be a type error, or tsc fails.
const specRejections: ImageScanPolicy['spec'][] = [
  // @ts-expect-error: Unknown is not a threshold.
  { selector: {}, severityThreshold: 'Unknown' },
  // @ts-expect-error: Enforce is written as Block.
  { selector: {}, action: 'Enforce' },
  // @ts-expect-error: the selector is required.
  { severityThreshold: 'Low' },
];
const scannerRejections: VulnerabilityReport['scanner'][] = [
  // @ts-expect-error: only Clair writes these reports.
  { name: 'Trivy' },
];
const findingRejections: ReportedVulnerability[] = [
  // @ts-expect-error: a finding needs a fixedVersion, empty when there is none.
  { id: 'CVE-1', severity: 'High', package: 'p', installedVersion: '1' },
  // @ts-expect-error: severities are spelt as Clair spells them.
  { id: 'CVE-1', severity: 'HIGH', package: 'p', installedVersion: '1', fixedVersion: '' },
];
const typeRejections = [...specRejections, ...scannerRejections, ...findingRejections];

// `Same<A, B>` is `true` only when A and B are assignable both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameTypes: [
  Same<Severity, ReportedVulnerability['severity']>,
  Same<(typeof SEVERITY_THRESHOLDS)[number], SeverityThreshold>,
  Same<ScanAction, 'Block' | 'Audit'>,
  Same<ScanningObject['apiVersion'], typeof SCANNING_API_VERSION>,
] = [true, true, true, true];

// ---------------------------------------------------------------------------------------------------------

describe('the generated types', () => {
  it('reject what the schemas reject and name the same severities as src/report (checked by tsc)', () => {
    expect(typeRejections).toHaveLength(6);
    expect(sameTypes.every((same) => same)).toBe(true);
  });
});

describe('crds/', () => {
  it('holds exactly one CRD per kind of SCANNING_RESOURCES, and a kustomization listing them', () => {
    expect([...crds.keys()].sort()).toEqual(Object.keys(SCANNING_RESOURCES).sort());
    // ImageAdmissionPolicy's shape is pinned in admission-crd.test.ts; the table below covers the scan kinds.
    expect(crds.size).toBe(Object.keys(SCANNING_RESOURCES).length);
    const kustomization = readFileSync(join(packageDir, 'crds', 'kustomization.yaml'), 'utf8');
    const listed = [...kustomization.matchAll(/^ {2}- (\S+)$/gm)].map((m) => m[1]);
    expect(listed).toEqual(crdFiles);
  });

  describe.each(EXPECTED)('$kind', (expected) => {
    const crd = () => crdOf(expected.kind);

    it('has the group, names, scope and file name', () => {
      expect(crds.get(expected.kind)?.file).toBe(`${SCANNING_GROUP}_${expected.plural}.yaml`);
      expect(crd().apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(crd().kind).toBe('CustomResourceDefinition');
      expect(crd().metadata?.name).toBe(`${expected.plural}.${SCANNING_GROUP}`);
      expect(crd().spec.group).toBe(SCANNING_GROUP);
      expect(crd().spec.scope).toBe('Namespaced');
      expect(crd().spec.names).toEqual({
        kind: expected.kind,
        listKind: `${expected.kind}List`,
        plural: expected.plural,
        singular: expected.singular,
        shortNames: expected.shortNames,
      });
    });

    it('serves and stores only v1alpha1, with the expected subresources', () => {
      const versions = crd().spec.versions;
      expect(versions.map((v) => [v.name, v.served, v.storage])).toEqual([[SCANNING_VERSION, true, true]]);
      expect(versions[0]?.subresources).toEqual(expected.subresources);
    });

    it('has the printer columns', () => {
      expect(crd().spec.versions[0]?.additionalPrinterColumns).toEqual(expected.columns);
    });

    it('has the fields', () => {
      const { apiVersion, kind, metadata, ...fields } = storageSchema(expected.kind).properties ?? {};
      expect([apiVersion?.type, kind?.type, metadata?.type]).toEqual(['string', 'string', 'object']);
      expect(Object.fromEntries(Object.entries(fields).map(([name, sub]) => [name, shape(sub)]))).toEqual(
        expected.fields,
      );
    });

    it('requires these fields and no others', () => {
      expect(requiredLists(storageSchema(expected.kind))).toEqual(expected.required);
    });

    it('is a structural schema with a description on every field', () => {
      expect(structuralSchemaProblems(storageSchema(expected.kind))).toEqual([]);
    });

    it('agrees with SCANNING_RESOURCES', () => {
      expect(SCANNING_RESOURCES[expected.kind]).toEqual({
        apiVersion: `${SCANNING_GROUP}/${SCANNING_VERSION}`,
        kind: expected.kind,
        plural: expected.plural,
        namespaced: true,
      });
    });

    it('bounds every string, list and map, label selectors and conditions included (issue 15)', () => {
      expect(unboundedFields(storageSchema(expected.kind))).toEqual([]);
    });
  });

  it("spells status.conditions exactly like the Nimbus kinds' conditions", async () => {
    const [nimbusPolicy] = await readCRDs([
      join(nimbusCrdDirectory(), 'intent.security.nimbus.com_nimbuspolicies.yaml'),
    ]);
    const nimbus = (
      nimbusPolicy as unknown as { spec: { versions: { schema: { openAPIV3Schema: CrdSchema } }[] } }
    ).spec.versions[0]?.schema.openAPIV3Schema.properties?.status?.properties?.conditions;
    const ours = schemaAt('ImageScanPolicy', 'status.conditions');
    expect(nimbus).toBeDefined();
    expect({ ...ours, description: undefined }).toEqual({ ...nimbus, description: undefined });
  });

  it('states the same limits, enums and defaults as the code', () => {
    const isp = (path: string) => schemaAt('ImageScanPolicy', path);
    const vr = (path: string) => schemaAt('VulnerabilityReport', path);
    expect(isp('spec.severityThreshold').enum).toEqual([...SEVERITY_THRESHOLDS]);
    expect(isp('spec.severityThreshold').default).toBe(DEFAULT_SEVERITY_THRESHOLD);
    expect(isp('spec.rescanInterval').pattern).toBe(RESCAN_INTERVAL_PATTERN.source);
    expect(isp('spec.rescanInterval').default).toBe(DEFAULT_RESCAN_INTERVAL);
    expect(isp('spec.ignoreUnfixed').default).toBe(false);
    expect(isp('spec.action').default).toBe('Audit');
    expect([...(vr('report.vulnerabilities[].severity').enum ?? [])].sort()).toEqual([...SEVERITIES].sort());
    expect(vr('report.vulnerabilities').maxItems).toBe(MAX_VULNERABILITIES_LIMIT);
    expect(vr('report.vulnerabilities[].id').maxLength).toBe(FINDING_LIMITS.id);
    expect(vr('report.vulnerabilities[].package').maxLength).toBe(FINDING_LIMITS.package);
    expect(vr('report.vulnerabilities[].installedVersion').maxLength).toBe(FINDING_LIMITS.version);
    expect(vr('report.vulnerabilities[].fixedVersion').maxLength).toBe(FINDING_LIMITS.version);
    expect(vr('report.vulnerabilities[].description').maxLength).toBe(FINDING_LIMITS.description);
    expect(vr('report.vulnerabilities[].links').maxItems).toBe(FINDING_LIMITS.links);
    expect((vr('report.vulnerabilities[].links').items as CrdSchema).maxLength).toBe(FINDING_LIMITS.link);
  });
});

describe('validation against the storage schemas', () => {
  it.each(ACCEPTED)('accepts $name', ({ object }) => {
    expect(validate(object).errors).toEqual([]);
  });

  it.each(ACCEPTED)('keeps every field of $name (nothing is pruned)', ({ object }) => {
    expect(prunedFields(storageSchema(object.kind), object)).toEqual([]);
  });

  it.each(REJECTED)('rejects $name, at $field', ({ object, field, keyword }) => {
    const { errors } = validate(object);
    expect(errorFields(errors)).toEqual([field]);
    expect(errors.map((e) => e.keyword)).toContain(keyword);
  });

  it('fills in the ImageScanPolicy defaults, and keeps given values', () => {
    expect((validate(ispMinimal).applied as ImageScanPolicy).spec).toEqual({
      selector: {},
      severityThreshold: 'Low',
      rescanInterval: '6h',
      ignoreUnfixed: false,
      action: 'Audit',
    });
    expect((validate(ispFull).applied as ImageScanPolicy).spec).toEqual(ispFull.spec);
  });

  it('the full examples use every field of the schemas', () => {
    const paths = (value: unknown, path = ''): string[] => {
      if (Array.isArray(value)) return [path, ...value.flatMap((item) => paths(item, `${path}[]`))];
      if (typeof value !== 'object' || value === null) return [path];
      return [path, ...Object.entries(value).flatMap(([k, v]) => paths(v, path ? `${path}.${k}` : k))];
    };
    for (const object of [ispFull, vrFull]) {
      const used = new Set(paths(object));
      const declared: string[] = [];
      walkSchema(storageSchema(object.kind), (_node, path) => {
        if (path && !path.startsWith('metadata') && !path.endsWith('{}')) declared.push(path);
      });
      expect(declared.filter((path) => !used.has(path))).toEqual([]);
    }
  });
});

describe('src/api/generated.ts', () => {
  it('is up to date with crds/ (the shared generator, run with --check as in typecheck)', () => {
    const result = spawnSync(
      process.execPath,
      ['../api/scripts/generate-types.mjs', '--package-dir', '.', '--union', 'ScanningObject', '--check'],
      { cwd: packageDir, encoding: 'utf8' },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('src/api/generated.ts is up to date with crds/ (3 kinds)');
  }, 60_000);
});
