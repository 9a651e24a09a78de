import { execFile } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { k8tlsCrdDirectory } from '@nimbus-ts/adapter-k8tls';
import { kubearmorCrdDirectory } from '@nimbus-ts/adapter-kubearmor';
import { crdDirectory as nimbusCrds } from '@nimbus-ts/api';
import { type CliIo, main as nimbus, type StatusReport } from '@nimbus-ts/cli';
import { DEPLOYMENTS, NAMESPACES, ObjectClient, SERVICE_ACCOUNTS } from '@nimbus-ts/k8s';
import { type ControlPlane, freeLoopbackPorts, startControlPlane } from '@nimbus-ts/k8s/testing';
import { crdDirectory as scanningCrds } from '@nimbus-ts/scan-api';
import { convergence } from './convergence.js';
import { startKubeletStandIn } from './kubelet.js';
import { type DemoKyverno, startDemoKyverno } from './kyverno.js';
import { binOf, type DemoProcess, startNodeProcess } from './processes.js';
import { type DemoScanning, type ScanningUnavailable, startScanning } from './scanning.js';

const run = promisify(execFile);

/** The repository root, where `examples/` is. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The namespace the components hold their Leases in, as in `deploy/`. */
const SYSTEM_NAMESPACE = 'nimbus-system';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Where progress lines go. */
  readonly progress: (line: string) => void;
  /** Leave scanning out even when this machine could run Clair. */
  readonly scanning?: boolean;
  /** Give up waiting for convergence after this long. Default 5 minutes. */
  readonly timeoutMs?: number;
}

/** A running demo. */
export interface Demo {
  readonly controlPlane: ControlPlane;
  /** The converged `nimbus status -A` report. */
  readonly report: StatusReport;
  /** Scanning, or why it is off. */
  readonly scanning: DemoScanning | ScanningUnavailable;
  /** Kyverno: running, CRDs only, or why it is left out. */
  readonly kyverno: DemoKyverno;
  /** The nimbus-ts processes, by name. */
  readonly processes: readonly DemoProcess[];
  /** What the admission webhook answered when the demo tried what it refuses: one entry per attempt. */
  readonly admission: readonly { readonly attempt: string; readonly answer: string }[];
  /** Stops everything the demo started. Safe to call twice. */
  stop(): Promise<void>;
}

/** YAML files of an examples directory, sorted; `rejected-by-admission.yaml` is for trying admission by hand. */
async function yamlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'rejected-by-admission.yaml')
    .sort()
    .map((f) => join(dir, f));
}

/** `nimbus status -A -o json` against the demo cluster, parsed. */
async function statusReport(kubeconfig: string): Promise<StatusReport> {
  let text = '';
  const io: CliIo = {
    stdout: { write: (chunk: string) => (text += chunk) },
    stderr: { write: () => true },
    env: { NO_COLOR: '1' },
    readStdin: async () => '',
  };
  await nimbus(['status', '-A', '-o', 'json', '--kubeconfig', kubeconfig], io);
  return JSON.parse(text) as StatusReport;
}

/**
 * The whole demo: a control plane with the Nimbus, KubeArmor and scanning CRDs; the core operator and every
 * adapter as the processes they are deployed as; Clair when this machine can run it; the examples applied; a
 * stand-in kubelet so pods report image digests; and a wait, with progress, until the status tree stops changing.
 *
 * @throws Error naming the step, the component and its log when something does not come up; everything
 *   started so far is stopped first.
 */
export async function runDemo(options: DemoOptions): Promise<Demo> {
  const { progress } = options;
  const started: { stop(): Promise<void> | void }[] = [];
  const processes: DemoProcess[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const s of started.reverse()) await s.stop();
  };
  try {
    progress('starting the control plane (etcd, kube-apiserver, kube-controller-manager)');
    const cp = await startControlPlane({ progress });
    started.push(cp);
    const logs = join(cp.dir, 'logs');
    await mkdir(logs, { recursive: true });
    const crds = await cp.installCRDs([
      nimbusCrds(),
      kubearmorCrdDirectory(),
      scanningCrds(),
      k8tlsCrdDirectory(),
    ]);
    progress(
      `installed ${crds.length} CRDs (Nimbus, KubeArmorPolicy, scanning.nimbus-ts.io, tls.nimbus-ts.io)`,
    );
    const admin = new ObjectClient(cp.kubeConfig, 'nimbus-demo');
    await admin.create(NAMESPACES, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: SYSTEM_NAMESPACE },
    });
    // The k8tls adapter's scan jobs run in its namespace as this ServiceAccount (deploy/adapter-k8tls creates it).
    await admin.create(SERVICE_ACCOUNTS, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'nimbus-k8tls-scanner', namespace: SYSTEM_NAMESPACE },
    });

    const scanning =
      options.scanning === false
        ? { unavailable: 'left out (--no-scanning)' }
        : await startScanning(progress);
    if ('stack' in scanning) started.push(scanning.stack);
    else progress(`scanning is off: ${scanning.unavailable}`);

    const kyverno = await startDemoKyverno(cp.kubeConfig, cp.kubeconfigPath, logs, progress);
    if ('running' in kyverno) started.push(kyverno.running);
    else if ('crdsOnly' in kyverno) progress(kyverno.crdsOnly);
    else progress(`the Kyverno adapter is left out: ${kyverno.unavailable}`);

    const component = (name: string, pkg: string, bin: string, env: Record<string, string> = {}) => {
      const process = startNodeProcess({
        name,
        main: binOf(pkg, bin),
        args: [
          `--kubeconfig=${cp.kubeconfigPath}`,
          `--lease-namespace=${SYSTEM_NAMESPACE}`,
          '--metrics-port=0',
          '--probe-port=0',
        ],
        env,
        logPath: join(logs, `${name}.log`),
      });
      processes.push(process);
      started.push(process);
      return process;
    };
    progress(`starting the core operator and the adapters (their logs: ${logs})`);
    component('core-operator', '@nimbus-ts/core-operator', 'nimbus-core-operator');
    component('nimbus-kubearmor', '@nimbus-ts/adapter-kubearmor', 'nimbus-kubearmor');
    component('nimbus-netpol', '@nimbus-ts/example-adapter-netpol', 'nimbus-netpol');
    if (!('unavailable' in kyverno))
      component('nimbus-kyverno', '@nimbus-ts/adapter-kyverno', 'nimbus-kyverno');
    component('nimbus-k8tls', '@nimbus-ts/adapter-k8tls', 'nimbus-k8tls', {
      K8TLS_NAMESPACE: SYSTEM_NAMESPACE,
    });
    if ('stack' in scanning)
      component('nimbus-clair', '@nimbus-ts/adapter-clair', 'nimbus-clair', { ...scanning.env });
    await Promise.all(processes.map((p) => p.waitForLog('controllers started')));

    progress('applying examples/ (workloads, intents, bindings)');
    const examples = join(REPO_ROOT, 'examples');
    const files = [
      ...(await yamlFiles(join(examples, 'workloads'))),
      ...(await yamlFiles(join(examples, 'intents'))),
      ...(await yamlFiles(join(examples, 'bindings'))),
    ];
    await run(cp.binaries.kubectl, [
      '--kubeconfig',
      cp.kubeconfigPath,
      'apply',
      ...files.flatMap((f) => ['-f', f]),
    ]);

    const digests = new Map<string, string>();
    if ('stack' in scanning) {
      for (const image of Object.values(scanning.images)) digests.set(image.reference, image.digestReference);
      // The storefront runs an image of the demo's own registry, so it is the one workload whose pods "run":
      // the image-security binding selects it (part-of: shop) and the scanner reports on it.
      const labels = { app: 'storefront', 'app.kubernetes.io/part-of': 'shop' };
      await admin.create(DEPLOYMENTS, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'storefront', namespace: 'demo', labels },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'storefront',
                  image: scanning.images.shopPatched.reference,
                  // The Log4Shell mitigation the shop's virtual-patch intent (Block) requires; without it Kyverno,
                  // when it runs in the demo, refuses the pods, and there is nothing to scan.
                  env: [{ name: 'LOG4J_FORMAT_MSG_NO_LOOKUPS', value: 'true' }],
                },
              ],
            },
          },
        },
      });
    }
    started.push({ stop: startKubeletStandIn(cp.kubeConfig, ['demo'], (image) => digests.get(image)) });

    const timeoutMs = options.timeoutMs ?? 5 * 60_000;
    await settle(cp.kubeconfigPath, progress, timeoutMs, logs);

    // Admission, once the examples run: the webhook process keeps its certificate in a Secret and its own
    // ValidatingWebhookConfiguration (by URL, since the demo has no Service network), then the demo tries what the
    // image-security intents refuse.
    const kubectl = (args: readonly string[], input?: string) => kubectlResult(cp, args, input);
    const admission: { attempt: string; answer: string }[] = [];
    const [port] = await freeLoopbackPorts(1);
    // The admission adapter builds the ImageAdmissionPolicies itself, so it runs before the demo changes them.
    progress(`starting the image admission webhook on https://127.0.0.1:${port}`);
    const webhook = startNodeProcess({
      name: 'nimbus-admission',
      main: binOf('@nimbus-ts/adapter-admission', 'nimbus-admission-webhook'),
      args: [
        `--kubeconfig=${cp.kubeconfigPath}`,
        '--leader-elect=false',
        '--metrics-port=0',
        '--probe-port=0',
      ],
      env: {
        POD_NAMESPACE: SYSTEM_NAMESPACE,
        WEBHOOK_PORT: String(port),
        WEBHOOK_URL: `https://127.0.0.1:${port}`,
        ...('stack' in scanning ? scanning.env : {}),
      },
      logPath: join(logs, 'nimbus-admission.log'),
    });
    processes.push(webhook);
    started.push(webhook);
    await webhook.waitForLog('controllers started');
    if ('stack' in scanning) {
      const host = scanning.stack.registry.host;
      progress(`trusting the demo's own registry ${host} in SecurityIntent allowed-registries`);
      await kubectl([
        'patch',
        'securityintent',
        'allowed-registries',
        '--type=json',
        '-p',
        JSON.stringify([{ op: 'add', path: '/spec/intent/params/registries/-', value: host }]),
      ]);
      await waitFor('the admission policy to trust the demo registry', 60_000, async () => {
        const out = await kubectl(['get', 'imageadmissionpolicies', '-n', 'demo', '-o', 'json']);
        return out.stdout.includes(`"${host}"`);
      });
    }
    await waitFor('the API server to call the webhook', 60_000, async () => {
      const probe = await kubectl(
        ['create', '--dry-run=server', '-f', '-'],
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: 'admission-probe',
            namespace: 'demo',
            labels: { 'app.kubernetes.io/part-of': 'shop' },
          },
          spec: { containers: [{ name: 'probe', image: 'nginx:latest' }] },
        }),
      );
      return probe.stderr.includes('denied the request');
    });
    const attempt = async (what: string, args: readonly string[]) => {
      const { stderr } = await kubectl(args);
      const answer = stderr
        .split('\n')
        .filter((line) => line.includes('denied the request'))
        .join('\n');
      admission.push({ attempt: what, answer: answer || stderr.trim() || 'admitted' });
    };
    await attempt('kubectl apply -f examples/workloads/rejected-by-admission.yaml', [
      'apply',
      '-f',
      join(REPO_ROOT, 'examples', 'workloads', 'rejected-by-admission.yaml'),
    ]);
    if ('stack' in scanning) {
      await attempt(
        `kubectl -n demo set image deployment/storefront storefront=${scanning.images.shop.reference}`,
        [
          '-n',
          'demo',
          'set',
          'image',
          'deployment/storefront',
          `storefront=${scanning.images.shop.reference}`,
        ],
      );
    }
    const report = await settle(cp.kubeconfigPath, progress, timeoutMs, logs);
    return { controlPlane: cp, report, scanning, kyverno, processes, admission, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** kubectl against the demo cluster; never rejects (a refusal is an answer the demo shows). */
async function kubectlResult(
  cp: ControlPlane,
  args: readonly string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      cp.binaries.kubectl,
      ['--kubeconfig', cp.kubeconfigPath, ...args],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input ?? '');
  });
}

/** Polls `check` every half second until it holds. */
async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Polls `nimbus status` until the tree is settled and unchanged three times in a row; returns the report. */
async function settle(
  kubeconfig: string,
  progress: (line: string) => void,
  timeoutMs: number,
  logs: string,
): Promise<StatusReport> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let lastLine = '';
  let sameFor = 0;
  let report: StatusReport;
  for (;;) {
    report = await statusReport(kubeconfig);
    const state = convergence(report);
    const text = JSON.stringify(report);
    sameFor = text === last ? sameFor + 1 : 0;
    last = text;
    if (state.line !== lastLine) progress(`converging: ${state.line}`);
    lastLine = state.line;
    // Settled and unchanged for three looks in a row: the controllers have nothing left to do.
    if (state.settled && sameFor >= 3) {
      progress(`settled: ${state.line}`);
      break;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the cluster did not settle within ${timeoutMs / 1000} s (${state.line}); look at the component logs in ${logs}`,
      );
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  return report;
}
