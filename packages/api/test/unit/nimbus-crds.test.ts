import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CrdSchema,
  structuralSchemaProblems,
  unboundedFields,
  walkSchema,
} from '@nimbus-ts/k8s/testing';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  API_VERSION,
  type ClusterNimbusPolicy,
  type ClusterNimbusPolicySpec,
  type ClusterNimbusPolicyStatus,
  type ClusterSecurityIntentBinding,
  type ClusterSecurityIntentBindingStatus,
  crdDirectory,
  GROUP,
  type LabelSelector,
  type NimbusCondition,
  type NimbusKind,
  type NimbusObject,
  type NimbusPolicy,
  type NimbusRule,
  RESOURCES,
  type RuleEnforcement,
  type SecurityIntent,
  type SecurityIntentBinding,
  type SecurityIntentBindingStatus,
  type SecurityIntentStatus,
  VERSION,
} from '../../src/index.js';

// The CRDs in crds/ are the contract with users, adapters and upstream Nimbus manifests, and no cluster is
// needed to hold them to it: names and columns are compared with tables written from the upstream reference,
// the schemas are checked for the rules the API server enforces on CRDs (structural schemas), and example
// objects are validated with Ajv standing in for the API server's OpenAPI validation.

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

// The CRDs as raw YAML: client-node's typed models rename keywords (`default`, `x-kubernetes-*`), so they do
// not describe the parsed files.

interface CustomResourceDefinition {
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

/** Every CRD file, parsed, keyed by kind. */
const crds = new Map<string, { file: string; crd: CustomResourceDefinition }>();
// kustomization.yaml lists the CRDs for `kubectl apply -k` (deploy/ uses it); every other file is one CRD.
const crdFiles = readdirSync(crdDirectory())
  .filter((file) => file !== 'kustomization.yaml')
  .sort();
for (const file of crdFiles) {
  const crd = load(readFileSync(join(crdDirectory(), file), 'utf8')) as CustomResourceDefinition;
  crds.set(crd.spec.names.kind, { file, crd });
}

function crdOf(kind: string): CustomResourceDefinition {
  const entry = crds.get(kind);
  if (!entry) throw new Error(`no CRD for ${kind} in ${crdDirectory()}`);
  return entry.crd;
}

function storageSchema(kind: string): CrdSchema {
  const version = crdOf(kind).spec.versions.find((v) => v.storage);
  const schema = version?.schema?.openAPIV3Schema;
  if (!schema) throw new Error(`${kind} has no storage schema`);
  return schema;
}

// ---------------------------------------------------------------------------------------------------------
// Expected values, written from the upstream reference (U = 5GSEC/nimbus v1alpha1) plus our additions.

interface Column {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
}

const column = (name: string, type: string, jsonPath: string, priority?: number): Column =>
  priority === undefined ? { name, type, jsonPath } : { name, type, jsonPath, priority };
const STATUS_COLUMN = column('Status', 'string', '.status.status');
const AGE_COLUMN = column('Age', 'date', '.metadata.creationTimestamp');

// Field shapes (see `shape` below): 'type' or 'type(format)' for scalars, [item] for arrays, { '*': value }
// for maps, nested objects for objects.
const LABELS = { matchLabels: { '*': 'string' } };
const NAMESPACES = { matchNames: ['string'], excludeNames: ['string'] };
const PARAMS = { '*': ['string'] };
const RULE = {
  id: 'string',
  type: 'string',
  description: 'string',
  // Our additions: severity and tags travel from the SecurityIntent to the rule.
  severity: 'string',
  tags: ['string'],
  rule: { action: 'string', params: PARAMS },
};
const INTENT_REFS = [{ name: 'string' }];
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
const ENFORCEMENT = [{ ruleId: 'string', adapters: ['string'] }];
// Our addition: which adapter reported each adapterPolicies entry, so adapters writing the same kind keep theirs apart.
const POLICIES_BY_ADAPTER = [{ adapter: 'string', policies: ['string'] }];
const POLICY_STATUS = {
  status: 'string',
  lastUpdated: 'string(date-time)',
  numberOfAdapterPolicies: 'integer(int32)',
  adapterPolicies: ['string'],
  conditions: CONDITIONS,
  enforcement: ENFORCEMENT,
  policiesByAdapter: POLICIES_BY_ADAPTER,
};
const CONDITION_REQUIRED = ['lastTransitionTime', 'message', 'reason', 'status', 'type'];

interface Expected {
  kind: NimbusKind;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Cluster' | 'Namespaced';
  columns: Column[];
  spec: unknown;
  status: unknown;
  /** Every `required` list in the schema, by dotted path (`[]` marks array items); '' is the root. */
  required: Record<string, string[]>;
}

const EXPECTED: Expected[] = [
  {
    kind: 'SecurityIntent',
    plural: 'securityintents',
    singular: 'securityintent',
    shortNames: ['si'],
    scope: 'Cluster',
    columns: [
      STATUS_COLUMN,
      AGE_COLUMN,
      column('ID', 'string', '.spec.intent.id', 1),
      column('Action', 'string', '.spec.intent.action', 1),
    ],
    spec: {
      intent: {
        id: 'string',
        description: 'string',
        action: 'string',
        severity: 'string',
        tags: ['string'],
        params: PARAMS,
      },
    },
    status: { id: 'string', action: 'string', status: 'string', conditions: CONDITIONS },
    required: {
      '': ['spec'],
      spec: ['intent'],
      'spec.intent': ['action', 'id'],
      'status.conditions[]': CONDITION_REQUIRED,
    },
  },
  {
    kind: 'SecurityIntentBinding',
    plural: 'securityintentbindings',
    singular: 'securityintentbinding',
    shortNames: ['sib'],
    scope: 'Namespaced',
    columns: [
      STATUS_COLUMN,
      AGE_COLUMN,
      column('Intents', 'integer', '.status.numberOfBoundIntents'),
      column('NimbusPolicy', 'string', '.status.nimbusPolicy'),
    ],
    spec: { intents: INTENT_REFS, selector: { workloadSelector: LABELS }, cel: ['string'] },
    status: {
      status: 'string',
      lastUpdated: 'string(date-time)',
      numberOfBoundIntents: 'integer(int32)',
      boundIntents: ['string'],
      nimbusPolicy: 'string',
      conditions: CONDITIONS,
    },
    required: {
      spec: ['intents', 'selector'],
      'spec.intents[]': ['name'],
      'status.conditions[]': CONDITION_REQUIRED,
    },
  },
  {
    kind: 'ClusterSecurityIntentBinding',
    plural: 'clustersecurityintentbindings',
    singular: 'clustersecurityintentbinding',
    shortNames: ['csib'],
    scope: 'Cluster',
    columns: [
      STATUS_COLUMN,
      AGE_COLUMN,
      column('Intents', 'integer', '.status.numberOfBoundIntents'),
      column('NimbusPolicies', 'integer', '.status.numberOfNimbusPolicies'),
      column('ClusterNimbusPolicy', 'string', '.status.clusterNimbusPolicy'),
    ],
    spec: {
      intents: INTENT_REFS,
      cel: ['string'],
      selector: { nodeSelector: LABELS, nsSelector: NAMESPACES, workloadSelector: LABELS },
    },
    status: {
      status: 'string',
      lastUpdated: 'string(date-time)',
      numberOfBoundIntents: 'integer(int32)',
      boundIntents: ['string'],
      clusterNimbusPolicy: 'string',
      numberOfNimbusPolicies: 'integer(int32)',
      nimbusPolicyNamespaces: ['string'],
      conditions: CONDITIONS,
    },
    required: {
      spec: ['intents'],
      'spec.intents[]': ['name'],
      'status.conditions[]': CONDITION_REQUIRED,
    },
  },
  {
    kind: 'NimbusPolicy',
    plural: 'nimbuspolicies',
    singular: 'nimbuspolicy',
    shortNames: ['np'],
    scope: 'Namespaced',
    columns: [STATUS_COLUMN, AGE_COLUMN, column('Policies', 'integer', '.status.numberOfAdapterPolicies')],
    spec: { selector: LABELS, rules: [RULE] },
    status: POLICY_STATUS,
    required: {
      spec: ['rules', 'selector'],
      'spec.rules[]': ['id', 'rule'],
      'spec.rules[].rule': ['action'],
      'status.conditions[]': CONDITION_REQUIRED,
      'status.enforcement[]': ['ruleId'],
      'status.policiesByAdapter[]': ['adapter'],
    },
  },
  {
    kind: 'ClusterNimbusPolicy',
    plural: 'clusternimbuspolicies',
    singular: 'clusternimbuspolicy',
    shortNames: ['cwnp'],
    scope: 'Cluster',
    columns: [STATUS_COLUMN, AGE_COLUMN, column('Policies', 'integer', '.status.numberOfAdapterPolicies')],
    spec: { nodeSelector: LABELS, nsSelector: NAMESPACES, workloadSelector: LABELS, rules: [RULE] },
    status: POLICY_STATUS,
    required: {
      spec: ['rules'],
      'spec.rules[]': ['id', 'rule'],
      'spec.rules[].rule': ['action'],
      'status.conditions[]': CONDITION_REQUIRED,
      'status.enforcement[]': ['ruleId'],
      'status.policiesByAdapter[]': ['adapter'],
    },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Schema walking.

/** A compact, comparable rendering of a schema's fields and types (descriptions and validations left out). */
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

function requiredLists(schema: CrdSchema): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  walkSchema(schema, (node, path) => {
    if (node.required) lists[path] = [...node.required].sort();
  });
  return lists;
}

// ---------------------------------------------------------------------------------------------------------
// Ajv as a stand-in for the API server's validation of custom resources.

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

function kubernetesAjv(): Ajv {
  // strict: any keyword that is neither JSON Schema nor registered below is an error, which catches typos.
  // useDefaults: fill in `default` values the way the API server does on create.
  const ajv = new Ajv({ strict: true, allErrors: true, useDefaults: true });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-kubernetes-list-map-keys', schemaType: 'array' });
  // CEL validation rules (map-key lengths) are the API server's to evaluate; the integration tests apply them.
  ajv.addKeyword({ keyword: 'x-kubernetes-validations', schemaType: 'array' });
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-type',
    schemaType: 'string',
    type: 'array',
    errors: false,
    validate: validateListType,
  });
  return ajv;
}

const ajv = kubernetesAjv();
const validators = new Map<string, ValidateFunction>();
function validatorFor(kind: string): ValidateFunction {
  let validate = validators.get(kind);
  if (!validate) {
    validate = ajv.compile(storageSchema(kind) as AnySchemaObject);
    validators.set(kind, validate);
  }
  return validate;
}

/** The field each error is about, as a JSON pointer: a missing property counts as the property itself. */
function errorFields(errors: ErrorObject[]): string[] {
  return [
    ...new Set(
      errors.map((e) =>
        e.keyword === 'required' ? `${e.instancePath}/${e.params.missingProperty as string}` : e.instancePath,
      ),
    ),
  ];
}

/** Validates a copy (defaults are applied to it) and returns the copy and the errors. */
function validate(object: { kind: string }): { applied: unknown; errors: ErrorObject[] } {
  const applied = structuredClone(object);
  const check = validatorFor(object.kind);
  check(applied);
  return { applied, errors: check.errors ?? [] };
}

// ---------------------------------------------------------------------------------------------------------
// Examples. The accepted ones are typed with the generated types, so `tsc` proves the types accept what the
// schema accepts.

const siBlock: SecurityIntent = {
  apiVersion: API_VERSION,
  kind: 'SecurityIntent',
  metadata: { name: 'pkg-mgr-exec' },
  spec: {
    intent: {
      id: 'swDeploymentTools',
      description: 'Stop package managers from running inside containers.',
      action: 'Block',
      severity: 'medium',
      tags: ['NIST', 'CM-7(5)'],
      params: { paths: ['/usr/bin/apt', '/usr/bin/dpkg'], psaLevel: ['restricted'] },
    },
  },
};

const siAudit: SecurityIntent = {
  apiVersion: API_VERSION,
  kind: 'SecurityIntent',
  metadata: { name: 'dns-manipulation' },
  spec: { intent: { id: 'dnsManipulation', action: 'Audit' } },
};

const siTutorialEnforce: SecurityIntent = {
  apiVersion: API_VERSION,
  kind: 'SecurityIntent',
  metadata: {
    name: 'package-mgrs',
    annotations: { 'intent.nimbus.io/title': 'Package managers', 'intent.nimbus.io/severity': 'medium' },
  },
  spec: { intent: { id: 'pkgMgrs', action: 'Enforce' } },
};

const sib: SecurityIntentBinding = {
  apiVersion: API_VERSION,
  kind: 'SecurityIntentBinding',
  metadata: { name: 'web-binding', namespace: 'prod' },
  spec: {
    intents: [{ name: 'pkg-mgr-exec' }, { name: 'dns-manipulation' }],
    selector: { workloadSelector: { matchLabels: { app: 'web', env: 'prod' } } },
    cel: ['labels["tier"] == "frontend"', '!labels["app"].startsWith("test")'],
  },
};

const sibEmptySelector: SecurityIntentBinding = {
  apiVersion: API_VERSION,
  kind: 'SecurityIntentBinding',
  metadata: { name: 'everything', namespace: 'prod' },
  spec: { intents: [{ name: 'dns-manipulation' }], selector: {} },
};

const csibAllNamespaces: ClusterSecurityIntentBinding = {
  apiVersion: API_VERSION,
  kind: 'ClusterSecurityIntentBinding',
  metadata: { name: 'escape-to-host' },
  spec: {
    intents: [{ name: 'escape-to-host' }],
    selector: { nsSelector: { matchNames: ['*'] }, workloadSelector: { matchLabels: { app: 'web' } } },
  },
};

const csibNoSelector: ClusterSecurityIntentBinding = {
  apiVersion: API_VERSION,
  kind: 'ClusterSecurityIntentBinding',
  metadata: { name: 'bare' },
  spec: { intents: [{ name: 'assess-tls' }] },
};

const npWithRules: NimbusPolicy = {
  apiVersion: API_VERSION,
  kind: 'NimbusPolicy',
  metadata: {
    name: 'web-binding',
    namespace: 'prod',
    ownerReferences: [
      {
        apiVersion: API_VERSION,
        kind: 'SecurityIntentBinding',
        name: 'web-binding',
        uid: '5c1f9a1e-0f5e-4c8e-9a57-7f0d1f1b2c3d',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    rules: [
      {
        id: 'swDeploymentTools',
        description: 'Stop package managers from running inside containers.',
        rule: { action: 'Block', params: { paths: ['/usr/bin/apt'] } },
      },
      { id: 'dnsManipulation', rule: { action: 'Audit' } },
    ],
  },
  status: {
    status: 'Created',
    lastUpdated: '2024-11-07T10:15:00Z',
    numberOfAdapterPolicies: 2,
    adapterPolicies: [
      'KubeArmorPolicy/web-binding-swdeploymenttools',
      'NetworkPolicy/web-binding-dnsmanipulation',
    ],
  },
};

const npEmptySelector: NimbusPolicy = {
  apiVersion: API_VERSION,
  kind: 'NimbusPolicy',
  metadata: { name: 'everything', namespace: 'prod' },
  spec: { selector: {}, rules: [{ id: 'dnsManipulation', rule: { action: 'Audit' } }] },
};

const condition: NimbusCondition = {
  type: 'Ready',
  status: 'True',
  reason: 'AllRulesEnforced',
  message: '',
  lastTransitionTime: '2024-11-07T10:15:00Z',
  observedGeneration: 3,
};

const enforcement: RuleEnforcement[] = [
  { ruleId: 'escapeToHost', adapters: ['kyverno', 'kubearmor'] },
  { ruleId: 'assessTLS', adapters: [] },
];

const cwnp: ClusterNimbusPolicy = {
  apiVersion: API_VERSION,
  kind: 'ClusterNimbusPolicy',
  metadata: { name: 'escape-to-host' },
  spec: {
    nsSelector: { excludeNames: ['dev', 'staging'] },
    workloadSelector: { matchLabels: { app: 'web' } },
    nodeSelector: { matchLabels: { 'kubernetes.io/os': 'linux' } },
    rules: [{ id: 'escapeToHost', description: 'No host escape.', rule: { action: 'Block', params: {} } }],
  },
  status: {
    status: 'Created',
    conditions: [condition],
    enforcement,
    adapterPolicies: ['KyvernoClusterPolicy/escape-to-host-escapetohost'],
    policiesByAdapter: [
      { adapter: 'kyverno', policies: ['KyvernoClusterPolicy/escape-to-host-escapetohost'] },
    ],
  },
};

// A first status patch from an adapter on a fresh object: no field of the upstream `required` lists is set.
const npPartialStatus: NimbusPolicy = {
  ...npEmptySelector,
  status: { numberOfAdapterPolicies: 1, adapterPolicies: ['NetworkPolicy/everything-dnsmanipulation'] },
};

const ACCEPTED: { name: string; object: NimbusObject }[] = [
  { name: 'SecurityIntent with action Block, params and tags', object: siBlock },
  { name: 'SecurityIntent with action Audit and no optional field', object: siAudit },
  { name: "the tutorial's SecurityIntent with action Enforce", object: siTutorialEnforce },
  { name: 'SecurityIntentBinding with intents, matchLabels and cel', object: sib },
  { name: 'SecurityIntentBinding with an empty selector', object: sibEmptySelector },
  { name: 'ClusterSecurityIntentBinding with nsSelector matchNames ["*"]', object: csibAllNamespaces },
  { name: 'ClusterSecurityIntentBinding without a selector', object: csibNoSelector },
  { name: 'NimbusPolicy with rules, owner reference and an upstream-style status', object: npWithRules },
  { name: 'NimbusPolicy with an empty selector (as upstream writes it)', object: npEmptySelector },
  { name: 'NimbusPolicy with a partial status', object: npPartialStatus },
  { name: 'ClusterNimbusPolicy with selectors, conditions, enforcement and policiesByAdapter', object: cwnp },
];

// Rejected inputs are plain objects: several of them are also type errors (checked separately below).
interface Rejected {
  name: string;
  object: { kind: string } & Record<string, unknown>;
  /** JSON pointer of the one field the rejection must point at. */
  field: string;
  keyword: string;
}

const intent = (fields: Record<string, unknown>) => ({
  apiVersion: API_VERSION,
  kind: 'SecurityIntent',
  metadata: { name: 'x' },
  spec: { intent: fields },
});

// Issue 15: objects of any size were accepted; 40 bindings of 1 MB took the operator from 199 to 377 MiB.
const longCel = { ...sib, spec: { ...sib.spec, cel: [`labels.app == "${'a'.repeat(1024)}"`] } };
const manyIntents = {
  ...sib,
  spec: { ...sib.spec, intents: Array.from({ length: 65 }, (_, i) => ({ name: `i${i}` })) },
};

const REJECTED: Rejected[] = [
  {
    name: 'a CEL expression over 1024 characters',
    object: longCel,
    field: '/spec/cel/0',
    keyword: 'maxLength',
  },
  { name: 'a binding of 65 intents', object: manyIntents, field: '/spec/intents', keyword: 'maxItems' },
  {
    name: 'a label value over 63 characters',
    object: {
      ...sib,
      spec: { ...sib.spec, selector: { workloadSelector: { matchLabels: { app: 'a'.repeat(64) } } } },
    },
    field: '/spec/selector/workloadSelector/matchLabels/app',
    keyword: 'maxLength',
  },
  {
    name: 'a params value over 512 characters',
    object: intent({ id: 'swDeploymentTools', action: 'Block', params: { paths: ['/'.repeat(513)] } }),
    field: '/spec/intent/params/paths/0',
    keyword: 'maxLength',
  },
  {
    name: 'an intent id with a dash',
    object: intent({ id: 'sw-deployment-tools', action: 'Block' }),
    field: '/spec/intent/id',
    keyword: 'pattern',
  },
  {
    name: 'an intent without action',
    object: intent({ id: 'dnsManipulation' }),
    field: '/spec/intent/action',
    keyword: 'required',
  },
  {
    name: 'action Deny',
    object: intent({ id: 'dnsManipulation', action: 'Deny' }),
    field: '/spec/intent/action',
    keyword: 'enum',
  },
  {
    name: 'action in lower case',
    object: intent({ id: 'dnsManipulation', action: 'block' }),
    field: '/spec/intent/action',
    keyword: 'enum',
  },
  {
    name: 'a params value that is not an array',
    object: intent({ id: 'swDeploymentTools', action: 'Block', params: { paths: '/usr/bin/apt' } }),
    field: '/spec/intent/params/paths',
    keyword: 'type',
  },
  {
    name: 'a SecurityIntent without spec',
    object: { apiVersion: API_VERSION, kind: 'SecurityIntent', metadata: { name: 'x' } },
    field: '/spec',
    keyword: 'required',
  },
  {
    name: 'a SecurityIntentBinding without intents',
    object: { ...sib, spec: { selector: { workloadSelector: { matchLabels: { app: 'web' } } } } },
    field: '/spec/intents',
    keyword: 'required',
  },
  {
    name: 'a SecurityIntentBinding intent reference without name',
    object: { ...sib, spec: { ...sib.spec, intents: [{ name: 'a' }, {}] } },
    field: '/spec/intents/1/name',
    keyword: 'required',
  },
  {
    name: 'a SecurityIntentBinding label value that is not a string',
    object: {
      ...sib,
      spec: { ...sib.spec, selector: { workloadSelector: { matchLabels: { replicas: 3 } } } },
    },
    field: '/spec/selector/workloadSelector/matchLabels/replicas',
    keyword: 'type',
  },
  {
    name: 'a ClusterSecurityIntentBinding without intents',
    object: { ...csibAllNamespaces, spec: { selector: csibAllNamespaces.spec.selector } },
    field: '/spec/intents',
    keyword: 'required',
  },
  {
    name: 'a NimbusPolicy rule without rule',
    object: { ...npEmptySelector, spec: { selector: {}, rules: [{ id: 'dnsManipulation' }] } },
    field: '/spec/rules/0/rule',
    keyword: 'required',
  },
  {
    name: 'a condition status outside True/False/Unknown',
    object: { ...cwnp, status: { conditions: [{ ...condition, status: 'Yes' }] } },
    field: '/status/conditions/0/status',
    keyword: 'enum',
  },
  {
    name: 'a condition without lastTransitionTime',
    object: {
      ...cwnp,
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'Ok', message: '' }] },
    },
    field: '/status/conditions/0/lastTransitionTime',
    keyword: 'required',
  },
  {
    name: 'two conditions of the same type',
    object: { ...cwnp, status: { conditions: [condition, { ...condition, status: 'False' }] } },
    field: '/status/conditions',
    keyword: 'x-kubernetes-list-type',
  },
  {
    name: 'an enforcement entry without ruleId',
    object: { ...cwnp, status: { enforcement: [{ adapters: ['kyverno'] }] } },
    field: '/status/enforcement/0/ruleId',
    keyword: 'required',
  },
  {
    name: 'the same adapter twice for one rule',
    object: {
      ...cwnp,
      status: { enforcement: [{ ruleId: 'escapeToHost', adapters: ['kyverno', 'kyverno'] }] },
    },
    field: '/status/enforcement/0/adapters',
    keyword: 'x-kubernetes-list-type',
  },
  {
    name: 'a policiesByAdapter record without adapter',
    object: { ...cwnp, status: { policiesByAdapter: [{ policies: ['KyvernoClusterPolicy/x'] }] } },
    field: '/status/policiesByAdapter/0/adapter',
    keyword: 'required',
  },
  {
    name: 'two records of the same adapter',
    object: {
      ...cwnp,
      status: {
        policiesByAdapter: [
          { adapter: 'kyverno' },
          { adapter: 'kyverno', policies: ['KyvernoClusterPolicy/x'] },
        ],
      },
    },
    field: '/status/policiesByAdapter',
    keyword: 'x-kubernetes-list-type',
  },
  {
    name: 'a count that is not an integer',
    object: { ...npEmptySelector, status: { numberOfAdapterPolicies: 1.5 } },
    field: '/status/numberOfAdapterPolicies',
    keyword: 'type',
  },
];

// Type-level counterparts of some rejections: each line below the directive must be a type error, or tsc fails.
const typeRejections: SecurityIntent['spec']['intent'][] = [
  // @ts-expect-error: Deny is not an action.
  { id: 'dnsManipulation', action: 'Deny' },
  // @ts-expect-error: action is required.
  { id: 'dnsManipulation' },
  // @ts-expect-error: a params value must be a list.
  { id: 'swDeploymentTools', action: 'Block', params: { paths: '/usr/bin/apt' } },
];

// Type-level proof that the shared shapes really are shared: the cluster-wide kinds use exactly the types the
// derived names are taken from. `Same<A, B>` is `true` only when A and B are assignable both ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sharedShapes: [
  Same<ClusterNimbusPolicySpec['rules'][number], NimbusRule>,
  Same<NonNullable<ClusterNimbusPolicySpec['workloadSelector']>, LabelSelector>,
  Same<NonNullable<ClusterNimbusPolicyStatus['enforcement']>[number], RuleEnforcement>,
  Same<NonNullable<SecurityIntentStatus['conditions']>[number], NimbusCondition>,
  Same<NonNullable<SecurityIntentBindingStatus['conditions']>[number], NimbusCondition>,
  Same<NonNullable<ClusterSecurityIntentBindingStatus['conditions']>[number], NimbusCondition>,
  Same<NonNullable<ClusterNimbusPolicyStatus['conditions']>[number], NimbusCondition>,
  Same<NimbusObject['apiVersion'], typeof API_VERSION>,
] = [true, true, true, true, true, true, true, true];

// ---------------------------------------------------------------------------------------------------------

describe('the generated types', () => {
  it('reject what the schemas reject, and share the shapes the derived names promise (checked by tsc)', () => {
    expect(typeRejections).toHaveLength(3);
    expect(sharedShapes.every((same) => same)).toBe(true);
  });
});

describe('crds/', () => {
  it('holds exactly one CRD per kind of RESOURCES, and nothing else', () => {
    expect([...crds.keys()].sort()).toEqual(Object.keys(RESOURCES).sort());
    expect(crds.size).toBe(EXPECTED.length);
  });

  describe.each(EXPECTED)('$kind', (expected) => {
    const crd = () => crdOf(expected.kind);

    it('has the upstream group, names, scope and file name', () => {
      const { file } = crds.get(expected.kind) ?? {};
      expect(file).toBe(`${GROUP}_${expected.plural}.yaml`);
      expect(crd().apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(crd().kind).toBe('CustomResourceDefinition');
      expect(crd().metadata?.name).toBe(`${expected.plural}.${GROUP}`);
      expect(crd().spec.group).toBe(GROUP);
      expect(crd().spec.scope).toBe(expected.scope);
      expect(crd().spec.names).toEqual({
        kind: expected.kind,
        listKind: `${expected.kind}List`,
        plural: expected.plural,
        singular: expected.singular,
        shortNames: expected.shortNames,
      });
    });

    it('serves and stores only v1alpha1, with the status subresource', () => {
      const versions = crd().spec.versions;
      expect(versions.map((v) => [v.name, v.served, v.storage])).toEqual([[VERSION, true, true]]);
      expect(versions[0]?.subresources).toEqual({ status: {} });
    });

    it('has the upstream printer columns', () => {
      expect(crd().spec.versions[0]?.additionalPrinterColumns).toEqual(expected.columns);
    });

    it('has the upstream spec and status fields plus ours', () => {
      const schema = storageSchema(expected.kind);
      expect(shape(schema.properties?.spec ?? {})).toEqual(expected.spec);
      expect(shape(schema.properties?.status ?? {})).toEqual(expected.status);
    });

    it('requires the upstream spec fields and no status field', () => {
      expect(requiredLists(storageSchema(expected.kind))).toEqual(expected.required);
    });

    it('is a structural schema with a description on every field', () => {
      expect(structuralSchemaProblems(storageSchema(expected.kind))).toEqual([]);
    });

    it('bounds every string, list and map (issue 15)', () => {
      expect(unboundedFields(storageSchema(expected.kind))).toEqual([]);
    });

    it('agrees with RESOURCES', () => {
      expect(RESOURCES[expected.kind]).toEqual({
        apiVersion: 'intent.security.nimbus.com/v1alpha1',
        kind: expected.kind,
        plural: expected.plural,
        namespaced: expected.scope === 'Namespaced',
      });
    });
  });

  it('spells the shared sub-schemas identically in every kind', () => {
    const at = (kind: string, ...path: string[]) => {
      let node: CrdSchema | undefined = storageSchema(kind);
      for (const name of path) node = node?.properties?.[name];
      return node;
    };
    const conditions = at('NimbusPolicy', 'status', 'conditions');
    for (const kind of crds.keys()) expect(at(kind, 'status', 'conditions'), kind).toEqual(conditions);
    expect(at('ClusterNimbusPolicy', 'spec', 'rules')).toEqual(at('NimbusPolicy', 'spec', 'rules'));
    expect(at('ClusterNimbusPolicy', 'status')).toEqual(at('NimbusPolicy', 'status'));
    // The selectors' descriptions differ (binding vs. copied policy), their fields do not.
    expect(shape(at('ClusterNimbusPolicy', 'spec', 'nsSelector') ?? {})).toEqual(
      shape(at('ClusterSecurityIntentBinding', 'spec', 'selector', 'nsSelector') ?? {}),
    );
    expect(at('ClusterSecurityIntentBinding', 'spec', 'intents')).toEqual(
      at('SecurityIntentBinding', 'spec', 'intents'),
    );
  });

  it('documents the action enum, including what Enforce means', () => {
    const action = storageSchema('SecurityIntent').properties?.spec?.properties?.intent?.properties?.action;
    expect(action?.enum).toEqual(['Block', 'Audit', 'Enforce']);
    expect(action?.description).toMatch(/Enforce .*Block/);
  });
});

describe('validation against the storage schemas', () => {
  it.each(ACCEPTED)('accepts $name', ({ object }) => {
    expect(validate(object).errors).toEqual([]);
  });

  it.each(REJECTED)('rejects $name, at $field', ({ object, field, keyword }) => {
    const { errors } = validate(object);
    expect(errorFields(errors)).toEqual([field]);
    expect(errors.map((e) => e.keyword)).toContain(keyword);
  });

  it('defaults severity to Low, and keeps a given severity', () => {
    const severity = (object: NimbusObject) =>
      (validate(object).applied as SecurityIntent).spec.intent.severity;
    expect(severity(siAudit)).toBe('Low');
    expect(severity(siTutorialEnforce)).toBe('Low');
    expect(severity(siBlock)).toBe('medium');
  });
});

describe('scripts/generate-types.mjs', () => {
  const run = (cwd: string, ...args: string[]) =>
    spawnSync(process.execPath, ['scripts/generate-types.mjs', ...args], { cwd, encoding: 'utf8' });

  it('--check passes on the committed src/generated.ts', () => {
    const result = run(packageDir, '--out', 'src/generated.ts', '--check');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('src/generated.ts is up to date');
  }, 60_000);

  it('--check fails on a stale file at the default src/api/generated.ts, naming the file and the fix', () => {
    // A scratch copy inside the package, so that the script still resolves its dependencies and Biome's
    // configuration by walking up from its own location.
    const scratch = mkdtempSync(join(packageDir, '.generate-check-'));
    try {
      cpSync(join(packageDir, 'scripts'), join(scratch, 'scripts'), { recursive: true });
      cpSync(join(packageDir, 'crds'), join(scratch, 'crds'), { recursive: true });
      mkdirSync(join(scratch, 'src', 'api'), { recursive: true });
      const generated = readFileSync(join(packageDir, 'src', 'generated.ts'), 'utf8');
      writeFileSync(
        join(scratch, 'src', 'api', 'generated.ts'),
        generated.replace('severity?: string', 'x: 1'),
      );
      const result = run(scratch, '--check');
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('src/api/generated.ts is stale');
      expect(result.stderr).toContain('pnpm --filter @nimbus-ts/api generate');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 60_000);
});
