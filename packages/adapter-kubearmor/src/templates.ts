// The rule content the adapter writes for each policy it builds. It is bundled as constants, never fetched, so
// a build is pure and a policy changes only when this package does. The lists keep upstream Nimbus's order,
// so built objects can be compared with upstream's item by item.

import type {
  KubeArmorAction,
  KubeArmorCapabilityRules,
  KubeArmorFileRules,
  KubeArmorProcessRules,
} from './kubearmor-policy.js';

/**
 * Package managers, build tools and download tools, by executable path, for `swDeploymentTools`.
 *
 * @remarks
 * `/usr/local/bin/curl` appears twice, as in upstream. KubeArmor's schema does not ask for unique items (an API
 * server accepts and keeps the list as is), and a path listed twice only matches the same program twice, so
 * the list is kept identical to upstream's.
 */
export const SW_DEPLOYMENT_TOOL_PATHS: readonly string[] = Object.freeze([
  '/usr/bin/apt',
  '/usr/bin/apt-get',
  '/sbin/apk',
  '/bin/apt-get',
  '/bin/apt',
  '/usr/bin/dpkg',
  '/bin/dpkg',
  '/usr/bin/gdebi',
  '/bin/gdebi',
  '/usr/bin/make',
  '/bin/make',
  '/usr/bin/yum',
  '/bin/yum',
  '/usr/bin/rpm',
  '/bin/rpm',
  '/usr/bin/dnf',
  '/bin/dnf',
  '/usr/bin/pacman',
  '/usr/sbin/pacman',
  '/bin/pacman',
  '/sbin/pacman',
  '/usr/bin/makepkg',
  '/usr/sbin/makepkg',
  '/bin/makepkg',
  '/sbin/makepkg',
  '/usr/bin/yaourt',
  '/usr/sbin/yaourt',
  '/bin/yaourt',
  '/sbin/yaourt',
  '/usr/bin/zypper',
  '/bin/zypper',
  '/usr/bin/curl',
  '/bin/curl',
  '/usr/local/bin/curl',
  '/usr/bin/wget',
  '/bin/wget',
  '/usr/local/bin/curl',
]);

/** Where `chroot` is installed, for `escapeToHost`'s `disallowChRoot` policy. */
export const CHROOT_PATHS: readonly string[] = Object.freeze(['/usr/sbin/chroot', '/sbin/chroot']);

/**
 * The capabilities that let a process reach past its container (mount, trace, load modules, bypass file
 * permissions), for `escapeToHost`'s `disallowCapabilities` policy; KubeArmor spells them lower case without
 * `CAP_`.
 */
export const HOST_ESCAPE_CAPABILITIES: readonly string[] = Object.freeze([
  'sys_admin',
  'sys_ptrace',
  'sys_module',
  'dac_read_search',
  'dac_override',
]);

/** The resolver configuration that `dnsManipulation` makes read-only. */
export const RESOLV_CONF_PATH = '/etc/resolv.conf';

/** Where Kubernetes mounts the service account token, for `unAuthorizedSaTokenAccess`; KubeArmor wants the slash. */
export const SERVICE_ACCOUNT_TOKEN_DIR = '/run/secrets/kubernetes.io/serviceaccount/';

/**
 * Writable places where dropped payloads usually land, for `preventExecutionFromTempOrLogsFolders`; each ends in
 * a slash because KubeArmor's directory rules require it.
 */
export const TEMP_OR_LOG_DIRS: readonly string[] = Object.freeze([
  '/var/tmp/',
  '/tmp/',
  '/var/log/',
  '/app/logs/',
  '/logs/',
  '/etc/',
]);

/** The rule sections one template fills in; the builder supplies the rest of the spec. */
export interface TemplateSections {
  process?: KubeArmorProcessRules;
  file?: KubeArmorFileRules;
  capabilities?: KubeArmorCapabilityRules;
}

/**
 * Produces a template's rule sections, given the policy's action (for templates that repeat it in a section).
 * Each call returns new objects, so a caller may change the result without touching the bundled lists.
 */
export type Template = (action: KubeArmorAction) => TemplateSections;

/** `/etc/resolv.conf` may be read, never written, so DNS resolution cannot be redirected. */
export const dnsManipulationTemplate: Template = () => ({
  file: { matchPaths: [{ path: RESOLV_CONF_PATH, readOnly: true }] },
});

/** Nothing under the service account mount may be opened. */
export const unAuthorizedSaTokenAccessTemplate: Template = () => ({
  file: { matchDirectories: [{ dir: SERVICE_ACCOUNT_TOKEN_DIR, recursive: true }] },
});

/** None of {@link SW_DEPLOYMENT_TOOL_PATHS} may be started. */
export const swDeploymentToolsTemplate: Template = () => ({
  process: { matchPaths: SW_DEPLOYMENT_TOOL_PATHS.map((path) => ({ path })) },
});

/** `chroot` may not be started. */
export const disallowChRootTemplate: Template = () => ({
  process: { matchPaths: CHROOT_PATHS.map((path) => ({ path })) },
});

/** None of {@link HOST_ESCAPE_CAPABILITIES} may be exercised. */
export const disallowCapabilitiesTemplate: Template = () => ({
  capabilities: { matchCapabilities: HOST_ESCAPE_CAPABILITIES.map((capability) => ({ capability })) },
});

/**
 * No program under {@link TEMP_OR_LOG_DIRS} may be started.
 *
 * @remarks
 * Upstream writes `process.action: Block` whatever the intent's action, so an Audit intent still blocks. The
 * section's action overrides the policy's, so here it repeats the policy's action instead: Audit only reports.
 */
export const preventExecutionFromTempOrLogsFoldersTemplate: Template = (action) => ({
  process: {
    action,
    matchDirectories: TEMP_OR_LOG_DIRS.map((dir) => ({ dir, recursive: true })),
  },
});
