import { freezeDefinition } from './freeze.js';
import type { IntentDefinition, ParamDefinition } from './intent-id.js';

/**
 * The intent IDs nimbus-ts ships, each constant equal to its own name so code can write
 * `IntentIds.escapeToHost` instead of a string that a typo would silently break.
 *
 * @remarks
 * The first nine are upstream Nimbus's ID pool (`pkg/adapter/idpool`), with the same spelling so existing
 * SecurityIntents keep working. The last four are the image-security intents served by the Clair adapter.
 */
export const IntentIds = Object.freeze({
  swDeploymentTools: 'swDeploymentTools',
  unAuthorizedSaTokenAccess: 'unAuthorizedSaTokenAccess',
  dnsManipulation: 'dnsManipulation',
  escapeToHost: 'escapeToHost',
  preventExecutionFromTempOrLogsFolders: 'preventExecutionFromTempOrLogsFolders',
  denyExternalNetworkAccess: 'denyExternalNetworkAccess',
  cocoWorkload: 'cocoWorkload',
  virtualPatch: 'virtualPatch',
  assessTLS: 'assessTLS',
  vulnerabilityScanning: 'vulnerabilityScanning',
  disallowLatestTag: 'disallowLatestTag',
  allowedRegistries: 'allowedRegistries',
  blockVulnerableImages: 'blockVulnerableImages',
} as const);

/** One of the intent IDs nimbus-ts ships. */
export type BuiltinIntentId = (typeof IntentIds)[keyof typeof IntentIds];

/**
 * The names of the policies the KubeArmor adapter builds for `escapeToHost`. They are not intent IDs: a
 * SecurityIntent cannot ask for them, but they appear in policy names (`<policy>-escapetohost-disallowchroot`).
 */
export const SubPolicyIds = Object.freeze({
  disallowChRoot: 'disallowChRoot',
  disallowCapabilities: 'disallowCapabilities',
  swDeploymentTools: IntentIds.swDeploymentTools,
} as const);

/** The tutorial's name for `swDeploymentTools`, kept so its manifests work unchanged. */
const TUTORIAL_PACKAGE_MANAGERS_ID = 'pkgMgrs';

// Shared by the two Clair intents that gate on findings, so their accepted spellings cannot drift apart.
const SEVERITY_LEVELS = ['Low', 'Medium', 'High', 'Critical'] as const;

const severityThreshold = (what: string): ParamDefinition => ({
  name: 'severityThreshold',
  description: `The lowest Clair severity that ${what}; findings below it are ignored.`,
  required: false,
  values: SEVERITY_LEVELS,
  example: ['High'],
});

// The network-policy adapter ignores the intent's action, so both of its intents carry the same caveat.
const NETPOL_ACTION_IGNORED =
  'netpol: the NetworkPolicy is the same whatever the action; Audit does not make it advisory.';
const NETPOL_NODE_CIDRS =
  "netpol: the nodes' pod CIDRs are added as peers; upstream's chart does not let its adapter list nodes, so in a " +
  'cluster upstream emits the other peers only.';

// Typed where it is written so that a misspelt field is an excess-property error rather than silently dropped.
const definitions: readonly IntentDefinition[] = [
  {
    id: IntentIds.swDeploymentTools,
    title: 'Block software deployment tools',
    description:
      'Stops workloads from running package managers (apt, apk, dpkg, yum, rpm, dnf, pacman, zypper, make and ' +
      'similar) and the download tools curl and wget, so an intruder cannot install or fetch tooling inside a container.',
    aliases: [TUTORIAL_PACKAGE_MANAGERS_ID],
    params: [],
    engines: ['kubearmor'],
    notes: [
      'The tutorial variant (ID pkgMgrs) blocks package managers from a downloaded KubeArmor template and leaves ' +
        'curl and wget allowed; upstream blocks both.',
    ],
  },
  {
    id: IntentIds.unAuthorizedSaTokenAccess,
    title: 'Protect the service account token',
    description:
      'Stops workload processes from reading the mounted Kubernetes service account token ' +
      '(/run/secrets/kubernetes.io/serviceaccount/), which an intruder would use to call the API server.',
    params: [],
    engines: ['kubearmor'],
  },
  {
    id: IntentIds.dnsManipulation,
    title: 'Prevent DNS manipulation',
    description:
      'Keeps name resolution trustworthy: /etc/resolv.conf becomes read-only inside workloads (kubearmor), and DNS ' +
      'traffic on port 53 may only go to the cluster DNS in kube-system (netpol).',
    params: [],
    engines: ['kubearmor', 'netpol'],
    notes: [NETPOL_ACTION_IGNORED, NETPOL_NODE_CIDRS],
  },
  {
    id: IntentIds.escapeToHost,
    title: 'Prevent escape to the host',
    description:
      'Closes common container breakout paths. KubeArmor blocks chroot, the capabilities sys_admin, sys_ptrace, ' +
      'sys_module, dac_read_search and dac_override, and software deployment tools; Kyverno enforces a Pod Security ' +
      'Standard on matching pods.',
    params: [
      {
        name: 'psaLevel',
        description:
          'The Pod Security Standard Kyverno enforces. Only the first value is read, and anything other than ' +
          'restricted means baseline. KubeArmor ignores it.',
        required: false,
        values: ['baseline', 'restricted'],
        example: ['restricted'],
      },
    ],
    engines: ['kubearmor', 'kyverno'],
    subPolicies: [
      SubPolicyIds.disallowChRoot,
      SubPolicyIds.disallowCapabilities,
      SubPolicyIds.swDeploymentTools,
    ],
    notes: [
      'kubearmor: three policies named <policy>-escapetohost-<sub-policy> instead of the usual <policy>-<id>.',
      'kyverno: one Policy <policy>-escapetohost (a ClusterPolicy for cluster-wide bindings, never in kube-system) ' +
        "with a Pod Security Standard; unlike upstream, psaLevel is read from this intent's own rule and an empty " +
        'matchNames builds nothing instead of crashing.',
    ],
  },
  {
    id: IntentIds.preventExecutionFromTempOrLogsFolders,
    title: 'Prevent execution from temporary and log folders',
    description:
      'Stops workloads from starting programs that live under /tmp/, /var/tmp/, /var/log/, /app/logs/, /logs/ or ' +
      '/etc/, the places where dropped payloads usually land.',
    params: [],
    engines: ['kubearmor'],
    notes: [
      "kubearmor: upstream's process rule always blocks, even for Audit; here it follows the intent's action.",
    ],
  },
  {
    id: IntentIds.denyExternalNetworkAccess,
    title: 'Deny external network access',
    description:
      'Confines workload traffic to the cluster: ingress and egress are allowed only from and to private address ' +
      "ranges (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16) and the nodes' pod CIDRs, plus DNS to the cluster DNS.",
    params: [],
    engines: ['netpol'],
    notes: [NETPOL_ACTION_IGNORED, NETPOL_NODE_CIDRS],
  },
  {
    id: IntentIds.cocoWorkload,
    title: 'Run as a confidential workload',
    description:
      'Moves matching Deployments onto a confidential-containers runtime by setting their pod runtimeClassName, ' +
      'both when they are created and for those that already exist.',
    params: [
      {
        name: 'runtimeClass',
        description:
          'The RuntimeClass to set on matching Deployments; kata-clh when absent. Only the first value is read.',
        required: false,
        example: ['kata-clh'],
      },
    ],
    engines: ['kyverno'],
    notes: [
      'kyverno: only Deployments are changed (new ones on admission, existing ones by Kyverno’s background ' +
        'controller); cluster-wide bindings honour runtimeClass here, where upstream always uses kata-clh.',
    ],
  },
  {
    id: IntentIds.virtualPatch,
    title: 'Virtually patch known CVEs',
    description:
      'Shields workloads from listed CVEs until their images are fixed: for each CVE, the policies from the ' +
      'virtual-patch catalogue are generated for pods running an affected image, and regenerated on a schedule.',
    params: [
      {
        name: 'cveList',
        description:
          'The CVE IDs to patch; each needs an entry in the virtual-patch catalogue. Without it the intent does nothing.',
        required: true,
        example: ['CVE-2021-44228'],
      },
      {
        name: 'schedule',
        description: 'A cron schedule for regenerating the patches; 0 0 * * * (daily) when absent.',
        required: false,
        example: ['0 */6 * * *'],
      },
    ],
    engines: ['kyverno'],
    notes: [
      "Upstream's example manifest spells the parameter cve_list, which its adapter never reads; the kyverno adapter reads both.",
      'kyverno: images the Clair adapter scanned and found free of a CVE are spared its patch; the patches are ' +
        'rebuilt whenever the reports change, and schedule is kept as an annotation (no cron deletes NimbusPolicies).',
    ],
  },
  {
    id: IntentIds.assessTLS,
    title: 'Assess TLS configuration',
    description:
      'Runs k8tls on a schedule to check the TLS set-up of the services in the cluster, or of listed external ' +
      'addresses, and reports each scan as a TLSAssessmentReport. Upstream called it ensureTLS before issue #225.',
    params: [
      {
        name: 'schedule',
        description: 'A cron schedule for the scan; @weekly when absent. Only the first value is read.',
        required: false,
        example: ['@daily'],
      },
      {
        name: 'external_addresses',
        description:
          'Addresses (host:port) to scan instead of the in-cluster services, one per entry; the name keeps ' +
          "upstream's underscore.",
        required: false,
        example: ['example.com:443'],
      },
    ],
    engines: ['k8tls'],
    notes: [
      'k8tls: only cluster-wide bindings (ClusterNimbusPolicy) are acted on, and only the first supported rule.',
    ],
  },
  {
    id: IntentIds.vulnerabilityScanning,
    title: 'Scan images for vulnerabilities',
    description:
      'Scans the images of matching workloads with Clair, reports the vulnerabilities found and scans them again ' +
      'periodically, since new CVEs are published against images that have not changed.',
    params: [
      severityThreshold('is reported'),
      {
        name: 'rescanInterval',
        description: 'How long a scan result stays current before the image is scanned again, as a duration.',
        required: false,
        example: ['6h'],
      },
      {
        name: 'ignoreUnfixed',
        description: 'Whether to leave out vulnerabilities that have no fixed version yet.',
        required: false,
        values: ['true', 'false'],
        example: ['true'],
      },
      {
        name: 'slackWebhookSecret',
        description:
          'A Secret in the namespace holding a Slack incoming-webhook URL, as name/key (or name, for the key url): ' +
          'new findings at or above the threshold are sent there, each once.',
        required: false,
        example: ['slack-webhook/url'],
      },
    ],
    engines: ['clair'],
  },
  {
    id: IntentIds.disallowLatestTag,
    title: 'Disallow the latest tag',
    description:
      'Rejects pods whose images use the latest tag, written out or implied by leaving the tag off, because such ' +
      'a reference can point at different content tomorrow and cannot be traced to one scan.',
    params: [],
    engines: ['admission'],
  },
  {
    id: IntentIds.allowedRegistries,
    title: 'Allow images only from listed registries',
    description: 'Rejects pods whose images come from a registry that is not on the list.',
    params: [
      {
        name: 'registries',
        description: 'The registry hosts images may come from, such as docker.io or ghcr.io.',
        required: true,
        example: ['docker.io', 'ghcr.io', 'registry.k8s.io'],
      },
    ],
    engines: ['admission'],
  },
  {
    id: IntentIds.blockVulnerableImages,
    title: 'Block vulnerable images',
    description:
      'Rejects pods whose images have vulnerabilities at or above a severity in their Clair scan, so known-bad ' +
      'images never start. The admission webhook decides; Clair supplies the scans.',
    params: [
      severityThreshold('blocks an image'),
      {
        name: 'unscannedImages',
        description: 'What to do with an image that has no scan result when the scan timeout runs out.',
        required: false,
        values: ['allow', 'deny'],
        example: ['deny'],
      },
      {
        name: 'scanTimeout',
        description:
          'How long admission waits for a scan of an image not yet scanned, as a duration of at most 25s: the API ' +
          'server waits at most 30s for a webhook, and the webhook needs the rest to answer.',
        required: false,
        example: ['10s'],
      },
    ],
    engines: ['admission'],
  },
];

/**
 * The definitions behind {@link IntentIds}, in the same order, with the parameters adapters read and the engines
 * that enforce each intent.
 */
export const BUILTIN_INTENTS: readonly IntentDefinition[] = Object.freeze(definitions.map(freezeDefinition));
