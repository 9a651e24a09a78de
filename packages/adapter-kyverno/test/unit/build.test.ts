import type { Builder } from '@nimbus-ts/adapter-sdk';
import type { ClusterNimbusPolicy, NimbusPolicy } from '@nimbus-ts/api';
import { describe, expect, it } from 'vitest';
import {
  buildKyvernoClusterPolicies,
  buildKyvernoPolicies,
  DESCRIPTION_ANNOTATION,
  EVIDENCE_ANNOTATION,
  kyvernoFailureAction,
  SCHEDULE_ANNOTATION,
  withKyvernoDefaults,
} from '../../src/build.js';
import { VIRTUAL_PATCHES } from '../../src/catalogue.js';
import { cleanImageReferences, cveKnowledge, repositorySpellings } from '../../src/clean-images.js';
import type { KyvernoPolicy } from '../../src/kyverno-policy.js';
import { clusterPolicy, contextFor, DIGEST, nimbusPolicy, POLICY_NAME, report, rule } from './fixtures.js';

// Compile-time check: the builders fit the SDK's contract for an adapter declaration.
const asBuilder: Builder<NimbusPolicy> = buildKyvernoPolicies;
const asClusterBuilder: Builder<ClusterNimbusPolicy> = buildKyvernoClusterPolicies;

const build = (np: NimbusPolicy, reports: Parameters<typeof contextFor>[1] = []) =>
  asBuilder(np, contextFor(np, reports)) as KyvernoPolicy[];
const buildCluster = (cnp: ClusterNimbusPolicy, reports: Parameters<typeof contextFor>[1] = []) =>
  asClusterBuilder(cnp, contextFor(cnp, reports)) as KyvernoPolicy[];
const firstRule = (p: KyvernoPolicy | undefined) => p?.spec.rules[0];

describe('kyvernoFailureAction', () => {
  it.each([
    ['Block', 'Enforce'],
    ['Enforce', 'Enforce'],
    ['Audit', 'Audit'],
    ['block', 'Audit'],
    ['', 'Audit'],
    ['Deny', 'Audit'],
  ])('maps the intent action %j to %s', (action, expected) => {
    expect(kyvernoFailureAction(action)).toBe(expected);
  });
});

describe('escapeToHost', () => {
  it('builds upstream’s <policy>-escapetohost Policy: a baseline Pod Security Standard on the selected pods', () => {
    const built = build(
      nimbusPolicy([rule('escapeToHost', {}, { description: 'no breakout' })], { app: 'web', tier: 'front' }),
    );
    expect(built).toEqual([
      {
        apiVersion: 'kyverno.io/v1',
        kind: 'Policy',
        metadata: {
          name: `${POLICY_NAME}-escapetohost`,
          annotations: { [DESCRIPTION_ANNOTATION]: 'no breakout' },
        },
        spec: {
          // Kyverno's CRD defaults, written out (see withKyvernoDefaults).
          admission: true,
          emitWarning: false,
          validationFailureAction: 'Enforce',
          background: true,
          rules: [
            {
              name: 'pod-security-standard',
              skipBackgroundRequests: true,
              // One filter with every label: a pod must carry all of them (upstream's one-filter-per-label
              // matches pods carrying any one).
              match: {
                any: [
                  {
                    resources: {
                      kinds: ['v1/Pod'],
                      selector: { matchLabels: { app: 'web', tier: 'front' } },
                    },
                  },
                ],
              },
              validate: {
                allowExistingViolations: true,
                failureAction: 'Enforce',
                podSecurity: { level: 'baseline', version: 'latest' },
              },
            },
          ],
        },
      },
    ]);
  });

  it.each([
    [{ psaLevel: ['restricted'] }, 'restricted'],
    [{ psaLevel: [' restricted '] }, 'restricted'],
    [{ psaLevel: ['baseline'] }, 'baseline'],
    [{ psaLevel: ['privileged'] }, 'baseline'],
    [{ psaLevel: [] }, 'baseline'],
    [{}, 'baseline'],
  ])('reads psaLevel %j as level %s', (params, level) => {
    const validate = firstRule(build(nimbusPolicy([rule('escapeToHost', params)]))[0])?.validate;
    expect(validate?.podSecurity?.level).toBe(level);
  });

  it('selects every pod of the namespace when the policy has no labels', () => {
    const match = firstRule(build(nimbusPolicy([rule('escapeToHost')], {}))[0])?.match;
    expect(match).toEqual({ any: [{ resources: { kinds: ['v1/Pod'] } }] });
  });

  it('reads each rule’s parameters from that rule, not from the first rule (upstream’s bug)', () => {
    const built = build(
      nimbusPolicy([
        rule(
          'cocoWorkload',
          { runtimeClass: ['kata-qemu'], psaLevel: ['baseline'] },
          { rule: { action: 'Audit', params: { runtimeClass: ['kata-qemu'] } } },
        ),
        rule('escapeToHost', { psaLevel: ['restricted'] }),
      ]),
    );
    const escaping = built.find((p) => p.metadata.name === `${POLICY_NAME}-escapetohost`);
    expect(firstRule(escaping)?.validate).toEqual({
      allowExistingViolations: true,
      failureAction: 'Enforce',
      podSecurity: { level: 'restricted', version: 'latest' },
    });
    const onCreate = built.find((p) => p.metadata.name === `${POLICY_NAME}-mutateoncreate`);
    expect(firstRule(onCreate)?.mutate?.patchStrategicMerge).toEqual({
      spec: { template: { spec: { runtimeClassName: 'kata-qemu' } } },
    });
  });

  it('builds nothing for a NimbusPolicy a ClusterSecurityIntentBinding fans out (its ClusterPolicy covers it)', () => {
    expect(
      build(nimbusPolicy([rule('escapeToHost')], { app: 'web' }, 'ClusterSecurityIntentBinding')),
    ).toEqual([]);
  });
});

describe('cocoWorkload', () => {
  it('builds upstream’s mutateoncreate and mutateexisting Policies with the default RuntimeClass kata-clh', () => {
    const built = build(nimbusPolicy([rule('cocoWorkload')]));
    expect(built.map((p) => p.metadata.name)).toEqual([
      `${POLICY_NAME}-mutateoncreate`,
      `${POLICY_NAME}-mutateexisting`,
    ]);
    const [onCreate, existing] = built;
    const patch = { spec: { template: { spec: { runtimeClassName: 'kata-clh' } } } };
    const match = {
      any: [{ resources: { kinds: ['apps/v1/Deployment'], selector: { matchLabels: { app: 'web' } } } }],
    };
    expect(onCreate?.spec).toEqual({
      admission: true,
      emitWarning: false,
      validationFailureAction: 'Audit',
      background: false,
      rules: [
        {
          name: 'set-runtime-class',
          skipBackgroundRequests: true,
          match,
          mutate: { patchStrategicMerge: patch },
        },
      ],
    });
    expect(existing?.spec.mutateExistingOnPolicyUpdate).toBe(true);
    expect(firstRule(existing)?.mutate).toEqual({
      targets: [
        // No namespace: Kyverno refuses a namespaced Policy whose target names one, even its own as a variable.
        { apiVersion: 'apps/v1', kind: 'Deployment', name: '{{ request.object.metadata.name }}' },
      ],
      patchStrategicMerge: patch,
    });
  });
});

describe('names', () => {
  it('keeps every name within 253 characters, distinct, when the NimbusPolicy name is the longest allowed', () => {
    const policy = nimbusPolicy([
      rule('escapeToHost'),
      rule('cocoWorkload'),
      rule('virtualPatch', { cveList: ['CVE-2021-44228', 'CVE-2024-21626'] }),
    ]);
    policy.metadata.name = 'n'.repeat(253);
    const names = build(policy).map((p) => p.metadata.name);
    expect(names).toHaveLength(5);
    expect(new Set(names).size).toBe(5);
    for (const name of names) expect(name).toMatch(/^n+-[0-9a-f]{10}$/);
    for (const name of names) expect(name).toHaveLength(253);
  });
});

describe('withKyvernoDefaults', () => {
  it('writes out the defaults Kyverno’s CRD stores, keeping what a policy sets itself', () => {
    const rule = { name: 'r', match: { any: [] } };
    expect(withKyvernoDefaults({ background: true, rules: [rule] })).toEqual({
      admission: true,
      emitWarning: false,
      validationFailureAction: 'Audit',
      background: true,
      rules: [{ ...rule, skipBackgroundRequests: true }],
    });
    const validating = withKyvernoDefaults({
      background: true,
      emitWarning: true,
      rules: [{ ...rule, validate: { failureAction: 'Enforce', allowExistingViolations: false } }],
    });
    expect(validating.emitWarning).toBe(true);
    expect(validating.validationFailureAction).toBe('Enforce');
    expect(validating.rules[0]?.validate?.allowExistingViolations).toBe(false);
  });
});

describe('ClusterNimbusPolicy → ClusterPolicy', () => {
  const names = (built: KyvernoPolicy[]) => built.map((p) => `${p.kind}/${p.metadata.name}`);
  const resources = (built: KyvernoPolicy[]) => firstRule(built[0])?.match.any[0]?.resources;
  const excluded = (built: KyvernoPolicy[]) => firstRule(built[0])?.exclude?.any[0]?.resources.namespaces;

  it.each([
    ['no nsSelector', undefined, undefined, ['kube-system']],
    ['matchNames ["*"]', { matchNames: ['*'] }, undefined, ['kube-system']],
    ['matchNames [a, b]', { matchNames: ['a', 'b'] }, ['a', 'b'], ['kube-system']],
    ['matchNames [a, kube-system]', { matchNames: ['a', 'kube-system'] }, ['a'], ['kube-system']],
    ['excludeNames [c]', { excludeNames: ['c'] }, undefined, ['kube-system', 'c']],
    [
      'excludeNames wins over matchNames',
      { matchNames: ['a'], excludeNames: ['c'] },
      undefined,
      ['kube-system', 'c'],
    ],
  ])('%s: namespaces %j, never kube-system', (_, nsSelector, namespaces, excludes) => {
    const built = buildCluster(clusterPolicy([rule('escapeToHost')], nsSelector));
    expect(names(built)).toEqual([`ClusterPolicy/${POLICY_NAME}-escapetohost`]);
    expect(resources(built)?.namespaces).toEqual(namespaces);
    expect(resources(built)?.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(excluded(built)).toEqual(excludes);
  });

  it.each([
    ['matchNames []', { matchNames: [] }],
    ['matchNames [kube-system]', { matchNames: ['kube-system'] }],
    ['nsSelector {}', {}],
  ])(
    '%s reaches no namespace: builds nothing instead of crashing (upstream) or matching all',
    (_, nsSelector) => {
      expect(buildCluster(clusterPolicy([rule('escapeToHost'), rule('cocoWorkload')], nsSelector))).toEqual(
        [],
      );
    },
  );

  it('cocoWorkload: <policy>-cocoworkload and -cocoworkload-existing ClusterPolicies with the intent’s RuntimeClass (upstream always uses kata-clh)', () => {
    const built = buildCluster(
      clusterPolicy([rule('cocoWorkload', { runtimeClass: ['kata-qemu-snp'] })], { matchNames: ['a'] }),
    );
    expect(names(built)).toEqual([
      `ClusterPolicy/${POLICY_NAME}-cocoworkload`,
      `ClusterPolicy/${POLICY_NAME}-cocoworkload-existing`,
    ]);
    const patch = { spec: { template: { spec: { runtimeClassName: 'kata-qemu-snp' } } } };
    expect(built.map((p) => p.spec.rules.map((r) => [r.name, r.mutate?.patchStrategicMerge]))).toEqual([
      [['set-runtime-class', patch]],
      [['set-runtime-class-existing', patch]],
    ]);
    // Kyverno refuses `mutateExistingOnPolicyUpdate` on a policy with a rule without targets.
    expect(built.map((p) => p.spec.mutateExistingOnPolicyUpdate ?? false)).toEqual([false, true]);
    for (const p of built) {
      expect(p.spec.rules.every((r) => r.match.any[0]?.resources.namespaces?.join() === 'a')).toBe(true);
    }
    expect(built[1]?.spec.rules[0]?.mutate?.targets?.[0]?.namespace).toBe(
      '{{ request.object.metadata.namespace }}',
    );
  });
});

describe('virtualPatch', () => {
  const vp = (params: Record<string, string[]>, action = 'Block') =>
    nimbusPolicy([rule('virtualPatch', params, { rule: { action, params } })]);

  it('builds one <policy>-virtualpatch-<cve> Policy per catalogued CVE, in list order, skipping unknown ones', () => {
    const built = build(
      vp({ cveList: ['cve-2024-21626', 'CVE-1999-0001', 'CVE-2021-44228', 'CVE-2024-21626'] }),
    );
    expect(built.map((p) => p.metadata.name)).toEqual([
      `${POLICY_NAME}-virtualpatch-cve-2024-21626`,
      `${POLICY_NAME}-virtualpatch-cve-2021-44228`,
    ]);
  });

  it('accepts upstream’s example spelling cve_list', () => {
    expect(build(vp({ cve_list: ['CVE-2022-0492'] })).map((p) => p.metadata.name)).toEqual([
      `${POLICY_NAME}-virtualpatch-cve-2022-0492`,
    ]);
  });

  it('builds nothing without a cveList', () => {
    expect(build(vp({}))).toEqual([]);
  });

  it('follows the intent’s action, and records the schedule; it never deletes anything on a cron', () => {
    const [audit] = build(vp({ cveList: ['CVE-2024-21626'], schedule: ['0 */6 * * *'] }, 'Audit'));
    expect(firstRule(audit)?.validate?.failureAction).toBe('Audit');
    expect(firstRule(audit)?.validate?.message).toContain('CVE-2024-21626');
    expect(audit?.metadata.annotations?.[SCHEDULE_ANNOTATION]).toBe('0 */6 * * *');
  });

  it('patches every selected pod when Clair has no report in the namespace', () => {
    const [policy] = build(vp({ cveList: ['CVE-2021-44228'] }), [report('elsewhere', 'library/nginx', [])]);
    expect(firstRule(policy)?.preconditions).toBeUndefined();
    expect(policy?.metadata.annotations?.[EVIDENCE_ANNOTATION]).toBe(
      'no VulnerabilityReports: every image is patched',
    );
  });

  it('spares only the images Clair scanned completely and found free of the CVE', () => {
    const reports = [
      report('shop', 'library/nginx', ['CVE-2023-0001'], { tag: '1.27' }),
      report('shop', 'acme/log4app', ['CVE-2021-44228'], { digest: `sha256:${'b'.repeat(64)}` }),
      report('shop', 'acme/huge', [], { truncated: true, digest: `sha256:${'c'.repeat(64)}` }),
    ];
    const [policy] = build(vp({ cveList: ['CVE-2021-44228'] }), reports);
    expect(firstRule(policy)?.preconditions).toEqual({
      any: [
        {
          key: '{{ request.object.spec.[containers, initContainers, ephemeralContainers][][].image }}',
          operator: 'AnyNotIn',
          value: cleanImageReferences({
            registry: 'docker.io',
            repository: 'library/nginx',
            tag: '1.27',
            digest: DIGEST,
          }).sort(),
        },
      ],
    });
    expect(policy?.metadata.annotations?.[EVIDENCE_ANNOTATION]).toBe(
      '2 of 3 scanned images affected or not ruled out; 9 image references spared',
    );
  });

  it('cluster-wide: reads the reports of the selected namespaces only', () => {
    const reports = [report('a', 'library/nginx', []), report('kube-system', 'library/redis', [])];
    const [policy] = buildCluster(
      clusterPolicy([rule('virtualPatch', { cveList: ['CVE-2022-0185'] })], { matchNames: ['a'] }),
      reports,
    );
    expect(policy?.metadata.name).toBe(`${POLICY_NAME}-virtualpatch-cve-2022-0185`);
    const spared = firstRule(policy)?.preconditions?.any?.[0]?.value;
    expect(spared).toContain(`nginx@${DIGEST}`);
    expect(JSON.stringify(spared)).not.toContain('redis');
  });
});

describe('the catalogue and image references', () => {
  it('keys every entry by its own CVE ID, and every message names the CVE and a fix', () => {
    for (const [id, patch] of Object.entries(VIRTUAL_PATCHES)) {
      expect(patch.cve).toBe(id);
      expect(id).toMatch(/^CVE-\d{4}-\d{4,}$/);
      expect(patch.validate.message).toContain(id);
      expect(patch.ruleName).toMatch(/^[a-z0-9-]{1,63}$/);
    }
  });

  it.each([
    ['docker.io', 'library/nginx', ['docker.io/library/nginx', 'library/nginx', 'nginx']],
    ['docker.io', 'acme/app', ['docker.io/acme/app', 'acme/app']],
    ['registry.example.com:5000', 'team/app', ['registry.example.com:5000/team/app']],
  ])('spells %s/%s as %j', (registry, repository, expected) => {
    expect(repositorySpellings(registry, repository)).toEqual(expected);
  });

  it('counts a tag seen affected in one report and clean in another as affected', () => {
    const known = cveKnowledge('CVE-2021-44228', [
      report('a', 'library/nginx', [], { tag: 'latest' }),
      report('b', 'library/nginx', ['CVE-2021-44228'], { tag: 'latest' }),
    ]);
    expect(known.cleanImages).toEqual([]);
    expect(known.affected).toBe(1);
  });
});
