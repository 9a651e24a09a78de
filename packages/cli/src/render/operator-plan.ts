import type { KubernetesObject, V1Namespace } from '@kubernetes/client-node';
import type {
  ClusterNimbusPolicy,
  ClusterSecurityIntentBinding,
  NimbusPolicy,
  NimbusRule,
  SecurityIntent,
  SecurityIntentBinding,
} from '@nimbus-ts/api';
import {
  buildClusterNimbusPolicy,
  buildFanOutPolicy,
  buildNimbusPolicy,
  describeCelError,
  fanOutPolicyName,
  resolveCelSelector,
  resolveRules,
  targetNamespaces,
  validateClusterBinding,
} from '@nimbus-ts/core-operator';
import type { ManifestSet } from '../input/manifests.js';
import { describeObject, type RenderNote } from './rendering.js';
import { withUid } from './synthetic-uid.js';

/** A policy the core operator would write, before the adapters run. */
export interface PlannedPolicy {
  readonly policy: NimbusPolicy | ClusterNimbusPolicy;
  readonly from: string;
  /** The rules, to report those no adapter enforces once per binding rather than once per policy. */
  readonly rules: readonly NimbusRule[];
}

/** Options of {@link renderManifests}: what the operator's half of a rendering knows of the cluster. */
export interface OperatorPlanOptions {
  /**
   * The cluster's namespaces, for the fan-out of cluster bindings (`--namespaces`). Without them, the Namespace
   * objects of the input stand for the cluster's.
   */
  readonly namespaces?: readonly string[];
}

function isCoreKind(object: KubernetesObject, kind: string): boolean {
  return object.apiVersion === 'v1' && object.kind === kind;
}

function missingNote(subject: string, missing: readonly string[]): RenderNote[] {
  return missing.length === 0
    ? []
    : [
        {
          severity: 'warning',
          subject,
          message: `SecurityIntent ${missing.join(', ')} not in the input; skipped, as the operator skips intents that do not exist`,
        },
      ];
}

function planBinding(
  input: SecurityIntentBinding,
  intents: ReadonlyMap<string, SecurityIntent>,
  others: readonly KubernetesObject[],
): { policies: PlannedPolicy[]; notes: RenderNote[] } {
  const sib = withUid(input);
  const subject = describeObject(sib);
  const resolved = resolveRules(sib.spec.intents, (name) => intents.get(name));
  const notes = missingNote(subject, resolved.missing);
  if (resolved.rules.length === 0) {
    notes.push({
      severity: 'warning',
      subject,
      message: 'none of its SecurityIntents is in the input: no NimbusPolicy',
    });
    return { policies: [], notes };
  }
  let selected: Record<string, string> = {};
  const cel = sib.spec.cel ?? [];
  if (cel.length > 0) {
    // CEL selects among the pods of the binding's namespace; without them any selector would be a guess, and
    // a guessed selector could apply the policy to every pod.
    const pods = others.filter(
      (o) =>
        isCoreKind(o, 'Pod') && (o.metadata?.namespace ?? sib.metadata.namespace) === sib.metadata.namespace,
    );
    if (pods.length === 0) {
      notes.push({
        severity: 'warning',
        subject,
        message: `spec.cel selects pods by their labels, which needs the pods of namespace ${sib.metadata.namespace}: no NimbusPolicy rendered; add those Pods to the input to resolve it offline`,
      });
      return { policies: [], notes };
    }
    const result = resolveCelSelector(
      cel,
      pods.map((p) => ({ name: p.metadata?.name ?? '', labels: p.metadata?.labels ?? {} })),
    );
    if (result !== undefined && result.kind !== 'selection') {
      notes.push({ severity: 'warning', subject, message: `no NimbusPolicy: ${describeCelError(result)}` });
      return { policies: [], notes };
    }
    if (result) {
      selected = result.matchLabels;
      notes.push({
        severity: 'note',
        subject,
        message: `spec.cel resolved against ${pods.length} Pod(s) of the input: selects ${result.selected.join(', ')} by ${JSON.stringify(result.matchLabels)}${result.broader.length > 0 ? `, which also selects ${result.broader.join(', ')}` : ''}`,
      });
    }
  }
  const policy = withUid(buildNimbusPolicy(sib, resolved.rules, selected));
  return { policies: [{ policy, from: subject, rules: resolved.rules }], notes };
}

function planClusterBinding(
  input: ClusterSecurityIntentBinding,
  intents: ReadonlyMap<string, SecurityIntent>,
  namespaces: readonly V1Namespace[] | undefined,
): { policies: PlannedPolicy[]; notes: RenderNote[] } {
  const csib = withUid(input);
  const subject = describeObject(csib);
  const invalid = validateClusterBinding(csib);
  if (invalid !== undefined) {
    return {
      policies: [],
      notes: [
        {
          severity: 'error',
          subject,
          message: `the operator marks it ValidationFail and writes nothing: ${invalid}`,
        },
      ],
    };
  }
  const resolved = resolveRules(csib.spec.intents, (name) => intents.get(name));
  const notes = missingNote(subject, resolved.missing);
  if (resolved.rules.length === 0) {
    notes.push({
      severity: 'warning',
      subject,
      message: 'none of its SecurityIntents is in the input: no policies',
    });
    return { policies: [], notes };
  }
  const cluster = withUid(buildClusterNimbusPolicy(csib, resolved.rules));
  const policies: PlannedPolicy[] = [{ policy: cluster, from: subject, rules: resolved.rules }];
  if (namespaces === undefined) {
    notes.push({
      severity: 'warning',
      subject,
      message: `the fan-out needs the cluster's namespaces: the operator writes NimbusPolicy ${fanOutPolicyName(csib.metadata.name ?? '')} into each target namespace; pass --namespaces a,b or add Namespace objects to the input`,
    });
    return { policies, notes };
  }
  const targets = targetNamespaces(csib, namespaces);
  if (targets.length === 0) {
    notes.push({
      severity: 'warning',
      subject,
      message: 'its namespace selector matches none of the given namespaces',
    });
  }
  for (const namespace of targets) {
    const policy = withUid(buildFanOutPolicy(csib, namespace, resolved.rules));
    policies.push({ policy, from: subject, rules: resolved.rules });
  }
  return { policies, notes };
}

/**
 * What the core operator would write for the input, using its own builders: a NimbusPolicy per
 * SecurityIntentBinding; a ClusterNimbusPolicy and a NimbusPolicy per target namespace per
 * ClusterSecurityIntentBinding; and NimbusPolicies given directly, as they are. Bindings and policies get
 * synthetic UIDs, so owner references are well-formed.
 */
export function planOperator(
  manifests: ManifestSet,
  options: OperatorPlanOptions = {},
): { policies: PlannedPolicy[]; notes: RenderNote[] } {
  const intents = new Map(manifests.intents.map(({ object }) => [object.metadata.name ?? '', object]));
  const others = manifests.others.map((m) => m.object);
  const namespaceObjects = others.filter((o) => isCoreKind(o, 'Namespace')) as V1Namespace[];
  const namespaces: V1Namespace[] | undefined =
    options.namespaces !== undefined
      ? options.namespaces.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))
      : namespaceObjects.length > 0
        ? namespaceObjects
        : undefined;
  const policies: PlannedPolicy[] = [];
  const notes: RenderNote[] = [];
  const add = (planned: { policies: PlannedPolicy[]; notes: RenderNote[] }) => {
    policies.push(...planned.policies);
    notes.push(...planned.notes);
  };
  for (const { object } of manifests.bindings) add(planBinding(object, intents, others));
  for (const { object } of manifests.clusterBindings) add(planClusterBinding(object, intents, namespaces));
  for (const { object, source } of [...manifests.policies, ...manifests.clusterPolicies]) {
    policies.push({ policy: withUid(object), from: `input ${source.file}`, rules: object.spec.rules });
  }
  return { policies, notes };
}
