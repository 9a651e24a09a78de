import { Writable } from 'node:stream';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import winston, { type Logger } from 'winston';
import { rawRequest } from '../raw-request.js';
import { NAMESPACES } from '../runtime/core-resources.js';
import { ObjectClient } from '../runtime/object-client.js';
import type { ResourceType } from '../runtime/resource.js';
import { pollUntil } from './poll.js';
import type { TestUser } from './users.js';

/** One RBAC rule as written in a (Cluster)Role. */
export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

interface Role extends KubernetesObject {
  rules?: PolicyRule[];
}

interface RoleBinding extends KubernetesObject {
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects?: { kind: string; name: string; namespace?: string; apiGroup?: string }[];
}

const RBAC = 'rbac.authorization.k8s.io/v1';
const RESOURCES: Record<string, ResourceType> = {
  ClusterRole: { apiVersion: RBAC, kind: 'ClusterRole', plural: 'clusterroles', namespaced: false },
  ClusterRoleBinding: {
    apiVersion: RBAC,
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
  },
  Role: { apiVersion: RBAC, kind: 'Role', plural: 'roles', namespaced: true },
  RoleBinding: { apiVersion: RBAC, kind: 'RoleBinding', plural: 'rolebindings', namespaced: true },
};

/** What a scenario gets: the component's identity and a logger whose complaints about permissions fail the run. */
export interface ScenarioContext {
  /** Credentials of the ServiceAccount the manifests bind, and nothing more. */
  readonly kubeConfig: KubeConfig;
  /** Give it to the component: a warning or error mentioning a 403 ends the run as failed at once. */
  readonly logger: Logger;
  /** 0 for the run with every rule, then 1, 2, … — for names that must differ between runs. */
  readonly run: number;
  /** The namespace the Roles were moved into (the component's own namespace in a cluster). */
  readonly namespace: string;
  /** Aborted once the run's outcome is known (e.g. a 403 was logged): stop waiting, clean up and return. */
  readonly signal: AbortSignal;
  /**
   * The name a shipped ClusterRole was applied under (they get a unique suffix), for a scenario that binds one
   * itself in a namespace, as a namespace's owner would bind a ClusterRole that the manifests ship unbound.
   */
  readonly clusterRoleName: (shipped: string) => string;
}

/** Options of {@link checkLeastPrivilege}. */
export interface LeastPrivilegeOptions {
  /** Admin credentials, to apply the RBAC objects and ask the authorizer. */
  readonly kubeConfig: KubeConfig;
  /** Issues the ServiceAccount's identity (`envtest().addUser`). */
  readonly addUser: (name: string, groups: readonly string[]) => Promise<TestUser>;
  /** The component's manifests (e.g. from `kubectl kustomize`); only RBAC objects and the ServiceAccount are used. */
  readonly manifests: readonly KubernetesObject[];
  /** The ServiceAccount the bindings name. */
  readonly serviceAccount: string;
  /** A test namespace that stands in for the manifests' namespace. */
  readonly namespace: string;
  /** Exercises the component's full behaviour; resolves when everything it should do was seen, rejects otherwise. */
  readonly scenario: (ctx: ScenarioContext) => Promise<void>;
  /** How long one run may take. Default 60 s. */
  readonly timeoutMs?: number;
  /**
   * ClusterRoles of the manifests that no manifest binds, because each namespace's owner binds them where they want
   * the grant (e.g. reading Secrets by name): applied and stripped rule by rule like the others, bound by the
   * scenario itself where it needs them (`clusterRoleName` gives their applied name). The check binds them in a
   * scratch namespace of its own only to see the authorizer take each change.
   */
  readonly perNamespaceClusterRoles?: readonly string[];
}

/** How one run ended. */
export interface RunOutcome {
  readonly ok: boolean;
  /** Why it failed: the permission error or the scenario's own failure. */
  readonly reason?: string;
}

/** The verdict of {@link checkLeastPrivilege}. */
export interface LeastPrivilegeReport {
  /** The run with every shipped rule: it must be ok. */
  readonly withAllRules: RunOutcome;
  /** One run per rule, without it: each must fail, or the rule is not needed. */
  readonly withoutRule: readonly { readonly rule: string; readonly outcome: RunOutcome }[];
}

/** Parses a multi-document YAML text (e.g. `kubectl kustomize` output) into objects. */
export function parseManifests(text: string): KubernetesObject[] {
  return loadAll(text).filter((d): d is KubernetesObject => typeof d === 'object' && d !== null);
}

function describeRule(role: Role, index: number): string {
  const rule = role.rules?.[index];
  const groups = (rule?.apiGroups ?? []).map((g) => g || 'core').join(',');
  return `${role.kind} ${role.metadata?.name} rule ${index + 1} (${groups}: ${(rule?.resources ?? []).join(',')}: ${(rule?.verbs ?? []).join(',')})`;
}

/** What a failure caused by a missing permission says: the apiserver's 403 or its "forbidden". */
export const FORBIDDEN = /\b403\b|forbidden/i;

/**
 * The API server's refusal to create anything in a namespace that is being deleted: also a 403 "forbidden", but
 * about the namespace's lifecycle, not about a rule. A run's leftovers terminating beside the next run can cause it.
 */
const TERMINATING = /because it is being terminated/i;

/**
 * Whether a log line or error message reports a missing permission: {@link FORBIDDEN} matches and it is not the
 * refusal to create content in a terminating namespace, which would otherwise pass for the effect of a removed rule
 * (and so "prove" a rule that nothing needs).
 */
export function isPermissionError(text: string): boolean {
  return FORBIDDEN.test(text) && !TERMINATING.test(text);
}

/** Remembers the first permission complaint a component logs at warn level or worse. */
class ForbiddenWatch {
  first: string | undefined;
  private readonly waiters: ((reason: string) => void)[] = [];

  /** A logger that reports to this watch (and writes nowhere else). */
  logger(): Logger {
    const inspect = winston.format((info) => {
      const text = JSON.stringify(info);
      if ((info.level === 'warn' || info.level === 'error') && isPermissionError(text) && !this.first) {
        this.first = text;
        for (const w of this.waiters) w(text);
      }
      return info;
    });
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    return winston.createLogger({
      level: 'debug',
      format: winston.format.combine(inspect(), winston.format.json()),
      transports: [new winston.transports.Stream({ stream: sink })],
    });
  }

  wait(): Promise<string> {
    return new Promise((resolve) => (this.first ? resolve(this.first) : this.waiters.push(resolve)));
  }
}

/**
 * Proves a component's RBAC is enough and minimal: runs `scenario` as the manifests' ServiceAccount with exactly the
 * shipped rules (it must succeed, with no permission error logged), then once without each rule of each Role and
 * ClusterRole (each run must fail). The Roles move into `namespace`; ClusterRoles and their bindings get a unique
 * suffix so that concurrent or repeated checks never share them. Everything applied is deleted afterwards.
 *
 * The component's identity is a client certificate for the ServiceAccount's user name and groups, which RBAC
 * treats exactly as the ServiceAccount's token.
 */
export async function checkLeastPrivilege(options: LeastPrivilegeOptions): Promise<LeastPrivilegeReport> {
  const admin = new ObjectClient(options.kubeConfig, 'least-privilege-check');
  const suffix = Math.random().toString(36).slice(2, 7);
  const { roles, bindings } = rebase(options, suffix);
  const user = `system:serviceaccount:${options.namespace}:${options.serviceAccount}`;
  const perNamespace = options.perNamespaceClusterRoles ?? [];
  const grants = `${options.namespace}-grants-${suffix}`.slice(0, 63);
  for (const name of perNamespace) {
    bindings.push({
      apiVersion: RBAC,
      kind: 'RoleBinding',
      metadata: { name: `${name}-${suffix}`, namespace: grants },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${name}-${suffix}` },
      subjects: [{ kind: 'ServiceAccount', name: options.serviceAccount, namespace: options.namespace }],
    } as RoleBinding);
  }
  const identity = await options.addUser(user, [
    'system:serviceaccounts',
    `system:serviceaccounts:${options.namespace}`,
    'system:authenticated',
  ]);
  const apply = async (obj: KubernetesObject) => {
    const resource = RESOURCES[obj.kind ?? ''];
    if (!resource) throw new Error(`unexpected kind ${obj.kind}`);
    const live = await admin.get(resource, {
      name: obj.metadata?.name ?? '',
      namespace: obj.metadata?.namespace,
    });
    await admin.createOrUpdate(resource, obj, live);
  };
  let run = 0;
  const attempt = async (): Promise<RunOutcome> => {
    const watch = new ForbiddenWatch();
    const logger = watch.logger();
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const abort = new AbortController();
    const running = options.scenario({
      kubeConfig: identity.kubeConfig,
      logger,
      run: run++,
      namespace: options.namespace,
      signal: abort.signal,
      clusterRoleName: (shipped) => `${shipped}-${suffix}`,
    });
    const result = await Promise.race([
      running.then(
        (): RunOutcome =>
          watch.first ? { ok: false, reason: `permission error logged: ${watch.first}` } : { ok: true },
        (err: unknown): RunOutcome => ({ ok: false, reason: (err as Error).message }),
      ),
      watch.wait().then((line): RunOutcome => ({ ok: false, reason: `permission error logged: ${line}` })),
      new Promise<RunOutcome>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, reason: `timed out after ${timeoutMs} ms` }),
          timeoutMs,
        );
      }),
    ]);
    clearTimeout(timer);
    // The next run must not overlap this one's component: stop it and wait for its cleanup.
    abort.abort();
    await running.catch(() => undefined);
    return result;
  };

  try {
    if (perNamespace.length > 0) {
      await admin.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: grants } });
    }
    for (const obj of [...roles, ...bindings]) await apply(obj);
    await waitForAccess(options.kubeConfig, identity, roles, true, bindings);
    const withAllRules = await attempt();
    const withoutRule: { rule: string; outcome: RunOutcome }[] = [];
    for (const role of roles) {
      for (let i = 0; i < (role.rules?.length ?? 0); i++) {
        const reduced: Role = { ...role, rules: role.rules?.filter((_, j) => j !== i) };
        await apply(reduced);
        await waitForAccess(
          options.kubeConfig,
          identity,
          [{ ...role, rules: [role.rules?.[i] as PolicyRule] }],
          false,
          bindings,
        );
        withoutRule.push({ rule: describeRule(role, i), outcome: await attempt() });
        await apply(role);
        await waitForAccess(options.kubeConfig, identity, [role], true, bindings);
      }
    }
    return { withAllRules, withoutRule };
  } finally {
    for (const obj of [...bindings, ...roles]) {
      const resource = RESOURCES[obj.kind ?? ''];
      if (resource)
        await admin.delete(resource, { name: obj.metadata?.name ?? '', namespace: obj.metadata?.namespace });
    }
    if (perNamespace.length > 0) await admin.delete(NAMESPACES, { name: grants });
  }
}

/** The manifests' Roles, ClusterRoles and bindings, moved into the test namespace and made unique. */
function rebase(options: LeastPrivilegeOptions, suffix: string): { roles: Role[]; bindings: RoleBinding[] } {
  const rename = (kind: string | undefined, name: string) =>
    kind?.startsWith('Cluster') ? `${name}-${suffix}` : name;
  const roles: Role[] = [];
  const bindings: RoleBinding[] = [];
  for (const obj of options.manifests) {
    if (obj.kind === 'ClusterRole' || obj.kind === 'Role') {
      const role = obj as Role;
      roles.push({
        apiVersion: RBAC,
        kind: role.kind,
        metadata: {
          name: rename(role.kind, role.metadata?.name ?? ''),
          ...(role.kind === 'Role' ? { namespace: options.namespace } : {}),
        },
        rules: role.rules ?? [],
      } as Role);
    } else if (obj.kind === 'ClusterRoleBinding' || obj.kind === 'RoleBinding') {
      const binding = obj as RoleBinding;
      const subjects = (binding.subjects ?? []).filter(
        (s) => s.kind === 'ServiceAccount' && s.name === options.serviceAccount,
      );
      if (subjects.length === 0) continue;
      bindings.push({
        apiVersion: RBAC,
        kind: binding.kind,
        metadata: {
          name: rename(binding.kind, binding.metadata?.name ?? ''),
          ...(binding.kind === 'RoleBinding' ? { namespace: options.namespace } : {}),
        },
        roleRef: { ...binding.roleRef, name: rename(binding.roleRef.kind, binding.roleRef.name) },
        subjects: subjects.map((s) => ({ ...s, namespace: options.namespace })),
      } as RoleBinding);
    }
  }
  // Only what the ServiceAccount is bound to (or is left to bind per namespace): a directory may hold other
  // components' roles too.
  const perNamespace = new Set((options.perNamespaceClusterRoles ?? []).map((n) => rename('ClusterRole', n)));
  const bound = roles.filter(
    (r) =>
      (r.kind === 'ClusterRole' && perNamespace.has(r.metadata?.name ?? '')) ||
      bindings.some((b) => b.roleRef.kind === r.kind && b.roleRef.name === r.metadata?.name),
  );
  if (bound.length === 0) throw new Error('the manifests hold no Role or ClusterRole');
  if (bindings.length === 0)
    throw new Error(`no binding in the manifests names ServiceAccount ${options.serviceAccount}`);
  return { roles: bound, bindings };
}

/**
 * Waits until the authorizer agrees with the applied roles: each rule's first resource and verb is allowed (or,
 * with `allowed` false, denied) for the identity. The RBAC authorizer reads from a cache, so a change is not
 * visible the instant it is written.
 */
async function waitForAccess(
  kc: KubeConfig,
  user: TestUser,
  roles: readonly Role[],
  allowed: boolean,
  bindings: readonly RoleBinding[],
): Promise<void> {
  for (const role of roles) {
    // Where the role grants: a Role in its namespace; a ClusterRole everywhere when a ClusterRoleBinding binds it,
    // else only where a RoleBinding binds it (e.g. a ClusterRole the manifests ship for per-namespace grants).
    const clusterWide = bindings.some(
      (b) => b.kind === 'ClusterRoleBinding' && b.roleRef.name === role.metadata?.name,
    );
    const namespace =
      role.kind === 'Role'
        ? role.metadata?.namespace
        : clusterWide
          ? undefined
          : bindings.find((b) => b.kind === 'RoleBinding' && b.roleRef.name === role.metadata?.name)?.metadata
              ?.namespace;
    for (const rule of role.rules ?? []) {
      const [resourceAndSub = '', group = ''] = [rule.resources?.[0], rule.apiGroups?.[0]];
      const [resource, subresource] = resourceAndSub.split('/');
      const verb = rule.verbs[0] ?? 'get';
      await pollUntil(`RBAC to ${allowed ? 'allow' : 'deny'} ${verb} ${resourceAndSub}`, 30_000, async () => {
        const res = await rawRequest(kc, '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
          method: 'POST',
          contentType: 'application/json',
          body: JSON.stringify({
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            spec: {
              user: user.name,
              groups: user.groups,
              resourceAttributes: {
                group,
                resource,
                ...(subresource ? { subresource } : {}),
                verb,
                ...(namespace ? { namespace } : {}),
                // A rule narrowed by resourceNames allows nothing for a request without a name.
                ...(rule.resourceNames?.[0] ? { name: rule.resourceNames[0] } : {}),
              },
            },
          }),
        });
        const review = JSON.parse(res.body) as { status?: { allowed?: boolean } };
        return (review.status?.allowed === true) === allowed;
      });
    }
  }
}

/**
 * Reads a {@link LeastPrivilegeReport} as a list of problems, empty when the shipped rules are proven: the run with
 * every rule passed, there were at least `minRules` rules, every run without one failed, and (with
 * `forbiddenOnly`, the default) each of those failed on a permission error ({@link isPermissionError}) rather than a
 * timeout, a terminating namespace or anything else.
 * Tests assert it is empty, so a failure names every rule that is not proven.
 */
export function leastPrivilegeProblems(
  report: LeastPrivilegeReport,
  options: { readonly minRules?: number; readonly forbiddenOnly?: boolean } = {},
): string[] {
  const problems: string[] = [];
  if (!report.withAllRules.ok) problems.push(`the run with every rule failed: ${report.withAllRules.reason}`);
  if (report.withoutRule.length < (options.minRules ?? 1)) {
    problems.push(
      `only ${report.withoutRule.length} rules were checked, expected at least ${options.minRules ?? 1}`,
    );
  }
  for (const { rule, outcome } of report.withoutRule) {
    if (outcome.ok) problems.push(`${rule}: not needed (everything worked without it)`);
    else if ((options.forbiddenOnly ?? true) && !isPermissionError(outcome.reason ?? '')) {
      problems.push(`${rule}: the run without it failed, but not on a permission error: ${outcome.reason}`);
    }
  }
  return problems;
}
