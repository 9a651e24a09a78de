import { GROUP } from '@nimbus-ts/api';
import type { IntentRegistry } from '@nimbus-ts/idpool';
import type { AdapterRegistry } from '../adapters.js';
import { classifyManifests, type Manifest } from '../input/manifests.js';
import type { SourceText } from '../input/sources.js';
import type { NimbusSchemas } from '../schema/crd-schemas.js';
import { checkBinding, checkClusterBinding } from './binding-checks.js';
import { type Diagnostic, diagnosticAt, sortDiagnostics } from './diagnostic.js';
import { checkDuplicates } from './duplicate-checks.js';
import { checkIntent } from './intent-checks.js';
import { parseAndCheckSchemas } from './structural.js';

/** What `nimbus validate` found. */
export interface ValidationReport {
  /** Every finding, in input order. */
  readonly diagnostics: readonly Diagnostic[];
  /** How many files and objects were read. */
  readonly files: number;
  readonly objects: number;
  /** How many of the objects are of the Nimbus API (the ones validated). */
  readonly nimbusObjects: number;
}

/** What validation checks against. */
export interface ValidationContext {
  readonly schemas: NimbusSchemas;
  readonly intentPool: IntentRegistry;
  readonly adapters: AdapterRegistry;
}

// A NimbusPolicy is the operator's output; one applied by hand is owned by no binding, and adapters skip
// policies no binding owns, so it would silently do nothing.
function ownerless({
  object,
  source,
}: Manifest<{ kind?: string; metadata?: { ownerReferences?: unknown[] } }>) {
  return (object.metadata?.ownerReferences?.length ?? 0) > 0
    ? []
    : [
        diagnosticAt(
          source,
          ['kind'],
          'warning',
          `${object.kind} is written by the core operator; applied by hand, no binding owns it and adapters ignore it. Write a binding instead`,
        ),
      ];
}

/**
 * Validates manifests without a cluster: YAML syntax, each Nimbus object against its CRD schema, duplicate
 * objects, intent IDs and parameters against the ID pool, binding references to intents not in the input,
 * CEL syntax, and cluster-binding namespace selectors as the operator validates them. Objects of other APIs
 * are read but not judged.
 */
export function validateSources(
  sources: readonly SourceText[],
  context: ValidationContext,
): ValidationReport {
  const parsed = parseAndCheckSchemas(sources, context.schemas);
  const diagnostics = [...parsed.diagnostics, ...checkDuplicates(parsed.objects)];
  const manifests = classifyManifests(parsed.valid);
  // Every SecurityIntent written counts as present, valid or not, so one mistake is not reported twice.
  const intentNames = new Set(
    parsed.objects
      .map((o) => o.object as { kind?: unknown; metadata?: { name?: unknown } } | null)
      .filter((o) => o?.kind === 'SecurityIntent' && typeof o.metadata?.name === 'string')
      .map((o) => String(o?.metadata?.name)),
  );
  for (const intent of manifests.intents)
    diagnostics.push(...checkIntent(intent, context.intentPool, context.adapters));
  for (const binding of manifests.bindings) diagnostics.push(...checkBinding(binding, intentNames));
  for (const binding of manifests.clusterBindings)
    diagnostics.push(...checkClusterBinding(binding, intentNames));
  for (const policy of [...manifests.policies, ...manifests.clusterPolicies])
    diagnostics.push(...ownerless(policy));
  const nimbusObjects = parsed.objects.filter((o) => {
    const apiVersion = (o.object as { apiVersion?: unknown } | null)?.apiVersion;
    return typeof apiVersion === 'string' && apiVersion.startsWith(`${GROUP}/`);
  }).length;
  return {
    diagnostics: sortDiagnostics(
      diagnostics,
      sources.map((s) => s.path),
    ),
    files: sources.length,
    objects: parsed.objects.length,
    nimbusObjects,
  };
}
