// Convergence benchmark of the core operator on the real control plane, with the operator as its own
// process: latency of bindings applied at a steady rate, then N bindings × 3 intents applied in a burst
// until every NimbusPolicy carries the operator's status. Prints figures; asserts nothing.
//
//   pnpm bench                 # 1,000 bindings
//   BENCH_BINDINGS=200 pnpm bench
//   BENCH_CONCURRENCY=4 pnpm bench   # reconciles at once per controller (default 16)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { crdDirectory, RESOURCES } from '@nimbus-ts/api';
import { ObjectClient, Reflector } from '@nimbus-ts/k8s';
import { startControlPlane } from '@nimbus-ts/k8s/testing';

const N = Number(process.env.BENCH_BINDINGS ?? 1000);
const PARALLEL = 16;
const LATENCY_SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 200);
const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 20);
const API = 'intent.security.nimbus.com/v1alpha1';
const MAIN = fileURLToPath(import.meta.resolve('@nimbus-ts/core-operator/package.json')).replace(
  /package\.json$/,
  'dist/main.js',
);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

const say = (line: string) => process.stderr.write(`${line}\n`);
say(`convergence benchmark: ${N} bindings × 3 intents`);
const cp = await startControlPlane({
  controllerManager: false,
  progress: say,
  apiServerFlags: {
    'max-requests-inflight': '0',
    'max-mutating-requests-inflight': '0',
    'enable-priority-and-fairness': 'false',
  },
});
try {
  await cp.installCRDs([crdDirectory()]);
  const client = new ObjectClient(cp.kubeConfig, 'bench');
  for (const [name, id] of [
    ['pkg', 'swDeploymentTools'],
    ['dns', 'dnsManipulation'],
    ['tmp', 'preventExecutionFromTempOrLogsFolders'],
  ]) {
    await client.create(RESOURCES.SecurityIntent, {
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name },
      spec: { intent: { id, action: 'Block' } },
    });
  }
  const operator = spawn(
    process.execPath,
    [
      MAIN,
      `--kubeconfig=${cp.kubeconfigPath}`,
      '--leader-elect=false',
      '--metrics-port=0',
      '--probe-port=0',
      '--log-level=warn',
      `--concurrency=${process.env.BENCH_CONCURRENCY ?? 16}`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const pid = operator.pid ?? 0;

  // A policy counts as converged once it exists with the operator's status on it.
  const done = new Map<string, number>();
  const policies = new Reflector<{ metadata?: { name?: string }; status?: { status?: string } }>(
    cp.kubeConfig,
    { ...RESOURCES.NimbusPolicy },
    { namespace: 'default' },
  );
  policies.onChange((np) => {
    const name = np.metadata?.name ?? '';
    if (np.status?.status === 'Created' && !done.has(name)) done.set(name, performance.now());
  });
  policies.start();
  await policies.store.waitUntilReady();
  await new Promise((r) => setTimeout(r, 2000));

  const apply = (name: string) => {
    sent.set(name, performance.now());
    return client.create(RESOURCES.SecurityIntentBinding, {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name, namespace: 'default' },
      spec: {
        intents: [{ name: 'pkg' }, { name: 'dns' }, { name: 'tmp' }],
        selector: { workloadSelector: { matchLabels: { app: name } } },
      },
    });
  };
  const converged = async (names: readonly string[]) => {
    while (!names.every((n) => done.has(n))) await new Promise((r) => setTimeout(r, 20));
  };
  const sent = new Map<string, number>();

  // Phase 1, latency: bindings applied at a steady rate, as users and GitOps tools apply them.
  const latencyNames = Array.from({ length: LATENCY_SAMPLES }, (_, i) => `lat-${i}`);
  for (const name of latencyNames) {
    await apply(name);
    await new Promise((r) => setTimeout(r, 1000 / LATENCY_RATE));
  }
  await converged(latencyNames);
  const latencies = latencyNames
    .map((n) => (done.get(n) ?? Number.NaN) - (sent.get(n) ?? 0))
    .sort((a, b) => a - b);

  // Phase 2, throughput: N bindings applied as fast as the API server takes them.
  const burstNames = Array.from({ length: N }, (_, i) => `sib-${i}`);
  const started = performance.now();
  for (let i = 0; i < N; i += PARALLEL) await Promise.all(burstNames.slice(i, i + PARALLEL).map(apply));
  await converged(burstNames);
  const total = performance.now() - started;
  const burstLatencies = burstNames
    .map((n) => (done.get(n) ?? Number.NaN) - (sent.get(n) ?? 0))
    .sort((a, b) => a - b);
  const rss = peakRssMb(pid);
  operator.kill('SIGTERM');
  await new Promise((r) => operator.once('exit', r));
  await policies.stop();

  const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
  process.stdout.write(
    [
      `steady apply (${LATENCY_SAMPLES} bindings at ${LATENCY_RATE}/s, 3 intents each)`,
      `  apply → NimbusPolicy p50: ${fmt(percentile(latencies, 50))}`,
      `  apply → NimbusPolicy p99: ${fmt(percentile(latencies, 99))}`,
      `burst (${N} bindings, ${PARALLEL} creates in flight)`,
      `  all converged in:         ${(total / 1000).toFixed(2)} s`,
      `  apply → NimbusPolicy p50: ${fmt(percentile(burstLatencies, 50))}`,
      `  apply → NimbusPolicy p99: ${fmt(percentile(burstLatencies, 99))}`,
      `operator peak RSS:          ${rss.toFixed(1)} MB`,
      '',
    ].join('\n'),
  );
} finally {
  await cp.stop();
}
