import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { rawRequest } from '@nimbus-ts/k8s';
import { freeLoopbackPorts, installCRDs, pollUntil, startReaper } from '@nimbus-ts/k8s/testing';
import { ensureKyverno, kyvernoCrdDirectories } from './kyverno-binary.js';

/** Options of {@link startKyverno}. */
export interface StartKyvernoOptions {
  /** An admin kubeconfig of the API server Kyverno serves (the harness's). */
  readonly kubeconfigPath: string;
  /** Where Kyverno's log (`kyverno.log`) and the reaper's bookkeeping go. */
  readonly dir: string;
  /** Kyverno's namespace (its TLS Secrets and Leases). Default `kyverno`. */
  readonly namespace?: string;
  /** Progress lines (the build, the start); default stderr. */
  readonly progress?: (line: string) => void;
  /** How long Kyverno may take to become ready. Default 180 s (the first start generates its CA and keys). */
  readonly readyTimeoutMs?: number;
  /** Environment to read the cache location and Go from; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/** A running Kyverno admission controller. */
export interface RunningKyverno {
  /** Its namespace. */
  readonly namespace: string;
  /** The loopback port of its webhook server (the webhook URLs are `https://127.0.0.1:<port>/…`). */
  readonly webhookPort: number;
  /** Its log file. */
  readonly logFile: string;
  /** Stops it and removes its webhook configurations, so the API server stops calling an absent webhook. */
  stop(): Promise<void>;
}

/** The label Kyverno puts on the webhook configurations it manages. */
export const KYVERNO_WEBHOOK_LABEL = 'webhook.kyverno.io/managed-by=kyverno';

/** The name of the ClusterPolicy {@link startKyverno} probes Kyverno's admission with. */
export const PROBE_POLICY = 'nimbus-kyverno-testenv-probe';

const PROBE_LABEL = 'nimbus-ts.io/kyverno-probe';
const PROBE_MESSAGE = 'nimbus kyverno-testenv probe refused';

/**
 * Starts Kyverno's admission controller out of cluster against a test API server, the way Kyverno's development
 * guide runs it: `--serverIP=127.0.0.1:<port>` makes it register URL-based webhooks
 * (`https://127.0.0.1:<port>/…`) and put that IP in the serving certificate of the CA it creates in its
 * namespace. Installs Kyverno's CRDs first, builds the binary once per machine if needed, and resolves once
 * Kyverno provably admits: its webhook configurations are registered and a probe ConfigMap is refused by a probe
 * ClusterPolicy with the probe's message (then the probe policy is deleted again).
 *
 * @throws an error naming the log file when Kyverno exits or does not become ready in time.
 */
export async function startKyverno(options: StartKyvernoOptions): Promise<RunningKyverno> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const namespace = options.namespace ?? 'kyverno';
  const kc = new KubeConfig();
  kc.loadFromFile(options.kubeconfigPath);

  const binary = await ensureKyverno({ progress, env });
  await installCRDs(kc, await kyvernoCrdDirectories(env), 120_000);
  await ensureNamespace(kc, namespace);
  await grantBackgroundController(kc, namespace);

  await mkdir(options.dir, { recursive: true });
  const logFile = join(options.dir, 'kyverno.log');
  const log = createWriteStream(logFile, { flags: 'a' });
  const [webhookPort] = await freeLoopbackPorts(1);
  if (webhookPort === undefined) throw new Error('kyverno-env: no free loopback port for the webhook server');
  const reaper = startReaper(join(options.dir, 'kyverno-process-groups'), undefined);
  const serviceAccount = (name: string) => `system:serviceaccount:${namespace}:${name}`;
  const child: ChildProcess = spawn(
    binary,
    [
      `--kubeconfig=${options.kubeconfigPath}`,
      `--serverIP=127.0.0.1:${webhookPort}`,
      '--webhookServerHost=127.0.0.1',
      `--webhookServerPort=${webhookPort}`,
      `--caSecretName=kyverno-svc.${namespace}.svc.kyverno-tls-ca`,
      `--tlsSecretName=kyverno-svc.${namespace}.svc.kyverno-tls-pair`,
      `--backgroundServiceAccountName=${serviceAccount('kyverno-background-controller')}`,
      `--reportsServiceAccountName=${serviceAccount('kyverno-reports-controller')}`,
      // No listener on a fixed port: several test runs may share a machine.
      '--disableMetrics=true',
      '--controllerRuntimeMetricsAddress=0',
      '--loggingFormat=json',
      '--autoMemLimitEnabled=false',
      '--webhookTimeout=10',
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...env,
        KYVERNO_NAMESPACE: namespace,
        KYVERNO_SERVICEACCOUNT_NAME: 'kyverno-admission-controller',
        KYVERNO_DEPLOYMENT: 'kyverno-admission-controller',
        KYVERNO_POD_NAME: `kyverno-testenv-${process.pid}`,
        INIT_CONFIG: 'kyverno',
        METRICS_CONFIG: 'kyverno-metrics',
      },
    },
  );
  if (child.pid !== undefined) reaper.watch(child.pid);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );

  const stop = async () => {
    if (exitCode === undefined && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      const killer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 10_000);
      await exited;
      clearTimeout(killer);
    }
    reaper.dismiss();
    log.end();
    await deleteWebhookConfigurations(kc);
  };

  progress(
    `kyverno-env: starting Kyverno ${binary} (webhooks on https://127.0.0.1:${webhookPort}, log ${logFile})`,
  );
  try {
    await waitUntilAdmitting(kc, options.readyTimeoutMs ?? 180_000, () => {
      if (exitCode !== undefined) {
        throw new Error(`kyverno-env: Kyverno exited with code ${exitCode} while starting; see ${logFile}`);
      }
    });
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message} (Kyverno's log: ${logFile})`);
  }
  progress('kyverno-env: Kyverno is admitting requests');
  return { namespace, webhookPort, logFile, stop };
}

/** Name of the ClusterRole(Binding) that lets Kyverno's background controller identity mutate Deployments. */
export const BACKGROUND_CONTROLLER_ROLE = 'kyverno-testenv:background-controller';

/**
 * Kyverno refuses a mutate-existing policy unless its background controller may update the targets (it asks the
 * API server with a SubjectAccessReview for that identity). In a cluster Kyverno's chart aggregates such rights
 * into the background controller's ClusterRole; here the identity is bound to the same rights directly.
 */
async function grantBackgroundController(kc: KubeConfig, namespace: string): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await createIfAbsent(kc, `${rbac}/clusterroles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: BACKGROUND_CONTROLLER_ROLE },
    rules: [
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
    ],
  });
  await createIfAbsent(kc, `${rbac}/clusterrolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: BACKGROUND_CONTROLLER_ROLE },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: BACKGROUND_CONTROLLER_ROLE },
    subjects: [{ kind: 'ServiceAccount', name: 'kyverno-background-controller', namespace }],
  });
}

async function createIfAbsent(
  kc: KubeConfig,
  collection: string,
  object: Record<string, unknown>,
): Promise<void> {
  const res = await rawRequest(kc, collection, {
    method: 'POST',
    contentType: 'application/json',
    body: JSON.stringify(object),
  });
  if (res.status >= 300 && res.status !== 409) {
    throw new Error(`kyverno-env: creating ${collection} failed (${res.status}): ${res.body}`);
  }
}

async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  const res = await rawRequest(kc, '/api/v1/namespaces', {
    method: 'POST',
    contentType: 'application/json',
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
  });
  if (res.status >= 300 && res.status !== 409) {
    throw new Error(`kyverno-env: creating namespace ${name} failed (${res.status}): ${res.body}`);
  }
}

async function deleteWebhookConfigurations(kc: KubeConfig): Promise<void> {
  for (const kind of ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']) {
    await rawRequest(
      kc,
      `/apis/admissionregistration.k8s.io/v1/${kind}?labelSelector=${encodeURIComponent(KYVERNO_WEBHOOK_LABEL)}`,
      { method: 'DELETE' },
    );
  }
}

/** The names of the webhook configurations Kyverno registered (validating and mutating). */
export async function kyvernoWebhookConfigurations(kc: KubeConfig): Promise<string[]> {
  const names: string[] = [];
  for (const kind of ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations']) {
    const res = await rawRequest(
      kc,
      `/apis/admissionregistration.k8s.io/v1/${kind}?labelSelector=${encodeURIComponent(KYVERNO_WEBHOOK_LABEL)}`,
    );
    if (res.status !== 200) continue;
    const list = JSON.parse(res.body) as { items?: { metadata?: { name?: string } }[] };
    for (const item of list.items ?? []) if (item.metadata?.name) names.push(item.metadata.name);
  }
  return names.sort();
}

const probePolicy = {
  apiVersion: 'kyverno.io/v1',
  kind: 'ClusterPolicy',
  metadata: { name: PROBE_POLICY },
  spec: {
    background: false,
    rules: [
      {
        name: 'refuse-probe',
        match: {
          any: [
            { resources: { kinds: ['v1/ConfigMap'], selector: { matchLabels: { [PROBE_LABEL]: 'true' } } } },
          ],
        },
        validate: { failureAction: 'Enforce', message: PROBE_MESSAGE, deny: {} },
      },
    ],
  },
};

async function waitUntilAdmitting(kc: KubeConfig, timeoutMs: number, checkAlive: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(1_000, deadline - Date.now());
  await pollUntil("Kyverno's webhook configurations to be registered", remaining(), async () => {
    checkAlive();
    return (await kyvernoWebhookConfigurations(kc)).length > 0;
  });
  // Kyverno's own policy-validation webhook may refuse the policy until its caches are warm: retry the create.
  await pollUntil('the probe ClusterPolicy to be accepted', remaining(), async () => {
    checkAlive();
    const res = await rawRequest(kc, '/apis/kyverno.io/v1/clusterpolicies', {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify(probePolicy),
    });
    return res.status < 300 || res.status === 409;
  });
  await pollUntil('a probe ConfigMap to be refused by Kyverno', remaining(), async () => {
    checkAlive();
    const res = await rawRequest(kc, '/api/v1/namespaces/default/configmaps?dryRun=All', {
      method: 'POST',
      contentType: 'application/json',
      body: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { generateName: 'kyverno-probe-', labels: { [PROBE_LABEL]: 'true' } },
      }),
    });
    return res.status >= 400 && res.body.includes(PROBE_MESSAGE);
  });
  await rawRequest(kc, `/apis/kyverno.io/v1/clusterpolicies/${PROBE_POLICY}`, { method: 'DELETE' });
}
