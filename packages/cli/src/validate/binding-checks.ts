import type { ClusterSecurityIntentBinding, SecurityIntentBinding } from '@nimbus-ts/api';
import { compileCelSelector, describeCelError, validateClusterBinding } from '@nimbus-ts/core-operator';
import { leadingFieldPath } from '../field-path.js';
import type { Manifest } from '../input/manifests.js';
import { type Diagnostic, diagnosticAt } from './diagnostic.js';

type Binding = Manifest<SecurityIntentBinding> | Manifest<ClusterSecurityIntentBinding>;

// What both binding kinds share: the list of intent names. An intent missing from the input may well exist in
// the cluster, so it is a warning; the operator skips it until it exists.
function intentReferences({ object, source }: Binding, intentNames: ReadonlySet<string>): Diagnostic[] {
  const found: Diagnostic[] = [];
  const intents = object.spec.intents;
  if (intents.length === 0) {
    found.push(
      diagnosticAt(
        source,
        ['spec', 'intents'],
        'warning',
        'binds no intents, so the operator writes no NimbusPolicy',
        'key',
      ),
    );
  }
  const seen = new Set<string>();
  intents.forEach(({ name }, index) => {
    const path = ['spec', 'intents', index, 'name'];
    if (seen.has(name)) {
      found.push(
        diagnosticAt(source, path, 'warning', `SecurityIntent "${name}" is listed twice; it yields one rule`),
      );
      return;
    }
    seen.add(name);
    if (!intentNames.has(name)) {
      found.push(
        diagnosticAt(
          source,
          path,
          'warning',
          `SecurityIntent "${name}" is not in the input; the operator skips it until it exists in the cluster`,
        ),
      );
    }
  });
  return found;
}

/**
 * Checks a SecurityIntentBinding: its intent references, CEL expressions that do not compile (CEL is checked
 * for syntax and types only; which pods it selects needs the cluster), and a selector that selects every pod.
 */
export function checkBinding(
  binding: Manifest<SecurityIntentBinding>,
  intentNames: ReadonlySet<string>,
): Diagnostic[] {
  const { object, source } = binding;
  const found = intentReferences(binding, intentNames);
  const cel = object.spec.cel ?? [];
  const compiled = compileCelSelector(cel);
  if (compiled.kind === 'invalid') {
    found.push(diagnosticAt(source, ['spec', 'cel', compiled.index], 'error', describeCelError(compiled)));
  }
  const labels = object.spec.selector.workloadSelector?.matchLabels ?? {};
  if (Object.keys(labels).length === 0 && cel.length === 0) {
    found.push(
      diagnosticAt(
        source,
        ['spec', 'selector'],
        'warning',
        'selects every pod of the namespace: spec.selector.workloadSelector.matchLabels is empty and there is no spec.cel',
        'key',
      ),
    );
  }
  return found;
}

/**
 * Checks a ClusterSecurityIntentBinding: its intent references, the namespace selector as the operator
 * validates it (an invalid one ends as ValidationFail for good), and `spec.cel`, which cluster bindings ignore.
 */
export function checkClusterBinding(
  binding: Manifest<ClusterSecurityIntentBinding>,
  intentNames: ReadonlySet<string>,
): Diagnostic[] {
  const { object, source } = binding;
  const found = intentReferences(binding, intentNames);
  const invalid = validateClusterBinding(object);
  if (invalid !== undefined) {
    const path = leadingFieldPath(invalid) ?? ['spec', 'selector', 'nsSelector'];
    found.push(
      diagnosticAt(
        source,
        path,
        'error',
        `${invalid}; the operator marks the binding ValidationFail and never retries it`,
        'key',
      ),
    );
  }
  if ((object.spec.cel?.length ?? 0) > 0) {
    found.push(
      diagnosticAt(
        source,
        ['spec', 'cel'],
        'warning',
        'spec.cel is ignored for ClusterSecurityIntentBindings (as upstream); select workloads with spec.selector.workloadSelector.matchLabels',
        'key',
      ),
    );
  }
  return found;
}
