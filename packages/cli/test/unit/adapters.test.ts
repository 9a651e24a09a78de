import type { AdapterDeclaration } from '@nimbus-ts/adapter-sdk';
import type { ResourceType } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import { AdapterRegistry } from '../../src/index.js';
import { netpolDeclaration } from '../helpers.js';

// The netpol example is not a dependency of the CLI: it is loaded by path, as users load third-party adapters.
const netpolAdapter = await netpolDeclaration();
const NETWORK_POLICIES = netpolAdapter.kinds[0] as ResourceType;

// Adapters may share a kind (issue 13: a third-party NetworkPolicy adapter next to netpol); the registry resolves a
// kind to the adapter a policy's record or an object's managed-by mark names.

const fence: AdapterDeclaration = {
  name: 'fence',
  intents: ['dnsManipulation'],
  kinds: [NETWORK_POLICIES],
  build: () => [],
};

describe('AdapterRegistry', () => {
  it('accepts two adapters that write the same kind', () => {
    expect(new AdapterRegistry([netpolAdapter, fence]).names()).toEqual(['netpol', 'fence']);
  });

  it('refuses two adapters with the same name', () => {
    expect(() => new AdapterRegistry([netpolAdapter, { ...fence, name: 'netpol' }])).toThrow(
      'adapter "netpol" is registered twice',
    );
  });

  it.each([
    { name: 'the named adapter when it writes the kind', manager: 'fence', expected: 'fence' },
    { name: 'the first registered without a name', manager: undefined, expected: 'netpol' },
    {
      name: 'the first registered when the named one does not write the kind',
      manager: 'kubearmor',
      expected: 'netpol',
    },
    { name: 'the first registered for an unknown name', manager: 'nobody', expected: 'netpol' },
  ])('resolves a kind to $name', ({ manager, expected }) => {
    const registry = new AdapterRegistry([netpolAdapter, fence]);
    expect(registry.forKind('NetworkPolicy', manager)).toEqual({
      adapter: expected,
      resource: NETWORK_POLICIES,
    });
  });

  it('resolves the kind of a status entry (KyvernoPolicy) to the kind it names (Policy)', () => {
    const policies: ResourceType = {
      apiVersion: 'kyverno.io/v1',
      kind: 'Policy',
      plural: 'policies',
      namespaced: true,
      statusKind: 'KyvernoPolicy',
    };
    const kyverno: AdapterDeclaration = {
      name: 'kyverno',
      intents: ['escapeToHost'],
      kinds: [policies],
      build: () => [],
    };
    const registry = new AdapterRegistry([netpolAdapter, kyverno]);
    expect(registry.forKind('KyvernoPolicy')).toEqual({ adapter: 'kyverno', resource: policies });
    expect(registry.forKind('Policy')).toEqual({ adapter: 'kyverno', resource: policies });
  });

  it('resolves a kind no adapter writes to nothing', () => {
    expect(new AdapterRegistry([netpolAdapter, fence]).forKind('KubeArmorPolicy', 'fence')).toBeUndefined();
  });
});
