import { describe, expect, it } from 'vitest';
import {
  BUILTIN_INTENTS,
  defaultRegistry,
  INTENT_ID_PATTERN,
  IntentIds,
  IntentRegistry,
  KNOWN_ENGINES,
  SubPolicyIds,
} from '../../src/index.js';

// The built-in pool is wire-compatible data: these tests pin it to the upstream ID pool and the per-engine support
// lists (reference §3, §3.1–3.4), the tutorial alias (§8) and the image-security requirement.

const registry = new IntentRegistry();
const builtinIds = BUILTIN_INTENTS.map((definition) => definition.id);

describe('built-in intent IDs', () => {
  it.each(builtinIds)('%s matches the SecurityIntent CRD id pattern', (id) => {
    expect(id).toMatch(INTENT_ID_PATTERN);
    // The CRD's own pattern, to be sure ours is not looser.
    expect(id).toMatch(/^[a-zA-Z0-9]*$/);
  });

  it('are unique, even ignoring letter case', () => {
    const names = BUILTIN_INTENTS.flatMap((definition) => [definition.id, ...(definition.aliases ?? [])]);
    expect(new Set(names.map((name) => name.toLowerCase())).size).toBe(names.length);
  });

  it('are exactly the IntentIds constants, in order, each equal to its key', () => {
    expect(builtinIds).toEqual(Object.keys(IntentIds));
    for (const [key, value] of Object.entries(IntentIds)) expect(value).toBe(key);
  });

  it('include upstream spellings verbatim', () => {
    expect(builtinIds).toEqual(
      expect.arrayContaining([
        'swDeploymentTools',
        'unAuthorizedSaTokenAccess',
        'dnsManipulation',
        'escapeToHost',
        'preventExecutionFromTempOrLogsFolders',
        'denyExternalNetworkAccess',
        'cocoWorkload',
        'virtualPatch',
        'assessTLS',
      ]),
    );
  });

  it.each(BUILTIN_INTENTS.map((definition) => [definition.id, definition] as const))(
    '%s has a title, a description and at least one engine',
    (_id, definition) => {
      expect(definition.title.length).toBeGreaterThan(0);
      expect(definition.description.length).toBeGreaterThan(0);
      expect(definition.engines.length).toBeGreaterThan(0);
      for (const engine of definition.engines) expect(KNOWN_ENGINES).toContain(engine);
    },
  );

  it('are frozen all the way down', () => {
    expect(Object.isFrozen(BUILTIN_INTENTS)).toBe(true);
    for (const definition of BUILTIN_INTENTS) {
      expect(Object.isFrozen(definition)).toBe(true);
      expect(Object.isFrozen(definition.params)).toBe(true);
      expect(Object.isFrozen(definition.engines)).toBe(true);
      for (const param of definition.params) expect(Object.isFrozen(param)).toBe(true);
    }
    expect(Object.isFrozen(IntentIds)).toBe(true);
  });
});

describe('aliases', () => {
  it.each([
    ['pkgMgrs', 'swDeploymentTools'],
    ['swDeploymentTools', 'swDeploymentTools'],
    ['assessTLS', 'assessTLS'],
  ])('%s resolves to %s', (name, canonical) => {
    expect(registry.canonicalId(name)).toBe(canonical);
    expect(registry.resolve(name)?.id).toBe(canonical);
    expect(registry.isKnown(name)).toBe(true);
  });

  it.each([
    // Upstream renamed ensureTLS to assessTLS and dropped the old name; so do we.
    'ensureTLS',
    // Sub-policy names are not IDs a SecurityIntent can ask for.
    'disallowChRoot',
    'disallowCapabilities',
    // Matching is exact, as the CRD's is.
    'pkgmgrs',
    'DNSManipulation',
    '',
  ])('%j is not a known ID', (name) => {
    expect(registry.isKnown(name)).toBe(false);
    expect(registry.resolve(name)).toBeUndefined();
    expect(registry.canonicalId(name)).toBeUndefined();
  });
});

describe('escapeToHost', () => {
  it('lists the KubeArmor sub-policies in upstream order', () => {
    expect(registry.resolve(IntentIds.escapeToHost)?.subPolicies).toEqual([
      'disallowChRoot',
      'disallowCapabilities',
      'swDeploymentTools',
    ]);
    expect(Object.values(SubPolicyIds)).toEqual([
      'disallowChRoot',
      'disallowCapabilities',
      'swDeploymentTools',
    ]);
  });

  it('is the only built-in intent with sub-policies', () => {
    const withSubPolicies = BUILTIN_INTENTS.filter((definition) => definition.subPolicies !== undefined);
    expect(withSubPolicies.map((definition) => definition.id)).toEqual(['escapeToHost']);
  });
});

describe('support matrix', () => {
  it.each([
    // §3 table and §3.1
    [
      'kubearmor',
      [
        'swDeploymentTools',
        'unAuthorizedSaTokenAccess',
        'dnsManipulation',
        'escapeToHost',
        'preventExecutionFromTempOrLogsFolders',
      ],
    ],
    // §3 table and §3.2
    ['netpol', ['dnsManipulation', 'denyExternalNetworkAccess']],
    // §3 table and §3.3
    ['kyverno', ['escapeToHost', 'cocoWorkload', 'virtualPatch']],
    // §3 table and §3.4
    ['k8tls', ['assessTLS']],
    // image-security requirement
    ['clair', ['vulnerabilityScanning']],
    ['admission', ['disallowLatestTag', 'allowedRegistries', 'blockVulnerableImages']],
    ['falco', []],
  ])('%s supports exactly %j', (engine, ids) => {
    expect(registry.supportedBy(engine).map((definition) => definition.id)).toEqual(ids);
  });

  it('matches engine names without case, as upstream does', () => {
    expect(registry.supportedBy('KubeArmor')).toEqual(registry.supportedBy('kubearmor'));
    expect(registry.isSupportedBy('dnsManipulation', 'NetPol')).toBe(true);
  });

  it.each([
    ['swDeploymentTools', ['kubearmor']],
    ['pkgMgrs', ['kubearmor']],
    ['dnsManipulation', ['kubearmor', 'netpol']],
    ['escapeToHost', ['kubearmor', 'kyverno']],
    ['denyExternalNetworkAccess', ['netpol']],
    ['assessTLS', ['k8tls']],
    ['blockVulnerableImages', ['admission']],
    ['noSuchIntent', []],
  ])('enginesFor(%s) is %j', (id, engines) => {
    expect(registry.enginesFor(id)).toEqual(engines);
  });

  it.each([
    ['denyExternalNetworkAccess', 'kubearmor', false],
    ['denyExternalNetworkAccess', 'netpol', true],
    ['virtualPatch', 'kyverno', true],
    ['cocoWorkload', 'kubearmor', false],
    ['pkgMgrs', 'kubearmor', true],
    ['noSuchIntent', 'kubearmor', false],
  ])('isSupportedBy(%s, %s) is %s', (id, engine, expected) => {
    expect(registry.isSupportedBy(id, engine)).toBe(expected);
  });

  it('is what the default registry starts with', () => {
    expect(defaultRegistry.all().map((definition) => definition.id)).toEqual(
      expect.arrayContaining(builtinIds),
    );
  });
});
