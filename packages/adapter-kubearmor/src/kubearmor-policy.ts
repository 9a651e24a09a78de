// The parts of security.kubearmor.com/v1 KubeArmorPolicy that this adapter writes, declared here rather than
// generated so the adapter needs nothing but `@nimbus-ts/k8s` and `@nimbus-ts/idpool`. Field names and
// constraints follow KubeArmor's CRD (a test copy is in crds/); fields the adapter never sets are left out.

/** What KubeArmor does when a rule matches: deny and report (`Block`), only report (`Audit`), or allow-list. */
export type KubeArmorAction = 'Allow' | 'Audit' | 'Block';

/** The fields every KubeArmor rule and rule section may carry to shape its alerts and override the action. */
export interface KubeArmorRuleOptions {
  /** 1 (lowest) to 10. */
  severity?: number;
  tags?: string[];
  message?: string;
  action?: KubeArmorAction;
}

/** The pods of the policy's namespace a KubeArmorPolicy covers; `{ matchLabels: {} }` covers all of them. */
export interface KubeArmorSelector {
  /** Pods must carry all of these labels. */
  matchLabels: Record<string, string>;
}

/** A program, by the absolute path of its executable. */
export interface KubeArmorProcessPath extends KubeArmorRuleOptions {
  /** Absolute, without a trailing slash. */
  path: string;
}

/** The programs whose executables live in a directory. */
export interface KubeArmorProcessDirectory extends KubeArmorRuleOptions {
  /** Absolute, with a trailing slash. */
  dir: string;
  /** Also match executables in every subdirectory. */
  recursive?: boolean;
}

/** Rules on the programs a container starts. */
export interface KubeArmorProcessRules extends KubeArmorRuleOptions {
  matchPaths?: KubeArmorProcessPath[];
  matchDirectories?: KubeArmorProcessDirectory[];
}

/** One file, by its absolute path. */
export interface KubeArmorFilePath extends KubeArmorRuleOptions {
  /** Absolute, without a trailing slash. */
  path: string;
  /** The file may be read but not written. */
  readOnly?: boolean;
}

/** The files in a directory. */
export interface KubeArmorFileDirectory extends KubeArmorRuleOptions {
  /** Absolute, with a trailing slash. */
  dir: string;
  /** Also match files in every subdirectory. */
  recursive?: boolean;
  /** The files may be read but not written. */
  readOnly?: boolean;
}

/** Rules on the files a container opens. */
export interface KubeArmorFileRules extends KubeArmorRuleOptions {
  matchPaths?: KubeArmorFilePath[];
  matchDirectories?: KubeArmorFileDirectory[];
}

/** One Linux capability, by its lower-case name without `CAP_` (e.g. `sys_admin`). */
export interface KubeArmorCapability extends KubeArmorRuleOptions {
  capability: string;
}

/** Rules on the Linux capabilities a container exercises. */
export interface KubeArmorCapabilityRules extends KubeArmorRuleOptions {
  matchCapabilities?: KubeArmorCapability[];
}

/**
 * Rules on network protocols. The adapter writes none, only the empty section (see {@link KubeArmorPolicySpec}),
 * so no rule fields are declared.
 */
export type KubeArmorNetworkRules = Record<string, never>;

/** Rules on system calls. The adapter writes none, only the empty section, so no rule fields are declared. */
export type KubeArmorSyscallRules = Record<string, never>;

/**
 * The desired state of a KubeArmorPolicy as this adapter writes it.
 *
 * @remarks
 * All five rule sections are always present, `{}` when the policy has no rules of that kind, because upstream
 * Nimbus writes them that way and tooling written against its objects may expect the keys.
 */
export interface KubeArmorPolicySpec {
  selector: KubeArmorSelector;
  process: KubeArmorProcessRules;
  file: KubeArmorFileRules;
  network: KubeArmorNetworkRules;
  capabilities: KubeArmorCapabilityRules;
  syscalls: KubeArmorSyscallRules;
  /** 1 (lowest) to 10; the default for rules that set none. */
  severity?: number;
  /** Copied into every alert of the policy. */
  tags?: string[];
  /** Copied into every alert of the policy. */
  message?: string;
  /** The default for rules that set none. */
  action: KubeArmorAction;
}

/**
 * A KubeArmorPolicy as the builder returns it. The SDK adds the namespace, the owner reference and the
 * managed-by annotation before writing it.
 */
export interface KubeArmorPolicy {
  apiVersion: 'security.kubearmor.com/v1';
  kind: 'KubeArmorPolicy';
  metadata: { name: string };
  spec: KubeArmorPolicySpec;
}
