// Shared inputs for the unit tests: (Cluster)NimbusPolicies as the core operator writes them, and the BuildContext
// the SDK hands a builder (supported rules only, IDs made canonical by the intent registry).

import type { KubernetesObject } from '@kubernetes/client-node';
import { type BuildContext, supportedRules } from '@nimbus-ts/adapter-sdk';
import type { ClusterNimbusPolicy, NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { defaultRegistry } from '@nimbus-ts/idpool';
import { KYVERNO_INTENTS, REPORTS_INPUT } from '../../src/build.js';

/** The name of the policies the fixtures build from. */
export const POLICY_NAME = 'web';

/** A rule for `id` with action Block and `params`, changed by `overrides`. */
export function rule(
  id: string,
  params: Record<string, string[]> = {},
  overrides: Partial<NimbusRule> = {},
): NimbusRule {
  return { id, rule: { action: 'Block', params }, ...overrides };
}

/** A NimbusPolicy in namespace `shop` holding `rules`, selecting `matchLabels`. */
export function nimbusPolicy(
  rules: NimbusRule[],
  matchLabels: Record<string, string> = { app: 'web' },
  ownerKind = 'SecurityIntentBinding',
): NimbusPolicy {
  return {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'NimbusPolicy',
    metadata: {
      name: POLICY_NAME,
      namespace: 'shop',
      ownerReferences: [
        {
          apiVersion: 'intent.security.nimbus.com/v1alpha1',
          kind: ownerKind,
          name: POLICY_NAME,
          uid: 'u1',
          controller: true,
        },
      ],
    },
    spec: { selector: { matchLabels }, rules },
  };
}

/** A ClusterNimbusPolicy holding `rules` with the binding's `nsSelector`. */
export function clusterPolicy(
  rules: NimbusRule[],
  nsSelector: ClusterNimbusPolicy['spec']['nsSelector'],
  matchLabels: Record<string, string> = { app: 'web' },
): ClusterNimbusPolicy {
  return {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'ClusterNimbusPolicy',
    metadata: { name: POLICY_NAME },
    spec: { ...(nsSelector ? { nsSelector } : {}), workloadSelector: { matchLabels }, rules },
  };
}

/** The context the SDK would build for `policy`, with `reports` as the VulnerabilityReports input. */
export function contextFor(
  policy: NimbusPolicy | ClusterNimbusPolicy,
  reports: readonly KubernetesObject[] = [],
): BuildContext {
  return {
    rules: supportedRules(policy.spec.rules, KYVERNO_INTENTS, defaultRegistry),
    inputs: { [REPORTS_INPUT]: reports },
  };
}

const DIGEST = `sha256:${'a'.repeat(64)}`;

/** A Clair VulnerabilityReport for `repository` in `namespace`, listing `cves`. */
export function report(
  namespace: string,
  repository: string,
  cves: string[],
  extra: { tag?: string; truncated?: boolean; registry?: string; digest?: string } = {},
): KubernetesObject {
  return {
    apiVersion: 'scanning.nimbus-ts.io/v1alpha1',
    kind: 'VulnerabilityReport',
    metadata: { name: `${repository.replaceAll('/', '-')}-${namespace}`, namespace },
    image: {
      registry: extra.registry ?? 'docker.io',
      repository,
      digest: extra.digest ?? DIGEST,
      ...(extra.tag ? { tag: extra.tag } : {}),
      platform: { os: 'linux', architecture: 'amd64' },
    },
    report: {
      ...(extra.truncated ? { truncated: true } : {}),
      vulnerabilities: cves.map((id) => ({
        id,
        severity: 'High',
        package: 'p',
        installedVersion: '1',
        fixedVersion: '2',
      })),
    },
  } as KubernetesObject;
}

export { DIGEST };
