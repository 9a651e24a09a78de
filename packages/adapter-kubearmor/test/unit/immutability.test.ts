import type { BuildContext } from '@nimbus-ts/adapter-sdk';
import type { NimbusPolicy } from '@nimbus-ts/api';
import { describe, expect, it } from 'vitest';
import { buildKubeArmorPolicies, KUBEARMOR_INTENTS } from '../../src/build.js';
import { contextFor, nimbusPolicy, rule } from './fixtures.js';

/** Freezes `value` and everything reachable from it, so any write throws (test files are strict-mode modules). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

describe('buildKubeArmorPolicies and its input', () => {
  it('reads a deeply frozen policy and context without writing to them', () => {
    const policy = nimbusPolicy(
      KUBEARMOR_INTENTS.map((id) =>
        rule(id, {
          description: `about ${id}`,
          severity: 'High',
          tags: ['x', 'y'],
          rule: { action: 'Audit' },
        }),
      ),
      { app: 'web', tier: 'frontend' },
    );
    const context = contextFor(policy);
    const before = structuredClone({ policy, context });
    deepFreeze<{ policy: NimbusPolicy; context: BuildContext }>({ policy, context });

    const built = buildKubeArmorPolicies(policy, context);

    expect(built).toHaveLength(7);
    expect({ policy, context }).toEqual(before);
  });

  it('returns objects the caller may change even when the input is frozen', () => {
    const policy = deepFreeze(nimbusPolicy([rule('dnsManipulation', { tags: ['a'] })]));
    const [built] = buildKubeArmorPolicies(policy, deepFreeze(contextFor(policy)));
    expect(Object.isFrozen(built?.spec.selector.matchLabels)).toBe(false);
    expect(Object.isFrozen(built?.spec.tags)).toBe(false);
    expect(Object.isFrozen(built?.spec.file.matchPaths)).toBe(false);
  });
});
