import type { KubernetesObject } from '@kubernetes/client-node';
import type { BuildContext } from '@nimbus-ts/adapter-sdk';
import type { ClusterNimbusPolicy, NimbusPolicy, NimbusRule } from '@nimbus-ts/api';
import { IntentIds } from '@nimbus-ts/idpool';
import { boundedName } from '@nimbus-ts/k8s';
import { virtualPatchFor } from './catalogue.js';
import { cveKnowledge } from './clean-images.js';
import type { KyvernoPolicy, KyvernoPolicySpec, KyvernoRule } from './kyverno-policy.js';
import { clusterScope, excludeFor, matchFor, namespacedScope, type WorkloadScope } from './scope.js';

/** The canonical intent IDs the Kyverno adapter enforces, in the order of the ID pool. */
export const KYVERNO_INTENTS = Object.freeze([
  IntentIds.escapeToHost,
  IntentIds.cocoWorkload,
  IntentIds.virtualPatch,
] as const);

/** One of {@link KYVERNO_INTENTS}. */
export type KyvernoIntentId = (typeof KYVERNO_INTENTS)[number];

/** The RuntimeClass `cocoWorkload` sets when the intent names none (upstream's default). */
export const DEFAULT_RUNTIME_CLASS = 'kata-clh';

/** The annotation upstream Nimbus describes its Kyverno policies with (Kyverno's own convention). */
export const DESCRIPTION_ANNOTATION = 'policies.kyverno.io/description';

/** Annotation on a virtual-patch policy: the intent's `schedule` parameter, kept for upstream's tooling. */
export const SCHEDULE_ANNOTATION = 'nimbus-ts.io/virtual-patch-schedule';

/**
 * Annotation on a virtual-patch policy: what Clair's VulnerabilityReports said when it was built, e.g.
 * `2 of 5 scanned images affected; 3 spared` or `no VulnerabilityReports: every image is patched`.
 */
export const EVIDENCE_ANNOTATION = 'nimbus-ts.io/virtual-patch-evidence';

/** The name under which {@link BuildContext.inputs} holds the Clair adapter's VulnerabilityReports. */
export const REPORTS_INPUT = 'vulnerabilityReports';

const POD = ['v1/Pod'];
const DEPLOYMENT = ['apps/v1/Deployment'];

/**
 * Kyverno's failure action for an intent's action: `Block` and `Enforce` refuse the request, anything else
 * (`Audit`, or text this adapter does not know) admits it and reports the violation, as upstream does.
 */
export function kyvernoFailureAction(action: string): 'Enforce' | 'Audit' {
  return action === 'Block' || action === 'Enforce' ? 'Enforce' : 'Audit';
}

/** The first value of a rule's parameter, trimmed; `undefined` when absent or empty. Read from `rule` itself. */
function firstParam(rule: NimbusRule, name: string): string | undefined {
  const value = rule.rule.params?.[name]?.[0]?.trim();
  return value ? value : undefined;
}

/** The Pod Security Standard level of an `escapeToHost` rule: `restricted` only when its `psaLevel` says so. */
export function psaLevel(rule: NimbusRule): 'baseline' | 'restricted' {
  return firstParam(rule, 'psaLevel') === 'restricted' ? 'restricted' : 'baseline';
}

/** The RuntimeClass of a `cocoWorkload` rule: its `runtimeClass` parameter, else {@link DEFAULT_RUNTIME_CLASS}. */
export function runtimeClassOf(rule: NimbusRule): string {
  return firstParam(rule, 'runtimeClass') ?? DEFAULT_RUNTIME_CLASS;
}

/** The CVE IDs of a `virtualPatch` rule (`cveList`, or upstream's example spelling `cve_list`), upper case, once each. */
export function cveListOf(rule: NimbusRule): string[] {
  const params = rule.rule.params ?? {};
  const listed = [...(params.cveList ?? []), ...(params.cve_list ?? [])];
  return [...new Set(listed.map((c) => c.trim().toUpperCase()).filter((c) => c !== ''))];
}

function policy(
  kind: KyvernoPolicy['kind'],
  name: string,
  rule: NimbusRule,
  spec: KyvernoPolicySpec,
  extraAnnotations: Record<string, string> = {},
): KyvernoPolicy {
  const annotations = {
    ...(rule.description ? { [DESCRIPTION_ANNOTATION]: rule.description } : {}),
    ...extraAnnotations,
  };
  return {
    apiVersion: 'kyverno.io/v1',
    kind,
    // Upstream's names (`<policy>-escapetohost`, …) where they fit; a hash-suffixed cut where a long policy name
    // would push them past the API server's limit (253), so the policy is never silently left unwritten.
    metadata: { name: boundedName([name]), ...(Object.keys(annotations).length > 0 ? { annotations } : {}) },
    spec: withKyvernoDefaults(spec),
  };
}

/**
 * The spec with the defaults Kyverno's CRD fills in written out: the API server stores them, and a built policy
 * without them would differ from the stored one, so every restart of the adapter rewrote every policy (seen
 * against real Kyverno v1.19.1: `admission`, `emitWarning`, `validationFailureAction`, each rule's
 * `skipBackgroundRequests` and each validate rule's `allowExistingViolations`).
 */
export function withKyvernoDefaults(spec: KyvernoPolicySpec): KyvernoPolicySpec {
  const action = spec.rules.find((r) => r.validate)?.validate?.failureAction ?? 'Audit';
  return {
    admission: true,
    emitWarning: false,
    validationFailureAction: action,
    ...spec,
    rules: spec.rules.map((r) => ({
      ...r,
      skipBackgroundRequests: true,
      ...(r.validate ? { validate: { allowExistingViolations: true, ...r.validate } } : {}),
    })),
  };
}

function escapeToHostRule(scope: WorkloadScope, rule: NimbusRule): KyvernoRule {
  return {
    name: 'pod-security-standard',
    match: matchFor(scope, POD),
    ...excludeFor(scope, POD),
    validate: {
      failureAction: kyvernoFailureAction(rule.rule.action),
      podSecurity: { level: psaLevel(rule), version: 'latest' },
    },
  };
}

function runtimeClassPatch(rule: NimbusRule) {
  return { spec: { template: { spec: { runtimeClassName: runtimeClassOf(rule) } } } };
}

/** Sets the RuntimeClass on Deployments as they are created or changed (Kyverno's admission webhook). */
function mutateOnAdmissionRule(scope: WorkloadScope, rule: NimbusRule): KyvernoRule {
  return {
    name: 'set-runtime-class',
    match: matchFor(scope, DEPLOYMENT),
    ...excludeFor(scope, DEPLOYMENT),
    mutate: { patchStrategicMerge: runtimeClassPatch(rule) },
  };
}

/**
 * Sets the RuntimeClass on the Deployments that already exist when the policy is created or changed (Kyverno's
 * background controller, through `mutateExistingOnPolicyUpdate`): each matching Deployment is its own target.
 * Unlike upstream, no NimbusPolicy trigger and no ConfigMap are needed, and the rule exists whether or not
 * matching Deployments do yet.
 */
function mutateExistingRule(
  kind: KyvernoPolicy['kind'],
  scope: WorkloadScope,
  rule: NimbusRule,
): KyvernoRule {
  return {
    name: 'set-runtime-class-existing',
    match: matchFor(scope, DEPLOYMENT),
    ...excludeFor(scope, DEPLOYMENT),
    mutate: {
      targets: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          // Kyverno refuses a namespaced Policy whose target names a namespace other than the policy's own (a
          // variable included), so only the ClusterPolicy names it.
          ...(kind === 'ClusterPolicy' ? { namespace: '{{ request.object.metadata.namespace }}' } : {}),
          name: '{{ request.object.metadata.name }}',
        },
      ],
      patchStrategicMerge: runtimeClassPatch(rule),
    },
  };
}

const ALL_IMAGES = '{{ request.object.spec.[containers, initContainers, ephemeralContainers][][].image }}';

function virtualPatchPolicies(
  kind: KyvernoPolicy['kind'],
  base: string,
  scope: WorkloadScope,
  rule: NimbusRule,
  reports: readonly KubernetesObject[],
): KyvernoPolicy[] {
  const schedule = firstParam(rule, 'schedule');
  return cveListOf(rule).flatMap((cve) => {
    const patch = virtualPatchFor(cve);
    // A CVE without a catalogue entry builds nothing; the adapter's README lists the catalogue and
    // `nimbus validate` names unknown CVEs.
    if (!patch) return [];
    const known = cveKnowledge(cve, reports);
    const evidence =
      known.reports === 0
        ? 'no VulnerabilityReports: every image is patched'
        : `${known.affected} of ${known.reports} scanned images affected or not ruled out; ` +
          `${known.cleanImages.length} image references spared`;
    return [
      policy(
        kind,
        `${base}-virtualpatch-${cve.toLowerCase()}`,
        rule,
        {
          background: true,
          rules: [
            {
              name: patch.ruleName,
              match: matchFor(scope, POD),
              ...excludeFor(scope, POD),
              // Images Clair scanned completely and found free of the CVE are spared; unscanned ones are not.
              ...(known.cleanImages.length > 0
                ? {
                    preconditions: {
                      any: [{ key: ALL_IMAGES, operator: 'AnyNotIn', value: known.cleanImages }],
                    },
                  }
                : {}),
              validate: { ...patch.validate, failureAction: kyvernoFailureAction(rule.rule.action) },
            },
          ],
        },
        { ...(schedule ? { [SCHEDULE_ANNOTATION]: schedule } : {}), [EVIDENCE_ANNOTATION]: evidence },
      ),
    ];
  });
}

function reportsIn(
  context: BuildContext,
  namespaces: (ns: string | undefined) => boolean,
): KubernetesObject[] {
  return (context.inputs[REPORTS_INPUT] ?? []).filter((r) => namespaces(r.metadata?.namespace));
}

/**
 * Builds the Kyverno Policies for one NimbusPolicy, named as upstream names them:
 * `escapeToHost` → `<policy>-escapetohost` (a Pod Security Standard, `baseline` or `restricted`);
 * `cocoWorkload` → `<policy>-mutateoncreate` and `<policy>-mutateexisting` (the Deployments' `runtimeClassName`);
 * `virtualPatch` → `<policy>-virtualpatch-<cve>` per catalogued CVE of `cveList`. Every parameter is read from
 * the rule being built.
 *
 * NimbusPolicies a ClusterSecurityIntentBinding fans out build nothing: its ClusterNimbusPolicy becomes one
 * ClusterPolicy ({@link buildKyvernoClusterPolicies}), and building both would enforce every rule twice.
 *
 * @param context - `rules` holds the supported rules with canonical IDs; `inputs.vulnerabilityReports` the
 * Clair adapter's reports (empty without Clair). Neither it nor the policy is changed.
 */
export function buildKyvernoPolicies(policy: NimbusPolicy, context: BuildContext): KyvernoPolicy[] {
  const name = policy.metadata.name;
  if (!name) throw new Error('a NimbusPolicy without metadata.name cannot be built');
  const owner = policy.metadata.ownerReferences?.find((o) => o.controller);
  if (owner?.kind === 'ClusterSecurityIntentBinding') return [];
  const scope = namespacedScope(policy);
  const namespace = policy.metadata.namespace;
  return buildFor('Policy', name, scope, context, (ns) => ns === namespace);
}

/**
 * Builds the Kyverno ClusterPolicies for one ClusterNimbusPolicy: `<policy>-escapetohost`, `<policy>-cocoworkload`
 * (the RuntimeClass at admission, with the intent's `runtimeClass`) and `<policy>-cocoworkload-existing` (the same
 * for Deployments that already exist), and `<policy>-virtualpatch-<cve>`, in
 * the namespaces the binding selects and never in kube-system. A binding that selects no namespace builds nothing.
 */
export function buildKyvernoClusterPolicies(
  policy: ClusterNimbusPolicy,
  context: BuildContext,
): KyvernoPolicy[] {
  const name = policy.metadata.name;
  if (!name) throw new Error('a ClusterNimbusPolicy without metadata.name cannot be built');
  const scope = clusterScope(policy);
  if (!scope) return [];
  const inScope = (ns: string | undefined) =>
    ns !== undefined &&
    !scope.excludedNamespaces.includes(ns) &&
    (scope.namespaces === undefined || scope.namespaces.includes(ns));
  return buildFor('ClusterPolicy', name, scope, context, inScope);
}

function buildFor(
  kind: KyvernoPolicy['kind'],
  base: string,
  scope: WorkloadScope,
  context: BuildContext,
  reportNamespaces: (ns: string | undefined) => boolean,
): KyvernoPolicy[] {
  const built: KyvernoPolicy[] = [];
  // The context promises one rule per ID; should two arrive anyway, the first wins.
  const seen = new Set<string>();
  for (const { id, rule } of context.rules) {
    if (seen.has(id)) continue;
    seen.add(id);
    switch (id) {
      case IntentIds.escapeToHost:
        built.push(
          policy(kind, `${base}-escapetohost`, rule, {
            background: true,
            rules: [escapeToHostRule(scope, rule)],
          }),
        );
        break;
      case IntentIds.cocoWorkload:
        if (kind === 'Policy') {
          built.push(
            policy(kind, `${base}-mutateoncreate`, rule, {
              background: false,
              rules: [mutateOnAdmissionRule(scope, rule)],
            }),
            policy(kind, `${base}-mutateexisting`, rule, {
              background: true,
              mutateExistingOnPolicyUpdate: true,
              rules: [mutateExistingRule(kind, scope, rule)],
            }),
          );
        } else {
          // Two ClusterPolicies, as the namespaced form has two Policies: Kyverno refuses a policy with
          // `mutateExistingOnPolicyUpdate` unless every rule has targets, and the admission rule has none.
          built.push(
            policy(kind, `${base}-cocoworkload`, rule, {
              background: false,
              rules: [mutateOnAdmissionRule(scope, rule)],
            }),
            policy(kind, `${base}-cocoworkload-existing`, rule, {
              background: true,
              mutateExistingOnPolicyUpdate: true,
              rules: [mutateExistingRule(kind, scope, rule)],
            }),
          );
        }
        break;
      case IntentIds.virtualPatch:
        built.push(...virtualPatchPolicies(kind, base, scope, rule, reportsIn(context, reportNamespaces)));
        break;
      default:
        // Not one of KYVERNO_INTENTS: another adapter's rule.
        break;
    }
  }
  return built;
}
