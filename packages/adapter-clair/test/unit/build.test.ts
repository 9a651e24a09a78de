import type { BuildContext, Builder } from '@nimbus-ts/adapter-sdk';
import type { NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { defaultRegistry, IntentIds } from '@nimbus-ts/idpool';
import { semanticEqual } from '@nimbus-ts/k8s';
import type { ImageScanPolicy } from '@nimbus-ts/scan-api';
import {
  IMAGE_SCAN_POLICIES,
  rescanIntervalSeconds,
  SEVERITY_THRESHOLDS,
  scanAction,
} from '@nimbus-ts/scan-api';
import { prunedFields, storageSchema, validate } from '@nimbus-ts/scan-api/testing';
import { describe, expect, it } from 'vitest';
import { clairScanDeclaration } from '../../src/adapter.js';
import { buildImageScanPolicies, CLAIR_SCAN_INTENTS } from '../../src/build/image-scan-policy.js';
import { SCAN_PARAMS, scanParams } from '../../src/build/params.js';
import { buildContext, nimbusPolicy, rule } from './support/nimbus-policy.js';

// Compile-time check: the builder fits the SDK's contract for an adapter declaration.
const _asBuilder: Builder<NimbusPolicy> = buildImageScanPolicies;

const SCAN = IntentIds.vulnerabilityScanning;

/** The context the SDK gives these builders. */
const contextFor = (policy: NimbusPolicy) => buildContext(policy, CLAIR_SCAN_INTENTS);

function build(...rules: NimbusRule[]): ImageScanPolicy[] {
  const policy = nimbusPolicy(rules);
  return buildImageScanPolicies(policy, contextFor(policy));
}

/** The spec the one built policy has. */
function specOf(params?: Record<string, string[]>, action?: string): ImageScanPolicy['spec'] {
  const built = build(rule(SCAN, params, action));
  expect(built).toHaveLength(1);
  return (built[0] as ImageScanPolicy).spec;
}

const DEFAULTS = {
  selector: { matchLabels: { app: 'web' } },
  severityThreshold: 'Low',
  rescanInterval: '6h',
  ignoreUnfixed: false,
  action: 'Audit',
} as const;

describe('buildImageScanPolicies', () => {
  it('builds one ImageScanPolicy named <policy>-vulnerabilityscanning, every default written out', () => {
    expect(build(rule(SCAN))).toEqual([
      {
        apiVersion: 'scanning.nimbus-ts.io/v1alpha1',
        kind: 'ImageScanPolicy',
        metadata: { name: 'web-vulnerabilityscanning' },
        spec: DEFAULTS,
      },
    ]);
  });

  it.each<{ params: Record<string, string[]>; spec: Partial<ImageScanPolicy['spec']> }>([
    { params: { severityThreshold: ['Low'] }, spec: {} },
    { params: { severityThreshold: ['Medium'] }, spec: { severityThreshold: 'Medium' } },
    { params: { severityThreshold: ['High'] }, spec: { severityThreshold: 'High' } },
    { params: { severityThreshold: ['Critical'] }, spec: { severityThreshold: 'Critical' } },
    { params: { rescanInterval: ['12h'] }, spec: { rescanInterval: '12h' } },
    { params: { rescanInterval: ['90m'] }, spec: { rescanInterval: '90m' } },
    { params: { rescanInterval: ['1h30m'] }, spec: { rescanInterval: '1h30m' } },
    { params: { rescanInterval: ['1m'] }, spec: { rescanInterval: '1m' } },
    { params: { rescanInterval: ['60s'] }, spec: { rescanInterval: '60s' } },
    { params: { rescanInterval: ['8760h'] }, spec: { rescanInterval: '8760h' } },
    { params: { ignoreUnfixed: ['true'] }, spec: { ignoreUnfixed: true } },
    { params: { ignoreUnfixed: ['false'] }, spec: {} },
    // An empty list is an absent parameter.
    { params: { severityThreshold: [], rescanInterval: [], ignoreUnfixed: [] }, spec: {} },
    { params: {}, spec: {} },
    {
      params: { severityThreshold: ['High'], rescanInterval: ['24h'], ignoreUnfixed: ['true'] },
      spec: { severityThreshold: 'High', rescanInterval: '24h', ignoreUnfixed: true },
    },
  ])('reads $params', ({ params, spec }) => {
    expect(specOf(params)).toEqual({ ...DEFAULTS, ...spec });
  });

  it.each([
    ['Block', 'Block'],
    ['Enforce', 'Block'],
    ['Audit', 'Audit'],
    // Unknown text audits: scanning never blocks anything, and the policy must not claim it would.
    ['block', 'Audit'],
    ['Deny', 'Audit'],
    ['', 'Audit'],
  ])('writes the action %j as %s', (action, expected) => {
    expect(specOf(undefined, action).action).toBe(expected);
    expect(scanAction(action)).toBe(expected);
  });

  it.each<{ params: Record<string, string[]>; message: string }>([
    {
      params: { severityThreshold: ['high'] },
      message:
        'parameter "severityThreshold" does not accept "high"; accepted values: Low, Medium, High, Critical',
    },
    {
      params: { severityThreshold: ['Unknown'] },
      message:
        'parameter "severityThreshold" does not accept "Unknown"; accepted values: Low, Medium, High, Critical',
    },
    {
      params: { severityThreshold: ['Negligible'] },
      message: 'does not accept "Negligible"',
    },
    {
      params: { severityThreshold: ['Low', 'High'] },
      message:
        'parameter "severityThreshold" takes one value, got 2 ("Low", "High"); accepted values: Low, Medium',
    },
    {
      params: { rescanInterval: ['1d'] },
      message:
        'parameter "rescanInterval" does not accept "1d"; accepted values: a duration in whole h, m and s from 1m to 8760h',
    },
    { params: { rescanInterval: ['30s'] }, message: 'parameter "rescanInterval" does not accept "30s"' },
    { params: { rescanInterval: ['0h'] }, message: 'parameter "rescanInterval" does not accept "0h"' },
    { params: { rescanInterval: ['8761h'] }, message: 'parameter "rescanInterval" does not accept "8761h"' },
    { params: { rescanInterval: ['6 h'] }, message: 'parameter "rescanInterval" does not accept "6 h"' },
    { params: { rescanInterval: ['1.5h'] }, message: 'parameter "rescanInterval" does not accept "1.5h"' },
    {
      params: { ignoreUnfixed: ['yes'] },
      message: 'parameter "ignoreUnfixed" does not accept "yes"; accepted values: true, false',
    },
    { params: { ignoreUnfixed: ['True'] }, message: 'parameter "ignoreUnfixed" does not accept "True"' },
    {
      params: { severity: ['High'] },
      message:
        'there is no parameter "severity"; accepted parameters: severityThreshold, rescanInterval, ignoreUnfixed',
    },
    {
      params: { severityThreshold: ['critical'], ignoreUnfixed: ['1'] },
      message:
        'parameter "severityThreshold" does not accept "critical"; accepted values: Low, Medium, High, Critical; ' +
        'parameter "ignoreUnfixed" does not accept "1"',
    },
  ])('rejects $params naming the policy, the parameter and what it accepts', ({ params, message }) => {
    const act = () => build(rule(SCAN, params));
    expect(act).toThrow('NimbusPolicy shop/web, rule vulnerabilityScanning: ');
    expect(act).toThrow(message);
  });

  it('builds nothing without a vulnerabilityScanning rule, and ignores the rules of other adapters', () => {
    expect(build()).toEqual([]);
    expect(build(rule(IntentIds.dnsManipulation))).toEqual([]);
    const policy = nimbusPolicy([rule(IntentIds.escapeToHost), rule(SCAN)]);
    const everyRule: BuildContext = {
      rules: policy.spec.rules.map((r) => ({ id: r.id, rule: r })),
      inputs: {},
    };
    expect(buildImageScanPolicies(policy, everyRule).map((p) => p.metadata.name)).toEqual([
      'web-vulnerabilityscanning',
    ]);
  });

  it('builds one object even if the context repeats the rule', () => {
    const policy = nimbusPolicy([rule(SCAN)]);
    const twice: BuildContext = {
      rules: [...contextFor(policy).rules, ...contextFor(policy).rules],
      inputs: {},
    };
    expect(buildImageScanPolicies(policy, twice)).toHaveLength(1);
  });

  it('selects every pod for an empty selector', () => {
    const policy = nimbusPolicy([rule(SCAN)], null);
    expect(buildImageScanPolicies(policy, contextFor(policy))[0]?.spec.selector).toEqual({ matchLabels: {} });
  });

  it('shares nothing with the policy and changes neither the policy nor the context', () => {
    const policy = nimbusPolicy([rule(SCAN, { severityThreshold: ['High'] })]);
    const context = contextFor(policy);
    const before = structuredClone({ policy, context });
    const [built] = buildImageScanPolicies(policy, context);
    expect({ policy, context }).toEqual(before);
    if (built?.spec.selector.matchLabels) built.spec.selector.matchLabels.app = 'changed';
    expect(policy.spec.selector.matchLabels).toEqual({ app: 'web' });
  });

  it('needs a policy name, and shortens a name too long for the object name with a hash suffix', () => {
    const nameless = { ...nimbusPolicy([rule(SCAN)]), metadata: {} };
    expect(() => buildImageScanPolicies(nameless, contextFor(nameless))).toThrow('without metadata.name');
    const long = nimbusPolicy([rule(SCAN)]);
    long.metadata.name = 'x'.repeat(231);
    expect(buildImageScanPolicies(long, contextFor(long))[0]?.metadata.name).toBe(
      `${'x'.repeat(231)}-vulnerabilityscanning`,
    );
    long.metadata.name = 'x'.repeat(253);
    const name = buildImageScanPolicies(long, contextFor(long))[0]?.metadata.name;
    expect(name).toHaveLength(253);
    expect(name).toMatch(/^x+-[0-9a-f]{10}$/);
  });

  describe.each([
    { label: 'the defaults', params: undefined, action: 'Audit' },
    {
      label: 'every parameter',
      params: {
        severityThreshold: ['Critical'],
        rescanInterval: ['1h30m'],
        ignoreUnfixed: ['true'],
        slackWebhookSecret: ['slack/webhook'],
      },
      action: 'Enforce',
    },
    { label: 'an empty selector', params: undefined, action: 'Block', matchLabels: null },
  ])('against the CRD, with $label', ({ params, action, matchLabels }) => {
    const policy = nimbusPolicy([rule(SCAN, params, action)], matchLabels);
    const [built] = buildImageScanPolicies(policy, contextFor(policy)) as [ImageScanPolicy];

    it('passes the schema', () => {
      expect(validate(built).errors).toEqual([]);
    });

    it('is stored as built: defaulting adds nothing, pruning removes nothing', () => {
      const { applied } = validate(built);
      expect(applied).toEqual(built);
      expect(semanticEqual(applied, built)).toBe(true);
      expect(prunedFields(storageSchema('ImageScanPolicy'), built)).toEqual([]);
    });
  });

  it('gives equal objects for equal input', () => {
    const policy = nimbusPolicy([rule(SCAN, { severityThreshold: ['High'] }, 'Block')]);
    expect(buildImageScanPolicies(policy, contextFor(policy))).toEqual(
      buildImageScanPolicies(structuredClone(policy), contextFor(structuredClone(policy))),
    );
  });
});

describe('rescanIntervalSeconds', () => {
  it.each([
    ['6h', 21_600],
    ['90m', 5_400],
    ['1h30m', 5_400],
    ['30m1h', 5_400],
    ['45s', 45],
    ['1h1m1s', 3_661],
    ['0s', 0],
    ['1d', undefined],
    ['1.5h', undefined],
    ['-1h', undefined],
    ['6', undefined],
    ['', undefined],
    ['6H', undefined],
  ])('%s → %s', (text, seconds) => {
    expect(rescanIntervalSeconds(text)).toBe(seconds);
  });
});

describe('scanParams', () => {
  it('reads no parameters as the defaults', () => {
    expect(scanParams(undefined)).toEqual({
      severityThreshold: 'Low',
      rescanInterval: '6h',
      ignoreUnfixed: false,
    });
  });

  it.each([
    ['slack', { name: 'slack', key: 'url' }],
    ['slack/webhook', { name: 'slack', key: 'webhook' }],
    ['team.alerts/hook_URL-1', { name: 'team.alerts', key: 'hook_URL-1' }],
  ])('reads the Slack Secret %s', (value, ref) => {
    expect(scanParams({ slackWebhookSecret: [value] }).slackWebhookSecret).toEqual(ref);
  });

  it.each(['Slack', 'slack/', '/url', 'slack/url/x', 'slack/a b', 'https://hooks.slack.com/services/T/B/x'])(
    'rejects the Slack Secret %s, saying what it accepts',
    (value) => {
      expect(() => scanParams({ slackWebhookSecret: [value] })).toThrow(
        `parameter "slackWebhookSecret" does not accept "${value}"; accepted values: the Secret`,
      );
    },
  );

  it('writes the Slack Secret into notify, and nothing when absent', () => {
    const policy = nimbusPolicy([rule(SCAN, { slackWebhookSecret: ['slack/webhook'] }, 'Audit')]);
    const [built] = buildImageScanPolicies(policy, contextFor(policy)) as [ImageScanPolicy];
    expect(built.spec.notify).toEqual({ slack: { webhookSecretRef: { name: 'slack', key: 'webhook' } } });
    const plain = nimbusPolicy([rule(SCAN)]);
    expect(buildImageScanPolicies(plain, contextFor(plain))[0]?.spec).not.toHaveProperty('notify');
  });
});

describe('clairScanDeclaration', () => {
  it('declares the Clair adapter: the scan intent, the ImageScanPolicy kind and its builder, and no admission', () => {
    expect(clairScanDeclaration).toEqual({
      name: 'clair',
      intents: ['vulnerabilityScanning'],
      kinds: [IMAGE_SCAN_POLICIES],
      build: buildImageScanPolicies,
    });
  });

  it("agrees with the ID pool: the intents it gives to clair, and the intent's parameters and values", () => {
    // blockVulnerableImages is the admission adapter's: the webhook enforces it; Clair only supplies scans.
    expect(defaultRegistry.supportedBy('clair').map((d) => d.id)).toEqual([...CLAIR_SCAN_INTENTS]);
    const definition = defaultRegistry.resolve(SCAN);
    expect(definition?.params.map((p) => p.name)).toEqual([...SCAN_PARAMS]);
    const values = Object.fromEntries((definition?.params ?? []).map((p) => [p.name, p.values]));
    expect(values).toEqual({
      severityThreshold: [...SEVERITY_THRESHOLDS],
      rescanInterval: undefined,
      ignoreUnfixed: ['true', 'false'],
      slackWebhookSecret: undefined,
    });
    for (const param of definition?.params ?? []) {
      expect(() => scanParams({ [param.name]: [...(param.example ?? [])] }), param.name).not.toThrow();
    }
  });
});
