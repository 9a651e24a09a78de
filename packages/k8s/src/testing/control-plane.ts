import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { rawRequest } from '../raw-request.js';
import { type ControlPlaneBinaries, ensureControlPlaneBinaries } from './binaries.js';
import { Component, PortInUseError } from './component.js';
import { type CRDSource, installCRDs } from './crds.js';
import { kubeConfigFrom, renderKubeconfig } from './kubeconfig.js';
import { runKubectl } from './kubectl.js';
import { type CertificateAuthority, createCertificateAuthority, createSigningKeyPair } from './pki.js';
import { freeLoopbackPorts } from './ports.js';
import { startReaper } from './reaper.js';
import { createUser, type TestUser } from './users.js';

/**
 * The controllers kube-controller-manager runs: enough for owner-reference cascades, namespace deletion,
 * service-account tokens and workload controllers, and nothing that needs nodes or a cloud.
 */
export const CONTROLLERS = [
  'garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'daemonset-controller',
  'job-controller',
  'cronjob-controller',
] as const;

const PORT_ATTEMPTS = 3;

/** Options of {@link startControlPlane}. */
export interface ControlPlaneOptions {
  /** Run kube-controller-manager (garbage collector, namespace, service-account and workload controllers). Default true. */
  readonly controllerManager?: boolean;
  /** kube-apiserver authorization mode. Default `RBAC`. */
  readonly authorizationMode?: 'RBAC' | 'AlwaysAllow';
  /** Extra or overriding kube-apiserver flags, without the leading `--`. `enable-admission-plugins` defaults to OwnerReferencesPermissionEnforcement; keep it when adding one (e.g. `'OwnerReferencesPermissionEnforcement,ImagePolicyWebhook'`). */
  readonly apiServerFlags?: Readonly<Record<string, string>>;
  /** The executables; default {@link ensureControlPlaneBinaries}. */
  readonly binaries?: ControlPlaneBinaries;
  /** Working directory for PKI, data and logs; default a new temporary directory. */
  readonly dir?: string;
  /** Keep the working directory (logs, PKI, kubeconfigs) after `stop()`. Default: `NIMBUS_ENVTEST_KEEP=1`. */
  readonly keepDir?: boolean;
  /** How long each component may take to become ready. Default 90 s. */
  readonly readyTimeoutMs?: number;
  /** Where progress lines go; default: nowhere. */
  readonly progress?: (line: string) => void;
}

/** Paths of each component's log file. */
export interface ControlPlaneLogs {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly kubeControllerManager?: string;
}

/** A running etcd + kube-apiserver (+ kube-controller-manager) on loopback. */
export interface ControlPlane {
  /** client-node config of the admin user (`system:masters`). */
  readonly kubeConfig: KubeConfig;
  /** File holding the admin kubeconfig, for kubectl and child processes. */
  readonly kubeconfigPath: string;
  /** The API server URL, `https://127.0.0.1:<port>`. */
  readonly server: string;
  /** The working directory: PKI, etcd data, logs, kubeconfigs. */
  readonly dir: string;
  /** Each component's log file; print these when something fails. */
  readonly logs: ControlPlaneLogs;
  /** The CA that signed the API server's certificate and every client certificate; use it for webhook certificates. */
  readonly ca: CertificateAuthority;
  /** The executables in use (kubectl among them). */
  readonly binaries: ControlPlaneBinaries;
  /** Creates a user authenticated by a client certificate; with RBAC it can do nothing until bound to a role. */
  addUser(name: string, groups?: readonly string[]): Promise<TestUser>;
  /** Installs CRDs and waits until they are served; see {@link installCRDs}. */
  installCRDs(sources: readonly CRDSource[]): Promise<string[]>;
  /** Runs kubectl against this control plane as admin; rejects with its stderr on a non-zero exit. */
  kubectl(args: readonly string[]): Promise<string>;
  /** The pid (and process-group id) of each running component, by executable name. */
  pids(): Readonly<Record<string, number | undefined>>;
  /** Stops and starts kube-apiserver on the same port and data, e.g. to test that watches recover. */
  restartApiServer(): Promise<void>;
  /**
   * Stops kube-apiserver alone (etcd keeps the data): an API server outage that lasts until
   * {@link ControlPlane.startApiServer}, e.g. to test what a component does when it cannot renew its Lease.
   */
  stopApiServer(): Promise<void>;
  /** Starts kube-apiserver again after {@link ControlPlane.stopApiServer}, on the same port, and waits until it is ready. */
  startApiServer(): Promise<void>;
  /**
   * Kills and starts etcd on the same ports and data, then waits until kube-apiserver answers /readyz again:
   * an etcd outage as components see it (requests fail, watches end), with nothing lost.
   */
  restartEtcd(): Promise<void>;
  /** Stops every component and removes the working directory (unless kept). Safe to call twice. */
  stop(): Promise<void>;
}

interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
}

/**
 * Starts a real control plane on free loopback ports and waits until it is ready.
 *
 * Every process runs in its own process group and is killed by `stop()`, by a process-exit handler, and — if
 * this process dies without either — by a detached reaper, so no etcd or kube-apiserver outlives its owner.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const progress = options.progress ?? (() => {});
  const binaries = options.binaries ?? (await ensureControlPlaneBinaries());
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, binaries, progress);
    } catch (err) {
      if (!(err instanceof PortInUseError) || attempt >= PORT_ATTEMPTS) throw err;
      progress(`envtest: a port was taken while starting (attempt ${attempt}); retrying on fresh ports`);
    }
  }
}

async function startOnce(
  options: ControlPlaneOptions,
  binaries: ControlPlaneBinaries,
  progress: (line: string) => void,
): Promise<ControlPlane> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'nimbus-envtest-')));
  const pkiDir = join(dir, 'pki');
  const logDir = join(dir, 'logs');
  const etcdDir = join(dir, 'etcd');
  await Promise.all([pkiDir, logDir, join(dir, 'users')].map((d) => mkdir(d, { recursive: true })));
  await rm(etcdDir, { recursive: true, force: true });
  const withKcm = options.controllerManager ?? true;
  const keepDir = options.keepDir ?? process.env.NIMBUS_ENVTEST_KEEP === '1';
  const timeoutMs = options.readyTimeoutMs ?? 90_000;

  const [etcdClient, etcdPeer, apiserver, controllerManager] = await freeLoopbackPorts(4);
  const ports: Ports = {
    etcdClient: etcdClient ?? 0,
    etcdPeer: etcdPeer ?? 0,
    apiserver: apiserver ?? 0,
    controllerManager: controllerManager ?? 0,
  };
  const server = `https://127.0.0.1:${ports.apiserver}`;

  progress('envtest: generating PKI');
  const ca = await createCertificateAuthority();
  const serving = await ca.issueServing([
    'localhost',
    '127.0.0.1',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    '10.0.0.1',
  ]);
  const admin = await ca.issueClient('nimbus-admin', ['system:masters']);
  const saKeys = await createSigningKeyPair();
  const pki = {
    ca: join(pkiDir, 'ca.crt'),
    servingCert: join(pkiDir, 'apiserver.crt'),
    servingKey: join(pkiDir, 'apiserver.key'),
    saPub: join(pkiDir, 'sa.pub'),
    saKey: join(pkiDir, 'sa.key'),
  };
  await Promise.all([
    writeFile(pki.ca, ca.certPem),
    writeFile(pki.servingCert, serving.certPem),
    writeFile(pki.servingKey, serving.keyPem, { mode: 0o600 }),
    writeFile(pki.saPub, saKeys.certPem),
    writeFile(pki.saKey, saKeys.keyPem, { mode: 0o600 }),
  ]);
  const kubeconfigText = renderKubeconfig({
    server,
    caPem: ca.certPem,
    clientCertPem: admin.certPem,
    clientKeyPem: admin.keyPem,
    user: 'nimbus-admin',
  });
  const kubeconfigPath = join(dir, 'admin.kubeconfig');
  await writeFile(kubeconfigPath, kubeconfigText, { mode: 0o600 });
  const kubeConfig = kubeConfigFrom(kubeconfigText);

  // On a crash the reaper deletes only etcd's data; logs and PKI stay for the post-mortem.
  const reaper = startReaper(join(dir, 'process-groups'), etcdDir);
  const etcd = new Component(
    'etcd',
    binaries.etcd,
    [
      '--name=nimbus-envtest',
      `--data-dir=${etcdDir}`,
      `--listen-client-urls=http://127.0.0.1:${ports.etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${ports.etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=nimbus-envtest=http://127.0.0.1:${ports.etcdPeer}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ],
    join(logDir, 'etcd.log'),
    reaper,
  );
  const apiFlags: Record<string, string> = {
    'etcd-servers': `http://127.0.0.1:${ports.etcdClient}`,
    'bind-address': '127.0.0.1',
    'advertise-address': '127.0.0.1',
    'secure-port': String(ports.apiserver),
    'tls-cert-file': pki.servingCert,
    'tls-private-key-file': pki.servingKey,
    'client-ca-file': pki.ca,
    'authorization-mode': options.authorizationMode ?? 'RBAC',
    'service-account-issuer': server,
    'service-account-key-file': pki.saPub,
    'service-account-signing-key-file': pki.saKey,
    'service-cluster-ip-range': '10.0.0.0/24',
    'allow-privileged': 'true',
    // Endpoints may not point at loopback, so the "kubernetes" Service gets none instead of failing to.
    'endpoint-reconciler-type': 'none',
    profiling: 'false',
    // On SIGTERM, end open watches within a second instead of waiting for them to drain: otherwise a client's
    // watch holds kube-apiserver up until it is killed (10 s), and every restart or stop of a plane whose clients
    // watch takes that long. Clients see their watch end, as with any API server restart.
    'shutdown-watch-termination-grace-period': '1s',
    // As hardened clusters do: setting blockOwnerDeletion on an owner reference needs update on the owner's
    // finalizers, so RBAC tests prove components ask for it. Pass this plugin along when overriding the flag.
    'enable-admission-plugins': 'OwnerReferencesPermissionEnforcement',
    // Without kube-controller-manager nothing creates service-account tokens, so the plugin would reject pods.
    ...(withKcm ? {} : { 'disable-admission-plugins': 'ServiceAccount' }),
    ...options.apiServerFlags,
  };
  const kubeApiserver = new Component(
    'kube-apiserver',
    binaries.kubeApiserver,
    Object.entries(apiFlags).map(([k, v]) => `--${k}=${v}`),
    join(logDir, 'kube-apiserver.log'),
    reaper,
  );
  const kcm = withKcm
    ? new Component(
        'kube-controller-manager',
        binaries.kubeControllerManager,
        [
          `--kubeconfig=${kubeconfigPath}`,
          `--authentication-kubeconfig=${kubeconfigPath}`,
          `--authorization-kubeconfig=${kubeconfigPath}`,
          '--leader-elect=false',
          `--controllers=${CONTROLLERS.join(',')}`,
          `--service-account-private-key-file=${pki.saKey}`,
          `--root-ca-file=${pki.ca}`,
          '--use-service-account-credentials=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${ports.controllerManager}`,
          // The API server's serving certificate covers 127.0.0.1 too, and is signed by a CA we trust.
          `--tls-cert-file=${pki.servingCert}`,
          `--tls-private-key-file=${pki.servingKey}`,
        ],
        join(logDir, 'kube-controller-manager.log'),
        reaper,
      )
    : undefined;
  const components = [etcd, kubeApiserver, ...(kcm ? [kcm] : [])];

  // Synchronous last resort for a normal process exit that skipped stop(); the reaper covers hard kills.
  const onExit = () => {
    for (const c of components) c.killNow();
  };
  process.once('exit', onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    for (const c of [...components].reverse()) await c.stop();
    reaper.dismiss();
    if (!keepDir) await rm(dir, { recursive: true, force: true });
  };

  const apiReady = () =>
    kubeApiserver.waitReady(
      'to answer /readyz',
      timeoutMs,
      async () => (await rawRequest(kubeConfig, '/readyz')).status === 200,
    );

  const etcdReady = () =>
    etcd.waitReady('to answer /health', timeoutMs, async () => {
      const res = await fetch(`http://127.0.0.1:${ports.etcdClient}/health`);
      return res.ok;
    });

  try {
    progress(`envtest: starting etcd on 127.0.0.1:${ports.etcdClient}`);
    etcd.start();
    await etcdReady();
    progress(`envtest: starting kube-apiserver on ${server}`);
    kubeApiserver.start();
    await apiReady();
    if (kcm) {
      progress('envtest: starting kube-controller-manager');
      kcm.start();
      const kcmHealthz = `https://127.0.0.1:${ports.controllerManager}/healthz`;
      await kcm.waitReady('to answer /healthz', timeoutMs, async () => {
        return (await rawRequest(kubeConfig, kcmHealthz)).status === 200;
      });
    }
  } catch (err) {
    // Keep the directory so the logs named in the error can be read.
    const message = err instanceof Error ? err.message : String(err);
    for (const c of [...components].reverse()) await c.stop();
    reaper.dismiss();
    process.removeListener('exit', onExit);
    if (err instanceof PortInUseError) throw err;
    throw new Error(`envtest: the control plane did not start. ${message}\nWorking directory kept: ${dir}`);
  }
  progress('envtest: control plane ready');

  return {
    kubeConfig,
    kubeconfigPath,
    server,
    dir,
    ca,
    binaries,
    logs: {
      etcd: etcd.logPath,
      kubeApiserver: kubeApiserver.logPath,
      ...(kcm ? { kubeControllerManager: kcm.logPath } : {}),
    },
    addUser: (name, groups = []) => createUser(ca, server, join(dir, 'users'), name, groups),
    installCRDs: (sources) => installCRDs(kubeConfig, sources),
    kubectl: (args) => runKubectl(binaries.kubectl, kubeconfigPath, args),
    pids: () => Object.fromEntries(components.map((c) => [c.name, c.pid])),
    async restartApiServer() {
      await kubeApiserver.stop();
      kubeApiserver.start();
      await apiReady();
    },
    stopApiServer: () => kubeApiserver.stop(),
    async startApiServer() {
      kubeApiserver.start();
      await apiReady();
    },
    async restartEtcd() {
      // Killed, not stopped: a graceful stop waits up to etcd's request timeout (7 s) for kube-apiserver's watch
      // streams to end. A kill loses nothing etcd acknowledged: it answers only after writing its WAL, which the
      // process's death cannot undo (--unsafe-no-fsync risks only an operating-system crash).
      await etcd.stop('SIGKILL');
      etcd.start();
      await etcdReady();
      await apiReady();
    },
    stop,
  };
}
