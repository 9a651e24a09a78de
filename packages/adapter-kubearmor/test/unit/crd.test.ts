import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CrdSchema, structuralSchemaProblems, walkSchema } from '@nimbus-ts/k8s/testing';
import { Ajv, type AnySchemaObject, type ErrorObject } from 'ajv';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { buildKubeArmorPolicies, KUBEARMOR_INTENTS } from '../../src/build.js';
import { KUBEARMOR_POLICIES } from '../../src/kinds.js';
import type { KubeArmorPolicy } from '../../src/kubearmor-policy.js';
import { contextFor, nimbusPolicy, rule } from './fixtures.js';

// The test copy of KubeArmor's CRD stands in for the API server: Ajv applies its schema to every policy the
// builder can produce, and a walk over the schema finds fields the API server would silently prune.

const crdFile = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'crds',
  'security.kubearmor.com_kubearmorpolicies.yaml',
);

interface Crd {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    group: string;
    scope: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames: string[] };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      subresources?: Record<string, unknown>;
      schema: { openAPIV3Schema: CrdSchema };
    }[];
  };
}

const crd = load(readFileSync(crdFile, 'utf8')) as Crd;
const version = crd.spec.versions[0];
if (!version) throw new Error(`${crdFile} has no versions`);
const schema = version.schema.openAPIV3Schema;

/** Every `required` list, by path. */
function requiredLists(root: CrdSchema): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  walkSchema(root, (node, path) => {
    if (node.required) lists[path] = node.required;
  });
  return lists;
}

/** Paths in `value` that `node` does not declare, which the API server would drop without an error. */
function undeclaredFields(node: CrdSchema, value: unknown, path = ''): string[] {
  if (Array.isArray(value)) {
    const items = node.items;
    if (!items || Array.isArray(items)) return [];
    return value.flatMap((item, i) => undeclaredFields(items, item, `${path}[${i}]`));
  }
  if (typeof value !== 'object' || value === null) return [];
  // metadata is validated by the API server itself, not by the CRD's schema.
  if (path === 'metadata') return [];
  return Object.entries(value).flatMap(([name, child]) => {
    const at = path ? `${path}.${name}` : name;
    const declared =
      node.properties?.[name] ??
      (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
    return declared ? undeclaredFields(declared, child, at) : [at];
  });
}

// strict: false because Ajv does not know OpenAPI-only conventions; the schema here uses plain JSON Schema.
const ajv = new Ajv({ strict: false, allErrors: true });
const validateSchema = ajv.compile(schema as AnySchemaObject);

/** The schema errors for `object`, as `path: message` strings; empty when it is valid. */
function schemaErrors(object: unknown): string[] {
  if (validateSchema(object)) return [];
  return (validateSchema.errors ?? []).map((e: ErrorObject) => `${e.instancePath}: ${e.message}`);
}

/** Every policy the builder makes for all supported intents with the given rule fields. */
function buildAll(overrides: Parameters<typeof rule>[1] = {}, matchLabels?: Record<string, string> | null) {
  const policy = nimbusPolicy(
    KUBEARMOR_INTENTS.map((id) => rule(id, overrides)),
    matchLabels,
  );
  return buildKubeArmorPolicies(policy, contextFor(policy));
}

/** A valid policy to break in the negative cases, as a plain JSON object. */
function samplePolicy(): Record<string, unknown> & KubeArmorPolicy {
  const [built] = buildAll({ severity: 'Medium', tags: ['t'], description: 'd' });
  return JSON.parse(JSON.stringify(built));
}

describe('the KubeArmorPolicy CRD test copy', () => {
  it('defines the kind KUBEARMOR_POLICIES addresses', () => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    expect(crd.kind).toBe('CustomResourceDefinition');
    expect(crd.metadata.name).toBe(`${KUBEARMOR_POLICIES.plural}.security.kubearmor.com`);
    expect(`${crd.spec.group}/${version.name}`).toBe(KUBEARMOR_POLICIES.apiVersion);
    expect(crd.spec.names).toEqual({
      kind: KUBEARMOR_POLICIES.kind,
      listKind: 'KubeArmorPolicyList',
      plural: KUBEARMOR_POLICIES.plural,
      singular: 'kubearmorpolicy',
      shortNames: ['ksp'],
    });
    expect(crd.spec.scope).toBe(KUBEARMOR_POLICIES.namespaced ? 'Namespaced' : 'Cluster');
    expect(crd.spec.versions).toHaveLength(1);
    expect(version).toMatchObject({ name: 'v1', served: true, storage: true, subresources: { status: {} } });
  });

  it('has a structural schema', () => {
    expect(structuralSchemaProblems(schema)).toEqual([]);
  });

  it("keeps KubeArmor's required lists, and no others", () => {
    expect(requiredLists(schema)).toEqual({
      'spec.process.matchDirectories[]': ['dir'],
      'spec.process.matchPatterns[]': ['pattern'],
      'spec.file.matchPaths[]': ['path'],
      'spec.file.matchDirectories[]': ['dir'],
      'spec.file.matchPatterns[]': ['pattern'],
      'spec.network.matchProtocols[]': ['protocol'],
      'spec.capabilities.matchCapabilities[]': ['capability'],
    });
  });
});

describe('built policies against the CRD', () => {
  describe.each([
    { label: 'Block, no severity, tags or description', overrides: {} },
    { label: 'Audit', overrides: { rule: { action: 'Audit' } } },
    { label: 'Enforce', overrides: { rule: { action: 'Enforce' } } },
    { label: 'an unknown action', overrides: { rule: { action: 'Whatever' } } },
    {
      label: 'severity, tags and description',
      overrides: { severity: 'Critical', tags: ['a', 'b'], description: 'why' },
    },
    { label: 'a numeric severity', overrides: { severity: '1' } },
    { label: 'a severity outside the scale', overrides: { severity: '42' } },
    { label: 'an empty selector', overrides: {}, matchLabels: null },
  ])('with $label', ({ overrides, matchLabels }) => {
    const built = buildAll(overrides, matchLabels);

    it('covers every policy the builder makes', () => {
      expect(built).toHaveLength(7);
    });

    it.each(built.map((p) => [p.metadata.name, p] as const))('%s passes the schema', (_name, policy) => {
      expect(schemaErrors(policy)).toEqual([]);
    });

    it.each(built.map((p) => [p.metadata.name, p] as const))(
      '%s has no field the API server would prune',
      (_name, policy) => {
        expect(undeclaredFields(schema, policy)).toEqual([]);
      },
    );
  });

  it('accepts the untouched sample used below', () => {
    expect(schemaErrors(samplePolicy())).toEqual([]);
  });

  it.each([
    {
      what: 'severity 11',
      mutate: (p: KubeArmorPolicy) => {
        p.spec.severity = 11;
      },
      error: '/spec/severity',
    },
    {
      what: 'severity 0',
      mutate: (p: KubeArmorPolicy) => {
        p.spec.severity = 0;
      },
      error: '/spec/severity',
    },
    {
      what: 'a fractional severity',
      mutate: (p: KubeArmorPolicy) => {
        p.spec.severity = 5.5;
      },
      error: '/spec/severity',
    },
    {
      what: 'the action Enforce, which only SecurityIntents know',
      mutate: (p: KubeArmorPolicy) => {
        (p.spec as { action: string }).action = 'Enforce';
      },
      error: '/spec/action',
    },
    {
      what: 'a section action outside the enum',
      mutate: (p: KubeArmorPolicy) => {
        (p.spec.file as { action?: string }).action = 'Deny';
      },
      error: '/spec/file/action',
    },
    {
      what: 'a relative file path',
      mutate: (p: KubeArmorPolicy) => {
        p.spec.file.matchPaths = [{ path: 'etc/resolv.conf' }];
      },
      error: '/spec/file/matchPaths/0/path',
    },
    {
      what: 'a directory without its trailing slash',
      mutate: (p: KubeArmorPolicy) => {
        p.spec.file.matchDirectories = [{ dir: '/run/secrets' }];
      },
      error: '/spec/file/matchDirectories/0/dir',
    },
    {
      what: 'a file rule without a path',
      mutate: (p: KubeArmorPolicy) => {
        p.spec.file.matchPaths = [{ readOnly: true } as never];
      },
      error: '/spec/file/matchPaths/0',
    },
    {
      what: 'an unknown capability',
      mutate: (p: KubeArmorPolicy) => {
        p.spec.capabilities.matchCapabilities = [{ capability: 'sys_everything' }];
      },
      error: '/spec/capabilities/matchCapabilities/0/capability',
    },
    {
      what: 'a capability rule without a capability',
      mutate: (p: KubeArmorPolicy) => {
        p.spec.capabilities.matchCapabilities = [{} as never];
      },
      error: '/spec/capabilities/matchCapabilities/0',
    },
    {
      what: 'a label value that is not a string',
      mutate: (p: KubeArmorPolicy) => {
        (p.spec.selector.matchLabels as Record<string, unknown>).app = 1;
      },
      error: '/spec/selector/matchLabels/app',
    },
    {
      what: 'tags that are not a list',
      mutate: (p: KubeArmorPolicy) => {
        (p.spec as { tags: unknown }).tags = 'dns';
      },
      error: '/spec/tags',
    },
  ])('rejects $what', ({ mutate, error }) => {
    const policy = samplePolicy();
    mutate(policy);
    const errors = schemaErrors(policy);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((e) => e.slice(0, e.indexOf(':')))).toContain(error);
  });

  it('finds fields the API server would prune', () => {
    const policy = samplePolicy();
    (policy.spec as unknown as Record<string, unknown>).capabilites = {};
    (policy.spec.file as Record<string, unknown>).matchPath = [];
    expect(undeclaredFields(schema, policy)).toEqual(['spec.file.matchPath', 'spec.capabilites']);
  });
});
