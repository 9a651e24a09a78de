import type { NimbusKind } from './types.js';

/** The API group of every nimbus kind; the same as upstream Nimbus, so manifests work with either. */
export const GROUP = 'intent.security.nimbus.com';

/** The only version of the group, both served and stored. */
export const VERSION = 'v1alpha1';

/** The `apiVersion` every object of these kinds carries. */
export const API_VERSION = `${GROUP}/${VERSION}` as const;

/** What a client needs to address a kind through the REST API. */
export interface ResourceInfo {
  /** `intent.security.nimbus.com/v1alpha1`. */
  readonly apiVersion: typeof API_VERSION;
  /** The kind, as in an object's `kind` field. */
  readonly kind: NimbusKind;
  /** The resource name in API paths: `/apis/<group>/<version>/[namespaces/<ns>/]<plural>`. */
  readonly plural: string;
  /** Whether objects live in a namespace; false for cluster-scoped kinds. */
  readonly namespaced: boolean;
}

/**
 * Every kind defined in crds/, keyed by kind. The `satisfies` clause makes a kind added to the CRDs a compile
 * error here until it is listed, and the unit tests check plural and scope against the CRD files.
 */
export const RESOURCES = {
  SecurityIntent: {
    apiVersion: API_VERSION,
    kind: 'SecurityIntent',
    plural: 'securityintents',
    namespaced: false,
  },
  SecurityIntentBinding: {
    apiVersion: API_VERSION,
    kind: 'SecurityIntentBinding',
    plural: 'securityintentbindings',
    namespaced: true,
  },
  ClusterSecurityIntentBinding: {
    apiVersion: API_VERSION,
    kind: 'ClusterSecurityIntentBinding',
    plural: 'clustersecurityintentbindings',
    namespaced: false,
  },
  NimbusPolicy: { apiVersion: API_VERSION, kind: 'NimbusPolicy', plural: 'nimbuspolicies', namespaced: true },
  ClusterNimbusPolicy: {
    apiVersion: API_VERSION,
    kind: 'ClusterNimbusPolicy',
    plural: 'clusternimbuspolicies',
    namespaced: false,
  },
} as const satisfies { readonly [K in NimbusKind]: ResourceInfo & { readonly kind: K } };
