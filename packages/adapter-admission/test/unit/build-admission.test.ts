import { type BuildContext, type Builder, desiredState } from '@nimbus-ts/adapter-sdk';
import type { NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { defaultRegistry, IntentIds } from '@nimbus-ts/idpool';
import { semanticEqual } from '@nimbus-ts/k8s';
import {
  IMAGE_ADMISSION_POLICIES,
  type ImageAdmissionPolicy,
  SEVERITY_THRESHOLDS,
  type VulnerabilityCheck,
} from '@nimbus-ts/scan-api';
import { prunedFields, storageSchema, validate } from '@nimbus-ts/scan-api/testing';
import { describe, expect, it } from 'vitest';
import { admissionDeclaration } from '../../src/adapter.js';
import {
  ADMISSION_PARAMS,
  allowedRegistriesParams,
  blockVulnerableImagesParams,
  disallowLatestTagParams,
  MAX_REGISTRIES,
  normalizeRegistry,
  scanTimeoutSeconds,
} from '../../src/build/admission-params.js';
import { ADMISSION_INTENTS, buildImageAdmissionPolicies } from '../../src/build/image-admission-policy.js';
import { buildContext, nimbusPolicy, rule } from './support/nimbus-policy.js';

// Compile-time checks: both builders fit the SDK's contract for an adapter declaration.
const asBuilder: Builder<NimbusPolicy> = buildImageAdmissionPolicies;
const asAdmissionBuilder: Builder<NimbusPolicy> = buildImageAdmissionPolicies;

const LATEST = IntentIds.disallowLatestTag;
const REGISTRIES = IntentIds.allowedRegistries;
const VULNERABLE = IntentIds.blockVulnerableImages;

/** The context the SDK gives these builders. */
const contextFor = (policy: NimbusPolicy) => buildContext(policy, admissionDeclaration.intents);

function build(...rules: NimbusRule[]): ImageAdmissionPolicy[] {
  const policy = nimbusPolicy(rules);
  return buildImageAdmissionPolicies(policy, contextFor(policy));
}

/** The spec of the one policy built from `rules`. */
function specOf(...rules: NimbusRule[]): ImageAdmissionPolicy['spec'] {
  const built = build(...rules);
  expect(built).toHaveLength(1);
  return (built[0] as ImageAdmissionPolicy).spec;
}

const SELECTOR = { matchLabels: { app: 'web' } };
const VULNERABLE_DEFAULTS: VulnerabilityCheck = {
  action: 'Audit',
  severityThreshold: 'Low',
  unscannedImages: 'Deny',
  scanTimeoutSeconds: 10,
};

/** The message a build of one bad rule throws, after the policy and rule. */
function buildError(...rules: NimbusRule[]): string {
  try {
    build(...rules);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the build did not fail');
}

describe('buildImageAdmissionPolicies', () => {
  it('builds one ImageAdmissionPolicy named <policy>-imageadmission for the three rules together', () => {
    expect(
      build(
        rule(LATEST, undefined, 'Block'),
        rule(REGISTRIES, { registries: ['docker.io', 'ghcr.io/my-org'] }),
        rule(VULNERABLE),
      ),
    ).toEqual([
      {
        apiVersion: 'scanning.nimbus-ts.io/v1alpha1',
        kind: 'ImageAdmissionPolicy',
        metadata: { name: 'web-imageadmission' },
        spec: {
          selector: SELECTOR,
          disallowLatestTag: { action: 'Block' },
          allowedRegistries: { action: 'Audit', registries: ['docker.io', 'ghcr.io/my-org'] },
          blockVulnerableImages: VULNERABLE_DEFAULTS,
        },
      },
    ]);
  });

  it.each<{ label: string; rules: NimbusRule[]; spec: Omit<ImageAdmissionPolicy['spec'], 'selector'> }>([
    {
      label: 'disallowLatestTag alone',
      rules: [rule(LATEST)],
      spec: { disallowLatestTag: { action: 'Audit' } },
    },
    {
      label: 'allowedRegistries alone',
      rules: [rule(REGISTRIES, { registries: ['quay.io'] }, 'Enforce')],
      spec: { allowedRegistries: { action: 'Block', registries: ['quay.io'] } },
    },
    {
      label: 'blockVulnerableImages alone, every default written out',
      rules: [rule(VULNERABLE)],
      spec: { blockVulnerableImages: VULNERABLE_DEFAULTS },
    },
    {
      label: 'two of the rules, a scanning rule beside them',
      rules: [rule(IntentIds.vulnerabilityScanning), rule(VULNERABLE, {}, 'Block'), rule(LATEST)],
      spec: {
        disallowLatestTag: { action: 'Audit' },
        blockVulnerableImages: { ...VULNERABLE_DEFAULTS, action: 'Block' },
      },
    },
  ])('builds a field per rule, and none for absent rules: $label', ({ rules, spec }) => {
    expect(specOf(...rules)).toEqual({ selector: SELECTOR, ...spec });
  });

  it("writes the fields in the CRD's order whatever the rules' order", () => {
    const spec = specOf(rule(VULNERABLE), rule(REGISTRIES, { registries: ['docker.io'] }), rule(LATEST));
    expect(Object.keys(spec)).toEqual([
      'selector',
      'disallowLatestTag',
      'allowedRegistries',
      'blockVulnerableImages',
    ]);
  });

  it.each([
    ['Block', 'Block'],
    ['Enforce', 'Block'],
    ['Audit', 'Audit'],
    // A misspelt action audits: it must not start rejecting pods nobody asked to reject.
    ['block', 'Audit'],
    ['Deny', 'Audit'],
    ['', 'Audit'],
  ])('writes the action %j as %s in every field', (action, expected) => {
    const spec = specOf(
      rule(LATEST, undefined, action),
      rule(REGISTRIES, { registries: ['docker.io'] }, action),
    );
    expect([spec.disallowLatestTag?.action, spec.allowedRegistries?.action]).toEqual([expected, expected]);
    expect(specOf(rule(VULNERABLE, undefined, action)).blockVulnerableImages?.action).toBe(expected);
  });

  it.each<{ params: Record<string, string[]>; check: Partial<VulnerabilityCheck> }>([
    { params: {}, check: {} },
    // An empty list is an absent parameter.
    { params: { severityThreshold: [], unscannedImages: [], scanTimeout: [] }, check: {} },
    { params: { severityThreshold: ['Low'] }, check: {} },
    { params: { severityThreshold: ['Medium'] }, check: { severityThreshold: 'Medium' } },
    { params: { severityThreshold: ['High'] }, check: { severityThreshold: 'High' } },
    { params: { severityThreshold: ['Critical'] }, check: { severityThreshold: 'Critical' } },
    { params: { unscannedImages: ['allow'] }, check: { unscannedImages: 'Allow' } },
    { params: { unscannedImages: ['deny'] }, check: {} },
    { params: { scanTimeout: ['1s'] }, check: { scanTimeoutSeconds: 1 } },
    { params: { scanTimeout: ['10s'] }, check: {} },
    { params: { scanTimeout: ['25s'] }, check: { scanTimeoutSeconds: 25 } },
    { params: { scanTimeout: ['0m20s'] }, check: { scanTimeoutSeconds: 20 } },
    {
      params: { severityThreshold: ['High'], unscannedImages: ['allow'], scanTimeout: ['5s'] },
      check: { severityThreshold: 'High', unscannedImages: 'Allow', scanTimeoutSeconds: 5 },
    },
  ])('reads blockVulnerableImages $params', ({ params, check }) => {
    expect(specOf(rule(VULNERABLE, params)).blockVulnerableImages).toEqual({
      ...VULNERABLE_DEFAULTS,
      ...check,
    });
  });

  it.each<{ given: string[]; registries: string[] }>([
    { given: ['docker.io'], registries: ['docker.io'] },
    { given: ['  ghcr.io  ', '\tquay.io\n'], registries: ['ghcr.io', 'quay.io'] },
    { given: ['Docker.IO', 'GHCR.io/my-org'], registries: ['docker.io', 'ghcr.io/my-org'] },
    {
      given: ['registry.example.com:5000', 'localhost:5000/team/app'],
      registries: ['registry.example.com:5000', 'localhost:5000/team/app'],
    },
    { given: ['127.0.0.1:5000'], registries: ['127.0.0.1:5000'] },
    {
      given: ['ghcr.io/my_org/app-1.2', 'ghcr.io/a__b'],
      registries: ['ghcr.io/my_org/app-1.2', 'ghcr.io/a__b'],
    },
    // Repeats go, the first spelling of each stays where it was.
    {
      given: ['ghcr.io', 'docker.io', 'GHCR.IO', ' ghcr.io', 'docker.io'],
      registries: ['ghcr.io', 'docker.io'],
    },
    // A path prefix is a different entry from its host.
    { given: ['ghcr.io/my-org', 'ghcr.io'], registries: ['ghcr.io/my-org', 'ghcr.io'] },
    {
      given: Array.from({ length: MAX_REGISTRIES }, (_, i) => `r${i}.example.com`),
      registries: Array.from({ length: MAX_REGISTRIES }, (_, i) => `r${i}.example.com`),
    },
  ])('reads the registries $given', ({ given, registries }) => {
    expect(specOf(rule(REGISTRIES, { registries: given })).allowedRegistries).toEqual({
      action: 'Audit',
      registries,
    });
  });

  it.each<{ rule: NimbusRule; message: string }>([
    {
      rule: rule(LATEST, { tag: ['latest'] }),
      message:
        'rule disallowLatestTag: there is no parameter "tag"; disallowLatestTag takes no parameters, so remove it',
    },
    {
      rule: rule(REGISTRIES),
      message:
        'rule allowedRegistries: parameter "registries" needs at least one value; accepted values: registry hosts, ' +
        'each with an optional port and repository path prefix and without a scheme, e.g. docker.io, ' +
        'registry.example.com:5000 or ghcr.io/my-org',
    },
    {
      rule: rule(REGISTRIES, { registries: [] }),
      message: 'parameter "registries" needs at least one value',
    },
    {
      rule: rule(REGISTRIES, { registries: ['docker.io', 'https://ghcr.io'] }),
      message:
        'rule allowedRegistries: parameter "registries" does not accept "https://ghcr.io"; accepted values: registry hosts',
    },
    { rule: rule(REGISTRIES, { registries: [''] }), message: 'parameter "registries" does not accept ""' },
    {
      rule: rule(REGISTRIES, { registries: ['   '] }),
      message: 'parameter "registries" does not accept "   "',
    },
    { rule: rule(REGISTRIES, { registries: ['ghcr.io/'] }), message: 'does not accept "ghcr.io/"' },
    { rule: rule(REGISTRIES, { registries: ['ghcr.io/MyOrg'] }), message: 'does not accept "ghcr.io/MyOrg"' },
    { rule: rule(REGISTRIES, { registries: ['ghcr.io:0'] }), message: 'does not accept "ghcr.io:0"' },
    { rule: rule(REGISTRIES, { registries: ['ghcr.io:65536'] }), message: 'does not accept "ghcr.io:65536"' },
    { rule: rule(REGISTRIES, { registries: ['ghcr.io:'] }), message: 'does not accept "ghcr.io:"' },
    { rule: rule(REGISTRIES, { registries: ['ghcr io'] }), message: 'does not accept "ghcr io"' },
    { rule: rule(REGISTRIES, { registries: ['-ghcr.io'] }), message: 'does not accept "-ghcr.io"' },
    { rule: rule(REGISTRIES, { registries: ['ghcr..io'] }), message: 'does not accept "ghcr..io"' },
    { rule: rule(REGISTRIES, { registries: ['*.example.com'] }), message: 'does not accept "*.example.com"' },
    {
      rule: rule(REGISTRIES, { registries: [`ghcr.io/${'a'.repeat(248)}`] }),
      message: `does not accept "ghcr.io/${'a'.repeat(248)}"`,
    },
    {
      rule: rule(REGISTRIES, {
        registries: Array.from({ length: MAX_REGISTRIES + 1 }, (_, i) => `r${i}.io`),
      }),
      message: 'parameter "registries" lists 65 distinct registries; at most 64 are accepted',
    },
    {
      rule: rule(REGISTRIES, { registries: ['docker.io'], hosts: ['ghcr.io'] }),
      message: 'rule allowedRegistries: there is no parameter "hosts"; accepted parameters: registries',
    },
    {
      rule: rule(VULNERABLE, { severityThreshold: ['high'] }),
      message:
        'rule blockVulnerableImages: parameter "severityThreshold" does not accept "high"; accepted values: Low, ' +
        'Medium, High, Critical',
    },
    { rule: rule(VULNERABLE, { severityThreshold: ['Unknown'] }), message: 'does not accept "Unknown"' },
    {
      rule: rule(VULNERABLE, { severityThreshold: ['Low', 'High'] }),
      message:
        'parameter "severityThreshold" takes one value, got 2 ("Low", "High"); accepted values: Low, Medium, High, Critical',
    },
    {
      rule: rule(VULNERABLE, { unscannedImages: ['Deny'] }),
      message: 'parameter "unscannedImages" does not accept "Deny"; accepted values: allow, deny',
    },
    {
      rule: rule(VULNERABLE, { scanTimeout: ['30s'] }),
      message:
        'parameter "scanTimeout" does not accept "30s"; accepted values: a duration from 1s to 25s, e.g. 10s',
    },
    {
      rule: rule(VULNERABLE, { scanTimeout: ['26s'] }),
      message: 'parameter "scanTimeout" does not accept "26s"',
    },
    {
      rule: rule(VULNERABLE, { scanTimeout: ['1m'] }),
      message: 'parameter "scanTimeout" does not accept "1m"',
    },
    {
      rule: rule(VULNERABLE, { scanTimeout: ['0s'] }),
      message: 'parameter "scanTimeout" does not accept "0s"',
    },
    {
      rule: rule(VULNERABLE, { scanTimeout: ['10'] }),
      message: 'parameter "scanTimeout" does not accept "10"',
    },
    {
      rule: rule(VULNERABLE, { scanTimeout: ['1.5s'] }),
      message: 'parameter "scanTimeout" does not accept "1.5s"',
    },
    {
      rule: rule(VULNERABLE, { timeout: ['10s'] }),
      message:
        'there is no parameter "timeout"; accepted parameters: severityThreshold, unscannedImages, scanTimeout',
    },
    {
      rule: rule(VULNERABLE, { severityThreshold: ['critical'], unscannedImages: ['block'] }),
      message:
        'parameter "severityThreshold" does not accept "critical"; accepted values: Low, Medium, High, Critical; ' +
        'parameter "unscannedImages" does not accept "block"',
    },
  ])(
    'rejects $rule.id $rule.rule.params naming the policy, the rule, the parameter and what it accepts',
    (c) => {
      const message = buildError(c.rule);
      expect(message).toMatch(/^NimbusPolicy shop\/web, rule /);
      expect(message).toContain(c.message);
    },
  );

  it('reports the problems of every rule at once, and builds nothing', () => {
    expect(
      buildError(
        rule(LATEST, { tag: ['latest'] }),
        rule(REGISTRIES, { registries: ['docker.io'] }),
        rule(VULNERABLE, { scanTimeout: ['1h'] }),
      ),
    ).toBe(
      'NimbusPolicy shop/web, rule disallowLatestTag: there is no parameter "tag"; disallowLatestTag takes no ' +
        'parameters, so remove it; rule blockVulnerableImages: parameter "scanTimeout" does not accept "1h"; ' +
        'accepted values: a duration from 1s to 25s, e.g. 10s or 20s',
    );
  });

  it('builds nothing without an admission rule, and ignores the rules of other adapters', () => {
    expect(build()).toEqual([]);
    expect(build(rule(IntentIds.vulnerabilityScanning), rule(IntentIds.dnsManipulation))).toEqual([]);
    const policy = nimbusPolicy([rule(IntentIds.escapeToHost), rule(LATEST)]);
    const everyRule: BuildContext = {
      rules: policy.spec.rules.map((r) => ({ id: r.id, rule: r })),
      inputs: {},
    };
    expect(buildImageAdmissionPolicies(policy, everyRule)).toEqual([
      expect.objectContaining({ spec: { selector: SELECTOR, disallowLatestTag: { action: 'Audit' } } }),
    ]);
  });

  it('reads the first rule of an ID when the context repeats it', () => {
    const policy = nimbusPolicy([]);
    const twice: BuildContext = {
      rules: [
        { id: VULNERABLE, rule: rule(VULNERABLE, { severityThreshold: ['High'] }) },
        { id: VULNERABLE, rule: rule(VULNERABLE, { severityThreshold: ['nonsense'] }) },
      ],
      inputs: {},
    };
    const built = buildImageAdmissionPolicies(policy, twice);
    expect(built.map((p) => p.spec.blockVulnerableImages?.severityThreshold)).toEqual(['High']);
  });

  it('selects every pod for an empty selector', () => {
    const policy = nimbusPolicy([rule(LATEST)], null);
    expect(buildImageAdmissionPolicies(policy, contextFor(policy))[0]?.spec.selector).toEqual({
      matchLabels: {},
    });
  });

  it('shares nothing with the policy and changes neither the policy nor the context', () => {
    const given = ['GHCR.io', 'docker.io'];
    const policy = nimbusPolicy([rule(REGISTRIES, { registries: given }), rule(VULNERABLE)]);
    const context = contextFor(policy);
    const before = structuredClone({ policy, context });
    const [built] = buildImageAdmissionPolicies(policy, context);
    expect({ policy, context }).toEqual(before);
    if (built?.spec.selector.matchLabels) built.spec.selector.matchLabels.app = 'changed';
    built?.spec.allowedRegistries?.registries.push('evil.example.com');
    expect(policy.spec.selector.matchLabels).toEqual({ app: 'web' });
    expect(given).toEqual(['GHCR.io', 'docker.io']);
  });

  it('needs a policy name, and shortens a name too long for the object name with a hash suffix', () => {
    const nameless = { ...nimbusPolicy([rule(LATEST)]), metadata: {} };
    expect(() => buildImageAdmissionPolicies(nameless, contextFor(nameless))).toThrow(
      'without metadata.name',
    );
    const long = nimbusPolicy([rule(LATEST)]);
    long.metadata.name = 'x'.repeat(238);
    expect(buildImageAdmissionPolicies(long, contextFor(long))[0]?.metadata.name).toBe(
      `${'x'.repeat(238)}-imageadmission`,
    );
    long.metadata.name = 'x'.repeat(253);
    const name = buildImageAdmissionPolicies(long, contextFor(long))[0]?.metadata.name;
    expect(name).toHaveLength(253);
    expect(name).toMatch(/^x+-[0-9a-f]{10}$/);
  });

  describe.each([
    { label: 'one rule with the defaults', rules: [rule(VULNERABLE)] },
    {
      label: 'every rule and parameter',
      rules: [
        rule(LATEST, undefined, 'Block'),
        rule(
          REGISTRIES,
          { registries: ['Docker.io', 'localhost:5000/team', 'ghcr.io/my-org/app'] },
          'Enforce',
        ),
        rule(VULNERABLE, {
          severityThreshold: ['Critical'],
          unscannedImages: ['allow'],
          scanTimeout: ['25s'],
        }),
      ],
    },
    { label: 'an empty selector', rules: [rule(LATEST)], matchLabels: null },
  ])('against the CRD, with $label', ({ rules, matchLabels }) => {
    const policy = nimbusPolicy(rules, matchLabels);
    const [built] = buildImageAdmissionPolicies(policy, contextFor(policy)) as [ImageAdmissionPolicy];

    it('passes the schema', () => {
      expect(validate(built).errors).toEqual([]);
    });

    it('is stored as built: defaulting adds nothing, pruning removes nothing', () => {
      const { applied } = validate(built);
      expect(applied).toEqual(built);
      expect(semanticEqual(applied, built)).toBe(true);
      expect(prunedFields(storageSchema('ImageAdmissionPolicy'), built)).toEqual([]);
    });
  });

  it('gives equal objects for equal input', () => {
    const policy = nimbusPolicy([rule(REGISTRIES, { registries: ['ghcr.io'] }, 'Block'), rule(VULNERABLE)]);
    expect(asBuilder(policy, contextFor(policy))).toEqual(
      asBuilder(structuredClone(policy), contextFor(structuredClone(policy))),
    );
  });
});

describe('normalizeRegistry', () => {
  it.each([
    ['docker.io', 'docker.io'],
    [' Registry.Example.COM:443/Team ', undefined],
    [' Registry.Example.COM:443/team ', 'registry.example.com:443/team'],
    ['localhost', 'localhost'],
    ['a', 'a'],
    ['ghcr.io:65535', 'ghcr.io:65535'],
    ['ghcr.io:123456', undefined],
    ['ghcr.io/a/b/c', 'ghcr.io/a/b/c'],
    ['ghcr.io//a', undefined],
    ['ghcr.io/a-', undefined],
    ['ghcr.io/-a', undefined],
    ['ghcr.io/a.-b', undefined],
    ['ghcr.io/a--b', 'ghcr.io/a--b'],
    ['ghcr.io/a___b', undefined],
    ['http://ghcr.io', undefined],
    ['ghcr.io@sha256:abc', undefined],
    ['ghcr.io/app:latest', undefined],
    ['[::1]:5000', undefined],
    ['', undefined],
  ])('%j → %j', (text, registry) => {
    expect(normalizeRegistry(text)).toBe(registry);
  });
});

describe('scanTimeoutSeconds', () => {
  it.each([
    ['10s', 10],
    ['25s', 25],
    ['1m', 60],
    ['0m5s', 5],
    ['0s', 0],
    ['10', undefined],
    ['10S', undefined],
    ['', undefined],
    ['1.5s', undefined],
  ])('%s → %s', (text, seconds) => {
    expect(scanTimeoutSeconds(text)).toBe(seconds);
  });
});

describe('the parameter readers', () => {
  it('read no parameters as the defaults', () => {
    expect(disallowLatestTagParams(undefined)).toBeUndefined();
    expect(blockVulnerableImagesParams(undefined)).toEqual({
      severityThreshold: 'Low',
      unscannedImages: 'Deny',
      scanTimeoutSeconds: 10,
    });
    expect(() => allowedRegistriesParams(undefined)).toThrow('needs at least one value');
  });
});

describe('admissionDeclaration', () => {
  it('declares the admission adapter: engine admission, the admission intents, its kind and its builder', () => {
    expect(admissionDeclaration).toEqual({
      name: 'admission',
      intents: ['disallowLatestTag', 'allowedRegistries', 'blockVulnerableImages'],
      kinds: [IMAGE_ADMISSION_POLICIES],
      build: asAdmissionBuilder,
    });
    expect(IMAGE_ADMISSION_POLICIES).toEqual({
      apiVersion: 'scanning.nimbus-ts.io/v1alpha1',
      kind: 'ImageAdmissionPolicy',
      plural: 'imageadmissionpolicies',
      namespaced: true,
    });
  });

  it('builds, through the SDK, the ImageAdmissionPolicy of a policy with scan and admission rules, owned by the policy', () => {
    const policy = nimbusPolicy([
      rule(IntentIds.dnsManipulation),
      rule(LATEST, undefined, 'Block'),
      rule(IntentIds.vulnerabilityScanning),
    ]);
    policy.metadata.uid = 'f1e2d3c4-0000-4000-8000-000000000001';
    policy.metadata.ownerReferences = [
      {
        apiVersion: 'intent.security.nimbus.com/v1alpha1',
        kind: 'SecurityIntentBinding',
        name: 'web',
        uid: 'f1e2d3c4-0000-4000-8000-000000000002',
        controller: true,
      },
    ];
    const { children } = desiredState(admissionDeclaration, policy);
    expect(
      children.map((c) => [c.resource.kind, c.object.metadata?.namespace, c.object.metadata?.name]),
    ).toEqual([['ImageAdmissionPolicy', 'shop', 'web-imageadmission']]);
    for (const { object } of children) {
      expect(object.metadata?.ownerReferences).toEqual([
        expect.objectContaining({ kind: 'NimbusPolicy', name: 'web' }),
      ]);
    }
  });

  it('fails the build when an admission rule is invalid, naming the rule', () => {
    const policy = nimbusPolicy([rule(IntentIds.vulnerabilityScanning), rule(REGISTRIES)]);
    expect(() => admissionDeclaration.build(policy, contextFor(policy))).toThrow(
      'NimbusPolicy shop/web, rule allowedRegistries: parameter "registries" needs at least one value',
    );
  });

  it('declares only canonical intent IDs of the ID pool, each once', () => {
    const intents = admissionDeclaration.intents;
    expect(intents.map((id) => defaultRegistry.canonicalId(id))).toEqual([...intents]);
    expect(new Set(intents).size).toBe(intents.length);
    expect([...intents]).toEqual([...ADMISSION_INTENTS]);
  });

  it.each(ADMISSION_INTENTS.map((id) => [id] as const))(
    "agrees with the ID pool on %s: the parameters, their values, and the pool's examples build",
    (id) => {
      const definition = defaultRegistry.resolve(id);
      expect(definition?.params.map((p) => p.name)).toEqual([...ADMISSION_PARAMS[id]]);
      const values = Object.fromEntries((definition?.params ?? []).map((p) => [p.name, p.values]));
      const expected = {
        disallowLatestTag: {},
        allowedRegistries: { registries: undefined },
        blockVulnerableImages: {
          severityThreshold: [...SEVERITY_THRESHOLDS],
          unscannedImages: ['allow', 'deny'],
          scanTimeout: undefined,
        },
      }[id];
      expect(values).toEqual(expected);
      // The examples together, as a user copying them from the ID pool's documentation would write them.
      const examples = Object.fromEntries(
        (definition?.params ?? []).map((p) => [p.name, [...(p.example ?? [])]]),
      );
      expect(() => build(rule(id, examples))).not.toThrow();
    },
  );
});
