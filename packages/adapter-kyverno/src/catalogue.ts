import type { KyvernoValidate } from './kyverno-policy.js';

/**
 * One CVE the virtual-patch catalogue knows how to mitigate without a new image: a Kyverno validate rule that
 * keeps pods out of the configuration the exploit needs. The rule's failure action (Enforce or Audit) comes from
 * the intent; everything else is here.
 */
export interface VirtualPatch {
  /** The CVE ID, upper case, e.g. `CVE-2021-44228`. */
  readonly cve: string;
  /** What the CVE is, for the policy's description and the docs. */
  readonly title: string;
  /** What the mitigation does and why it works. */
  readonly mitigation: string;
  /** The rule's name inside the generated policy. */
  readonly ruleName: string;
  /** The validate rule, without its failure action. */
  readonly validate: Omit<KyvernoValidate, 'failureAction'>;
}

// Every container of the pod, init and ephemeral containers included, as one JMESPath list. The pipe ends the
// flatten projection: without it a following filter would apply to each container instead of to the list, match
// nothing, and the rule would never deny (found by the engine test against real Kyverno).
const ALL_CONTAINERS = 'request.object.spec.[containers, initContainers, ephemeralContainers][] | @';

/**
 * The virtual-patch catalogue: the CVEs `virtualPatch` can mitigate, by ID. Documented in the package README
 * (keep both in step); a CVE missing here is reported by the adapter rather than silently ignored.
 */
export const VIRTUAL_PATCHES: Readonly<Record<string, VirtualPatch>> = Object.freeze({
  'CVE-2021-44228': {
    cve: 'CVE-2021-44228',
    title: 'Log4Shell: remote code execution through JNDI lookups in Apache Log4j 2 messages',
    mitigation:
      'Every container must set LOG4J_FORMAT_MSG_NO_LOOKUPS=true, which turns message lookups off in ' +
      'Log4j 2.10 to 2.14.1.',
    ruleName: 'require-log4j-no-lookups',
    validate: {
      message:
        'CVE-2021-44228 (Log4Shell) is virtually patched here: set the environment variable ' +
        'LOG4J_FORMAT_MSG_NO_LOOKUPS=true in every container, or run an image with Log4j 2.17.1 or newer.',
      deny: {
        conditions: {
          any: [
            {
              key: `{{ length(${ALL_CONTAINERS}[?!(env[?name=='LOG4J_FORMAT_MSG_NO_LOOKUPS' && value=='true'])]) }}`,
              operator: 'GreaterThan',
              value: '0',
            },
          ],
        },
      },
    },
  },
  'CVE-2022-0185': {
    cve: 'CVE-2022-0185',
    title:
      'Linux kernel fs_context heap overflow, exploitable from a container through unshare(CLONE_NEWUSER)',
    mitigation:
      "The pod must run under the container runtime's default seccomp profile (or a local one), which refuses " +
      'the unshare and mount calls the exploit needs.',
    ruleName: 'require-seccomp-profile',
    validate: {
      message:
        'CVE-2022-0185 is virtually patched here: set spec.securityContext.seccompProfile.type to RuntimeDefault ' +
        '(or Localhost), or move the node to a fixed kernel.',
      deny: {
        conditions: {
          any: [
            {
              key: "{{ request.object.spec.securityContext.seccompProfile.type || '' }}",
              operator: 'AnyNotIn',
              value: ['RuntimeDefault', 'Localhost'],
            },
          ],
        },
      },
    },
  },
  'CVE-2022-0492': {
    cve: 'CVE-2022-0492',
    title: 'Linux kernel cgroups v1 release_agent container escape',
    mitigation:
      'No container may be privileged or add CAP_SYS_ADMIN, without which release_agent cannot be written.',
    ruleName: 'disallow-sys-admin',
    validate: {
      message:
        'CVE-2022-0492 is virtually patched here: containers may be neither privileged nor add the capability ' +
        'SYS_ADMIN; drop them, or move the node to a fixed kernel.',
      deny: {
        conditions: {
          any: [
            {
              key: `{{ length(${ALL_CONTAINERS}[?securityContext.privileged == \`true\` || contains(securityContext.capabilities.add || \`[]\`, 'SYS_ADMIN') || contains(securityContext.capabilities.add || \`[]\`, 'CAP_SYS_ADMIN')]) }}`,
              operator: 'GreaterThan',
              value: '0',
            },
          ],
        },
      },
    },
  },
  'CVE-2024-21626': {
    cve: 'CVE-2024-21626',
    title: "runc 'Leaky Vessels': a working directory under /proc/self/fd leaks a host file descriptor",
    mitigation: 'No container may have a workingDir under /proc/self/fd, the path the exploit uses.',
    ruleName: 'disallow-proc-fd-workingdir',
    validate: {
      message:
        'CVE-2024-21626 is virtually patched here: a container workingDir may not be under /proc/self/fd; ' +
        'change workingDir, or upgrade runc to 1.1.12 or newer.',
      deny: {
        conditions: {
          any: [
            {
              key: `{{ length(${ALL_CONTAINERS}[?starts_with(workingDir || '', '/proc/self/fd')]) }}`,
              operator: 'GreaterThan',
              value: '0',
            },
          ],
        },
      },
    },
  },
});

/** The catalogue entry for a CVE ID (any case), or `undefined` when the catalogue has none. */
export function virtualPatchFor(cve: string): VirtualPatch | undefined {
  const id = cve.trim().toUpperCase();
  return Object.hasOwn(VIRTUAL_PATCHES, id) ? VIRTUAL_PATCHES[id] : undefined;
}
