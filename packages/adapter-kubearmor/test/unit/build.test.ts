import type { Builder } from '@nimbus-ts/adapter-sdk';
import type { NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { defaultRegistry, IntentIds } from '@nimbus-ts/idpool';
import { describe, expect, it } from 'vitest';
import { buildKubeArmorPolicies, KUBEARMOR_INTENTS, kubeArmorAction } from '../../src/build.js';
import type { KubeArmorPolicy, KubeArmorPolicySpec } from '../../src/kubearmor-policy.js';
import { contextFor, nimbusPolicy, POLICY_NAME, rule } from './fixtures.js';

// Compile-time check: the builder fits the SDK's contract for an adapter declaration.
const asBuilder: Builder<NimbusPolicy> = buildKubeArmorPolicies;

// Written out here rather than imported from src/templates.ts, so a slip in either copy fails the tests. The
// order and the repeated /usr/local/bin/curl are upstream's.
const SW_DEPLOYMENT_TOOLS = [
  '/usr/bin/apt',
  '/usr/bin/apt-get',
  '/sbin/apk',
  '/bin/apt-get',
  '/bin/apt',
  '/usr/bin/dpkg',
  '/bin/dpkg',
  '/usr/bin/gdebi',
  '/bin/gdebi',
  '/usr/bin/make',
  '/bin/make',
  '/usr/bin/yum',
  '/bin/yum',
  '/usr/bin/rpm',
  '/bin/rpm',
  '/usr/bin/dnf',
  '/bin/dnf',
  '/usr/bin/pacman',
  '/usr/sbin/pacman',
  '/bin/pacman',
  '/sbin/pacman',
  '/usr/bin/makepkg',
  '/usr/sbin/makepkg',
  '/bin/makepkg',
  '/sbin/makepkg',
  '/usr/bin/yaourt',
  '/usr/sbin/yaourt',
  '/bin/yaourt',
  '/sbin/yaourt',
  '/usr/bin/zypper',
  '/bin/zypper',
  '/usr/bin/curl',
  '/bin/curl',
  '/usr/local/bin/curl',
  '/usr/bin/wget',
  '/bin/wget',
  '/usr/local/bin/curl',
].map((path) => ({ path }));

const SW_DEPLOYMENT_PROCESS = { matchPaths: SW_DEPLOYMENT_TOOLS };
const CHROOT_PROCESS = { matchPaths: [{ path: '/usr/sbin/chroot' }, { path: '/sbin/chroot' }] };
const ESCAPE_CAPABILITIES = {
  matchCapabilities: ['sys_admin', 'sys_ptrace', 'sys_module', 'dac_read_search', 'dac_override'].map(
    (capability) => ({ capability }),
  ),
};

function build(...rules: NimbusRule[]): KubeArmorPolicy[] {
  const policy = nimbusPolicy(rules);
  return buildKubeArmorPolicies(policy, contextFor(policy));
}

/** The one policy a single-policy rule builds. */
function only(...rules: NimbusRule[]): KubeArmorPolicy {
  const built = build(...rules);
  expect(built).toHaveLength(1);
  return built[0] as KubeArmorPolicy;
}

/** The rule sections of a spec, with the empty ones the builder always writes. */
type Sections = Pick<KubeArmorPolicySpec, 'process' | 'file' | 'network' | 'capabilities' | 'syscalls'>;
const sections = (used: Partial<Sections>): Sections => ({
  process: {},
  file: {},
  network: {},
  capabilities: {},
  syscalls: {},
  ...used,
});

describe('buildKubeArmorPolicies', () => {
  it('fits the Builder contract', () => {
    expect(asBuilder).toBe(buildKubeArmorPolicies);
  });

  it('supports exactly the intents the registry assigns to kubearmor', () => {
    const registered = defaultRegistry.supportedBy('kubearmor').map((d) => d.id);
    expect([...KUBEARMOR_INTENTS].sort()).toEqual([...registered].sort());
  });

  it('builds the exact dnsManipulation policy', () => {
    expect(
      build(
        rule('dnsManipulation', {
          description: 'Keep name resolution trustworthy.',
          severity: 'High',
          tags: ['dns', 'mitre'],
          rule: { action: 'Block' },
        }),
      ),
    ).toEqual([
      {
        apiVersion: 'security.kubearmor.com/v1',
        kind: 'KubeArmorPolicy',
        metadata: { name: 'web-dnsmanipulation' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          process: {},
          file: { matchPaths: [{ path: '/etc/resolv.conf', readOnly: true }] },
          network: {},
          capabilities: {},
          syscalls: {},
          severity: 7,
          tags: ['dns', 'mitre'],
          message: 'Keep name resolution trustworthy.',
          action: 'Block',
        },
      },
    ]);
  });

  it('builds the exact three escapeToHost policies', () => {
    const spec = (used: Partial<Sections>): KubeArmorPolicySpec => ({
      selector: { matchLabels: { app: 'web' } },
      ...sections(used),
      message: 'No way out.',
      action: 'Audit',
    });
    expect(build(rule('escapeToHost', { description: 'No way out.', rule: { action: 'Audit' } }))).toEqual([
      {
        apiVersion: 'security.kubearmor.com/v1',
        kind: 'KubeArmorPolicy',
        metadata: { name: 'web-escapetohost-disallowchroot' },
        spec: spec({ process: CHROOT_PROCESS }),
      },
      {
        apiVersion: 'security.kubearmor.com/v1',
        kind: 'KubeArmorPolicy',
        metadata: { name: 'web-escapetohost-disallowcapabilities' },
        spec: spec({ capabilities: ESCAPE_CAPABILITIES }),
      },
      {
        apiVersion: 'security.kubearmor.com/v1',
        kind: 'KubeArmorPolicy',
        metadata: { name: 'web-escapetohost-swdeploymenttools' },
        spec: spec({ process: SW_DEPLOYMENT_PROCESS }),
      },
    ]);
  });

  describe.each([
    {
      id: 'dnsManipulation',
      names: ['web-dnsmanipulation'],
      sections: [sections({ file: { matchPaths: [{ path: '/etc/resolv.conf', readOnly: true }] } })],
    },
    {
      id: 'unAuthorizedSaTokenAccess',
      names: ['web-unauthorizedsatokenaccess'],
      sections: [
        sections({
          file: {
            matchDirectories: [{ dir: '/run/secrets/kubernetes.io/serviceaccount/', recursive: true }],
          },
        }),
      ],
    },
    {
      id: 'swDeploymentTools',
      names: ['web-swdeploymenttools'],
      sections: [sections({ process: SW_DEPLOYMENT_PROCESS })],
    },
    {
      // The tutorial's alias reaches the builder as its canonical ID, so it is named after that.
      id: 'pkgMgrs',
      names: ['web-swdeploymenttools'],
      sections: [sections({ process: SW_DEPLOYMENT_PROCESS })],
    },
    {
      id: 'escapeToHost',
      names: [
        'web-escapetohost-disallowchroot',
        'web-escapetohost-disallowcapabilities',
        'web-escapetohost-swdeploymenttools',
      ],
      sections: [
        sections({ process: CHROOT_PROCESS }),
        sections({ capabilities: ESCAPE_CAPABILITIES }),
        sections({ process: SW_DEPLOYMENT_PROCESS }),
      ],
    },
    {
      id: 'preventExecutionFromTempOrLogsFolders',
      names: ['web-preventexecutionfromtemporlogsfolders'],
      sections: [
        sections({
          process: {
            action: 'Block',
            matchDirectories: ['/var/tmp/', '/tmp/', '/var/log/', '/app/logs/', '/logs/', '/etc/'].map(
              (dir) => ({ dir, recursive: true }),
            ),
          },
        }),
      ],
    },
  ])('rule $id', ({ id, names, sections: expected }) => {
    const built = build(rule(id));

    it('is built under the expected names', () => {
      expect(built.map((p) => p.metadata.name)).toEqual(names);
    });

    it('carries the template content and empty unused sections', () => {
      expect(
        built.map(({ spec: { process, file, network, capabilities, syscalls } }) => ({
          process,
          file,
          network,
          capabilities,
          syscalls,
        })),
      ).toEqual(expected);
    });

    it('is a KubeArmorPolicy with only the fields the SDK does not own', () => {
      for (const policy of built) {
        expect(policy.apiVersion).toBe('security.kubearmor.com/v1');
        expect(policy.kind).toBe('KubeArmorPolicy');
        expect(Object.keys(policy.metadata)).toEqual(['name']);
        expect(policy.spec.selector).toEqual({ matchLabels: { app: 'web' } });
        expect(policy.spec.action).toBe('Block');
      }
    });
  });

  it.each([
    { ids: ['denyExternalNetworkAccess'], why: 'an intent of another adapter' },
    { ids: ['noSuchIntent'], why: 'an unknown ID' },
    { ids: ['toString', 'constructor', '__proto__'], why: 'names of Object.prototype members' },
    { ids: ['disallowChRoot', 'disallowCapabilities'], why: 'sub-policy names, which are not intents' },
  ])('ignores $why', ({ ids }) => {
    const policy = nimbusPolicy(ids.map((id) => rule(id)));
    expect(buildKubeArmorPolicies(policy, contextFor(policy, false))).toEqual([]);
  });

  it('keeps rule order and skips the rules it ignores', () => {
    const policy = nimbusPolicy([
      rule('preventExecutionFromTempOrLogsFolders'),
      rule('denyExternalNetworkAccess'),
      rule('escapeToHost'),
      rule('somethingElse'),
      rule('dnsManipulation'),
    ]);
    expect(buildKubeArmorPolicies(policy, contextFor(policy, false)).map((p) => p.metadata.name)).toEqual([
      'web-preventexecutionfromtemporlogsfolders',
      'web-escapetohost-disallowchroot',
      'web-escapetohost-disallowcapabilities',
      'web-escapetohost-swdeploymenttools',
      'web-dnsmanipulation',
    ]);
  });

  it('reads rules from the context only, not from the policy', () => {
    const policy = nimbusPolicy([rule('dnsManipulation')]);
    expect(buildKubeArmorPolicies(policy, { rules: [], inputs: {} })).toEqual([]);
  });

  it('builds one policy set per ID when the context repeats one', () => {
    const policy = nimbusPolicy([rule('pkgMgrs'), rule('swDeploymentTools', { rule: { action: 'Audit' } })]);
    const built = buildKubeArmorPolicies(policy, contextFor(policy));
    expect(built.map((p) => [p.metadata.name, p.spec.action])).toEqual([['web-swdeploymenttools', 'Block']]);
  });

  describe.each([
    { action: 'Block', expected: 'Block' },
    { action: 'Audit', expected: 'Audit' },
    { action: 'Enforce', expected: 'Block' },
    { action: 'Allow', expected: 'Audit' },
    { action: 'block', expected: 'Audit' },
    { action: 'Deny', expected: 'Audit' },
    { action: '', expected: 'Audit' },
  ])('intent action "$action"', ({ action, expected }) => {
    it(`maps to ${expected}`, () => {
      expect(kubeArmorAction(action)).toBe(expected);
    });

    it(`sets spec.action ${expected} on every policy`, () => {
      const built = build(...KUBEARMOR_INTENTS.map((id) => rule(id, { rule: { action } })));
      expect(built).toHaveLength(7);
      expect(new Set(built.map((p) => p.spec.action))).toEqual(new Set([expected]));
    });

    it(`sets the folder rule's process.action to ${expected} too, unlike upstream's fixed Block`, () => {
      const policy = only(rule('preventExecutionFromTempOrLogsFolders', { rule: { action } }));
      expect(policy.spec.process.action).toBe(expected);
    });
  });

  it.each([
    { severity: 'Info', expected: 1 },
    { severity: 'critical', expected: 10 },
    { severity: 'Medium', expected: 5 },
    { severity: '4', expected: 4 },
    { severity: '10', expected: 10 },
    { severity: '11', expected: undefined },
    { severity: 'Severe', expected: undefined },
    { severity: undefined, expected: undefined },
  ])('writes severity $expected for intent severity $severity', ({ severity, expected }) => {
    const { spec } = only(rule('dnsManipulation', severity === undefined ? {} : { severity }));
    if (expected === undefined) expect(spec).not.toHaveProperty('severity');
    else expect(spec.severity).toBe(expected);
  });

  it.each([
    { tags: ['pci', 'dns'], expected: ['pci', 'dns'] },
    { tags: ['one'], expected: ['one'] },
    { tags: [], expected: undefined },
    { tags: undefined, expected: undefined },
  ])('writes tags $expected for intent tags $tags', ({ tags, expected }) => {
    const { spec } = only(rule('dnsManipulation', tags === undefined ? {} : { tags }));
    if (expected === undefined) expect(spec).not.toHaveProperty('tags');
    else expect(spec.tags).toEqual(expected);
  });

  it.each([
    { description: 'Blocks resolver edits.', expected: 'Blocks resolver edits.' },
    { description: '', expected: undefined },
    { description: undefined, expected: undefined },
  ])('writes message $expected for description "$description"', ({ description, expected }) => {
    const { spec } = only(rule('dnsManipulation', description === undefined ? {} : { description }));
    if (expected === undefined) expect(spec).not.toHaveProperty('message');
    else expect(spec.message).toBe(expected);
  });

  it.each([
    { matchLabels: null, why: 'no matchLabels' },
    { matchLabels: {}, why: 'empty matchLabels' },
  ])('selects every pod for a selector with $why', ({ matchLabels }) => {
    const policy = nimbusPolicy([rule('escapeToHost')], matchLabels);
    for (const built of buildKubeArmorPolicies(policy, contextFor(policy))) {
      expect(built.spec.selector).toEqual({ matchLabels: {} });
    }
  });

  it('copies every matchLabels entry', () => {
    const policy = nimbusPolicy([rule('dnsManipulation')], { app: 'web', tier: 'frontend' });
    const [built] = buildKubeArmorPolicies(policy, contextFor(policy));
    expect(built?.spec.selector).toEqual({ matchLabels: { app: 'web', tier: 'frontend' } });
  });

  it('names policies after the NimbusPolicy', () => {
    const policy = nimbusPolicy([rule('dnsManipulation')]);
    policy.metadata.name = 'checkout-binding';
    expect(buildKubeArmorPolicies(policy, contextFor(policy)).map((p) => p.metadata.name)).toEqual([
      'checkout-binding-dnsmanipulation',
    ]);
    expect(POLICY_NAME).toBe('web');
  });

  it('keeps every name within 253 characters, distinct, when the NimbusPolicy name is the longest allowed', () => {
    const policy = nimbusPolicy([rule('dnsManipulation'), rule('escapeToHost')]);
    policy.metadata.name = 'n'.repeat(253);
    const names = buildKubeArmorPolicies(policy, contextFor(policy)).map((p) => p.metadata.name);
    expect(names).toHaveLength(4);
    expect(new Set(names).size).toBe(4);
    for (const name of names) expect(name).toMatch(/^n+-[0-9a-f]{10}$/);
    for (const name of names) expect(name).toHaveLength(253);
  });

  it('refuses a NimbusPolicy without a name', () => {
    const policy = nimbusPolicy([rule('dnsManipulation')]);
    policy.metadata = {};
    expect(() => buildKubeArmorPolicies(policy, contextFor(policy))).toThrow(/metadata\.name/);
  });

  it('is deterministic', () => {
    const rules = KUBEARMOR_INTENTS.map((id) => rule(id, { severity: 'Low', tags: ['t'] }));
    expect(build(...rules)).toEqual(build(...rules));
  });

  it('returns objects that share nothing with its inputs or with earlier results', () => {
    const policy = nimbusPolicy([
      rule(IntentIds.escapeToHost, { tags: ['a'] }),
      rule(IntentIds.preventExecutionFromTempOrLogsFolders),
    ]);
    const first = buildKubeArmorPolicies(policy, contextFor(policy));
    for (const built of first) {
      built.spec.selector.matchLabels.extra = 'x';
      built.spec.tags?.push('b');
      built.spec.process.matchPaths?.push({ path: '/bin/sh' });
      built.spec.process.matchDirectories?.push({ dir: '/opt/' });
      built.spec.capabilities.matchCapabilities?.push({ capability: 'kill' });
    }
    expect(policy.spec.selector.matchLabels).toEqual({ app: 'web' });
    expect(policy.spec.rules[0]?.tags).toEqual(['a']);
    const second = buildKubeArmorPolicies(policy, contextFor(policy));
    expect(second).not.toEqual(first);
    expect(second).toEqual(
      buildKubeArmorPolicies(nimbusPolicy(policy.spec.rules), contextFor(nimbusPolicy(policy.spec.rules))),
    );
    expect(second[2]?.spec.process.matchPaths).toEqual(SW_DEPLOYMENT_TOOLS);
  });
});
