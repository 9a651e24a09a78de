// Convergence benchmark: the core operator and the KubeArmor adapter, each as its own process on a real control
// plane, side by side with the floor, a bare client (src/floor-controller.ts) that makes only the writes the
// workload needs at the same concurrency against the same kind of API server. For each it prints convergence
// time, API writes, 409 Conflicts, Events, steady-apply latency, peak RSS and idle writes, and the ratio of
// nimbus-ts to the floor. Prints figures; asserts nothing. bench/README.md says what each figure means.
//
//   pnpm bench:convergence                       # 1,000 bindings × 3 intents, one run
//   node bench/convergence.ts --bindings=50 --steady-samples=20 --idle-seconds=10 --runs=3
//   BENCH_BINDINGS=200 BENCH_RUNS=3 pnpm bench   # the same settings as environment variables
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { kubearmorCrdDirectory } from '@nimbus-ts/adapter-kubearmor';
import { crdDirectory, RESOURCES } from '@nimbus-ts/api';
import { IMAGE_ENV } from '@nimbus-ts/images';
import { ObjectClient } from '@nimbus-ts/k8s';
import {
  type ComponentProcess,
  type ControlPlane,
  pollUntil,
  pollUntilSteady,
  startComponentProcess,
  startControlPlane,
} from '@nimbus-ts/k8s/testing';
import {
  describeWrites,
  type RequestCount,
  readRequestCounts,
  requestsBetween,
  sumWrites,
} from './src/api-metrics.ts';
import { deployedMemoryLimitMiB, v8OldSpaceMiB } from './src/deployed-heap.ts';
import { floorControllerEntry } from './src/floor-entry.ts';
import { peakRssMb } from './src/peak-rss.ts';
import { type Progress, watchProgress } from './src/progress.ts';
import { median, percentile } from './src/stats.ts';
import { type Row, renderComparison } from './src/table.ts';

const { values: flags } = parseArgs({
  options: {
    bindings: { type: 'string' },
    runs: { type: 'string' },
    concurrency: { type: 'string' },
    'steady-samples': { type: 'string' },
    'steady-rate': { type: 'string' },
    'idle-seconds': { type: 'string' },
    'node-options': { type: 'string' },
  },
});
/** A setting from its flag, else its environment variable, else its default. */
function setting(flag: string | undefined, env: string, fallback: number): number {
  const raw = flag ?? process.env[env];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${env} must be a number ≥ 0, not ${raw}`);
  return value;
}
const N = setting(flags.bindings, 'BENCH_BINDINGS', 1000);
const RUNS = Math.max(1, setting(flags.runs, 'BENCH_RUNS', 1));
const CONCURRENCY = setting(flags.concurrency, 'BENCH_CONCURRENCY', 16);
const STEADY_SAMPLES = setting(flags['steady-samples'], 'BENCH_LATENCY_SAMPLES', 200);
const STEADY_RATE = setting(flags['steady-rate'], 'BENCH_LATENCY_RATE', 20);
const IDLE_SECONDS = setting(flags['idle-seconds'], 'BENCH_IDLE_SECONDS', 60);
/** Binding creates the benchmark keeps in flight in the burst, as a GitOps tool applying a directory would. */
const APPLY_PARALLEL = 16;
const NAMESPACE = 'default';
const ADAPTER = 'kubearmor';
const API = 'intent.security.nimbus.com/v1alpha1';
/** The groups of the objects the components write: the Nimbus API and KubeArmor's. */
const OBJECT_GROUPS = ['intent.security.nimbus.com', 'security.kubearmor.com'];
const EVENTS = { groups: ['', 'events.k8s.io'], resources: ['events'] };
const INTENTS = [
  ['pkg', 'swDeploymentTools'],
  ['dns', 'dnsManipulation'],
  ['tmp', 'preventExecutionFromTempOrLogsFolders'],
] as const;
const TIMEOUT_MS = 30 * 60_000;

const distMain = (pkg: string) =>
  fileURLToPath(import.meta.resolve(`${pkg}/package.json`)).replace(/package\.json$/, 'dist/main.js');
const FLOOR_MAIN = floorControllerEntry();

/** How one side of the comparison starts its stand-in for the core operator and for the adapter. */
interface Contender {
  readonly name: 'floor' | 'nimbus-ts';
  operator(cp: ControlPlane): ComponentProcess;
  adapter(cp: ControlPlane): ComponentProcess;
}

const common = (cp: ControlPlane) => [`--kubeconfig=${cp.kubeconfigPath}`, `--concurrency=${CONCURRENCY}`];
// Every process measured runs with the environment the images set (`NODE_ENV=production` and the Node options that
// cap V8's young generation), the floor too: the memory measured is the deployed process's, and the ratio compares
// the code, not V8's defaults or a library's development mode. PATH stays the benchmark's.
const imageEnv = Object.fromEntries(IMAGE_ENV.map((e) => e.split(/=(.*)/s, 2)).filter(([k]) => k !== 'PATH'));
// Deployed, Node sizes V8's heap from the container's memory limit; here it would size it from the machine's memory
// (a 4 GB old generation on 24 GB), and V8 lets a large heap grow to about four times its live objects between full
// collections, against about twice under the Deployments' limits. So each role runs with the old generation V8
// gives itself under its Deployment's limit (deploy/), and the floor standing in for it with the same.
const DEPLOYED_LIMIT_MIB = {
  operator: deployedMemoryLimitMiB('core-operator/deployment.yaml', 'nimbus-core-operator'),
  adapter: deployedMemoryLimitMiB('adapter-kubearmor/deployment.yaml', 'nimbus-kubearmor'),
} as const;
// `--node-options` adds to them, for both contenders alike: a V8 flag is tried here before the images get it.
const extraNodeOptions = flags['node-options'] ?? process.env.BENCH_NODE_OPTIONS ?? '';
const nodeOptions = (role: keyof typeof DEPLOYED_LIMIT_MIB) =>
  [imageEnv.NODE_OPTIONS, `--max-old-space-size=${v8OldSpaceMiB(DEPLOYED_LIMIT_MIB[role])}`, extraNodeOptions]
    .filter(Boolean)
    .join(' ');
const node = (role: keyof typeof DEPLOYED_LIMIT_MIB) => ({
  env: { ...imageEnv, NODE_OPTIONS: nodeOptions(role) },
});
const component = (cp: ControlPlane) => [
  ...common(cp),
  '--leader-elect=false',
  '--metrics-port=0',
  '--probe-port=0',
  // The default level, as deployed: what the components log is part of their cost.
  '--log-level=info',
];
const CONTENDERS: Record<Contender['name'], Contender> = {
  floor: {
    name: 'floor',
    operator: (cp) => startComponentProcess(FLOOR_MAIN, ['--role=operator', ...common(cp)], node('operator')),
    adapter: (cp) => startComponentProcess(FLOOR_MAIN, ['--role=adapter', ...common(cp)], node('adapter')),
  },
  'nimbus-ts': {
    name: 'nimbus-ts',
    operator: (cp) =>
      startComponentProcess(distMain('@nimbus-ts/core-operator'), component(cp), node('operator')),
    adapter: (cp) =>
      startComponentProcess(
        distMain('@nimbus-ts/adapter-kubearmor'),
        [...component(cp), `--lease-namespace=${NAMESPACE}`],
        node('adapter'),
      ),
  },
};

/** What one contender did in one phase. */
interface PhaseFigures {
  readonly timeMs: number;
  readonly writes: number;
  readonly conflicts: number;
  readonly events: number;
  readonly rssMb: number;
  readonly idleWritesPerMin: number;
  readonly idleLeaseWritesPerMin: number;
  readonly breakdown: readonly string[];
}

/** One contender's figures in one run. */
interface Figures {
  readonly operator: PhaseFigures & { readonly p50Ms: number; readonly p99Ms: number };
  readonly adapter: PhaseFigures & { readonly enginePolicies: number };
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Resolves once `done()` holds, checking every 20 ms; throws if `process` exits first. */
async function until(what: string, process: ComponentProcess, done: () => boolean): Promise<void> {
  const deadline = performance.now() + TIMEOUT_MS;
  while (!done()) {
    if (process.child.exitCode !== null || process.child.signalCode !== null)
      throw new Error(
        `the component exited (${process.child.exitCode ?? process.child.signalCode}) before ${what}`,
      );
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** The last of the times `names` reached a stage, in `performance.now()` time. */
const lastOf = (names: readonly string[], ...stages: ReadonlyMap<string, number>[]) =>
  Math.max(...names.flatMap((n) => stages.map((s) => s.get(n) ?? Number.NaN)));

/** Writes in the object groups stop moving: the controller has nothing left to do (Leases renew on regardless). */
const settled = (cp: ControlPlane) =>
  pollUntilSteady(
    'writes to settle',
    TIMEOUT_MS,
    async () => sumWrites(await readRequestCounts(cp.kubeConfig), { excludeResources: ['leases'] }),
    { intervalMs: 2000 },
  );

/** Writes during a phase, refused ones included, and the Events among them. */
function phaseWrites(during: readonly RequestCount[]) {
  return {
    writes: sumWrites(during, { groups: OBJECT_GROUPS }),
    conflicts: sumWrites(during, { groups: OBJECT_GROUPS, code: '409' }),
    events: sumWrites(during, EVENTS),
    breakdown: describeWrites(during),
  };
}

/** Writes per minute while nothing changes, with and without Leases. */
async function idleWrites(cp: ControlPlane) {
  const before = await readRequestCounts(cp.kubeConfig);
  await sleep(IDLE_SECONDS * 1000);
  const idle = requestsBetween(before, await readRequestCounts(cp.kubeConfig));
  const perMinute = IDLE_SECONDS > 0 ? 60 / IDLE_SECONDS : Number.NaN;
  return {
    idleWritesPerMin: sumWrites(idle, { excludeResources: ['leases'] }) * perMinute,
    idleLeaseWritesPerMin: sumWrites(idle, { resources: ['leases'] }) * perMinute,
  };
}

/** Runs the whole workload against a fresh control plane with `contender`'s processes. */
async function measure(contender: Contender): Promise<Figures> {
  const log = (line: string) => say(`[${contender.name}] ${line}`);
  const cp = await startControlPlane({
    controllerManager: false,
    progress: log,
    apiServerFlags: {
      'max-requests-inflight': '0',
      'max-mutating-requests-inflight': '0',
      'enable-priority-and-fairness': 'false',
    },
  });
  const started: ComponentProcess[] = [];
  let progress: Progress | undefined;
  try {
    await cp.installCRDs([crdDirectory(), kubearmorCrdDirectory()]);
    const client = new ObjectClient(cp.kubeConfig, 'bench');
    for (const [name, id] of INTENTS) {
      await client.create(RESOURCES.SecurityIntent, {
        apiVersion: API,
        kind: 'SecurityIntent',
        metadata: { name },
        spec: { intent: { id, action: 'Block' } },
      });
    }
    const watched = await watchProgress(cp.kubeConfig, NAMESPACE, ADAPTER);
    progress = watched;
    const sent = new Map<string, number>();
    const apply = (name: string) => {
      sent.set(name, performance.now());
      return client.create(RESOURCES.SecurityIntentBinding, {
        apiVersion: API,
        kind: 'SecurityIntentBinding',
        metadata: { name, namespace: NAMESPACE },
        spec: {
          intents: INTENTS.map(([intent]) => ({ name: intent })),
          selector: { workloadSelector: { matchLabels: { app: name } } },
        },
      });
    };
    const converged = (names: readonly string[]) => () =>
      names.every((n) => watched.policyCreated.has(n) && watched.bindingReported.has(n));

    const operator = contender.operator(cp);
    started.push(operator);
    await pollUntil('the operator to start', 120_000, () =>
      operator.logs.some((l) => l.message === 'controllers started'),
    );

    // Steady: bindings applied one at a time at a fixed rate (open loop: each at its due time, however slow the
    // previous), as users and GitOps tools apply them; apply → policy and binding status seen by a watch.
    log(`steady: ${STEADY_SAMPLES} bindings at ${STEADY_RATE}/s`);
    const steadyNames = Array.from({ length: STEADY_SAMPLES }, (_, i) => `steady-${i}`);
    const begin = performance.now();
    const applied: Promise<unknown>[] = [];
    for (const [i, name] of steadyNames.entries()) {
      await sleep(begin + (i * 1000) / STEADY_RATE - performance.now());
      applied.push(apply(name));
    }
    await Promise.all(applied);
    await until('the steady bindings converged', operator, converged(steadyNames));
    const latencies = steadyNames
      .map((n) => lastOf([n], watched.policyCreated, watched.bindingReported) - (sent.get(n) ?? 0))
      .sort((a, b) => a - b);
    // Gone again, so that the burst and the adapter work on exactly N bindings. Deletes are not counted as writes.
    for (let i = 0; i < steadyNames.length; i += APPLY_PARALLEL) {
      await Promise.all(
        steadyNames.slice(i, i + APPLY_PARALLEL).map(async (name) => {
          await client.delete(RESOURCES.SecurityIntentBinding, { namespace: NAMESPACE, name });
          await client.delete(RESOURCES.NimbusPolicy, { namespace: NAMESPACE, name });
        }),
      );
    }
    await settled(cp);

    // Burst: N bindings applied as fast as the API server takes them, until every one has converged.
    log(`burst: ${N} bindings`);
    const burstNames = Array.from({ length: N }, (_, i) => `burst-${i}`);
    let before = await readRequestCounts(cp.kubeConfig);
    let t0 = performance.now();
    for (let i = 0; i < N; i += APPLY_PARALLEL)
      await Promise.all(burstNames.slice(i, i + APPLY_PARALLEL).map(apply));
    await until('the burst converged', operator, converged(burstNames));
    const operatorTime = lastOf(burstNames, watched.policyCreated, watched.bindingReported) - t0;
    await settled(cp);
    // The benchmark's own binding creates are the workload, not the operator's writes.
    const operatorWrites = phaseWrites(
      requestsBetween(before, await readRequestCounts(cp.kubeConfig)).filter(
        (c) => !(c.resource === 'securityintentbindings' && c.subresource === '' && c.verb === 'POST'),
      ),
    );
    log(`operator idle for ${IDLE_SECONDS} s`);
    const operatorIdle = await idleWrites(cp);
    const operatorRss = peakRssMb(operator.child.pid);
    await operator.stop();

    // The adapter alone (the operator stopped, so every write is the adapter's), from its process start until
    // every NimbusPolicy records its engine policies.
    log(`adapter: ${N} NimbusPolicies`);
    before = await readRequestCounts(cp.kubeConfig);
    t0 = performance.now();
    const adapter = contender.adapter(cp);
    started.push(adapter);
    await until('the adapter converged', adapter, () =>
      burstNames.every((n) => watched.adapterReported.has(n)),
    );
    const adapterTime = lastOf(burstNames, watched.adapterReported) - t0;
    await settled(cp);
    const adapterWrites = phaseWrites(requestsBetween(before, await readRequestCounts(cp.kubeConfig)));
    log(`adapter idle for ${IDLE_SECONDS} s`);
    const adapterIdle = await idleWrites(cp);
    const adapterRss = peakRssMb(adapter.child.pid);
    await adapter.stop();

    return {
      operator: {
        timeMs: operatorTime,
        ...operatorWrites,
        rssMb: operatorRss,
        ...operatorIdle,
        p50Ms: percentile(latencies, 50),
        p99Ms: percentile(latencies, 99),
      },
      adapter: {
        timeMs: adapterTime,
        ...adapterWrites,
        rssMb: adapterRss,
        ...adapterIdle,
        enginePolicies: watched.enginePolicies(),
      },
    };
  } finally {
    for (const p of started) await p.stop('SIGKILL');
    await progress?.stop();
    await cp.stop();
  }
}

/** The comparison table's rows for one run's (or the medians') figures. */
function comparisonRows(floor: Figures, nimbus: Figures): Row[] {
  const rows: Row[] = [];
  const phase = (pick: (f: Figures) => PhaseFigures, perUnit: string, units: number) => {
    const [f, n] = [pick(floor), pick(nimbus)];
    rows.push(
      { label: 'converge time (s)', floor: f.timeMs / 1000, nimbus: n.timeMs / 1000, digits: 2, target: 1.3 },
      { label: 'writes', floor: f.writes, nimbus: n.writes, digits: 0, target: 1.1 },
      { label: `writes per ${perUnit}`, floor: f.writes / units, nimbus: n.writes / units, digits: 2 },
      { label: '  of which 409 Conflict', floor: f.conflicts, nimbus: n.conflicts, digits: 0 },
      { label: 'Events written', floor: f.events, nimbus: n.events, digits: 0 },
    );
    return [f, n] as const;
  };
  rows.push(`core operator (${N} bindings × ${INTENTS.length} intents)`);
  phase((x) => x.operator, 'binding', N);
  rows.push(
    { label: `steady apply p50 (ms)`, floor: floor.operator.p50Ms, nimbus: nimbus.operator.p50Ms, digits: 1 },
    { label: `steady apply p99 (ms)`, floor: floor.operator.p99Ms, nimbus: nimbus.operator.p99Ms, digits: 1 },
  );
  const tail = (pick: (f: Figures) => PhaseFigures) => {
    const [f, n] = [pick(floor), pick(nimbus)];
    rows.push(
      { label: 'peak RSS (MB)', floor: f.rssMb, nimbus: n.rssMb, digits: 1 },
      {
        label: 'idle writes/min, Leases aside',
        floor: f.idleWritesPerMin,
        nimbus: n.idleWritesPerMin,
        digits: 1,
      },
      {
        label: 'idle Lease writes/min',
        floor: f.idleLeaseWritesPerMin,
        nimbus: n.idleLeaseWritesPerMin,
        digits: 1,
      },
    );
  };
  tail((x) => x.operator);
  rows.push(
    `KubeArmor adapter (${nimbus.adapter.enginePolicies} engine policies; floor ${floor.adapter.enginePolicies})`,
  );
  phase((x) => x.adapter, 'engine policy', Math.max(1, nimbus.adapter.enginePolicies));
  tail((x) => x.adapter);
  return rows;
}

/** Each figure's median over `runs`. */
function medianFigures(runs: readonly Figures[]): Figures {
  const med = <T extends object>(pick: (f: Figures) => T): T => {
    const first = pick(runs[0] as Figures) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(first).map(([key, value]) => [
        key,
        typeof value === 'number'
          ? median(runs.map((r) => (pick(r) as Record<string, number>)[key] ?? Number.NaN))
          : value,
      ]),
    ) as T;
  };
  return { operator: med((f) => f.operator), adapter: med((f) => f.adapter) };
}

const header = [
  `convergence benchmark: ${N} bindings × ${INTENTS.length} intents (${INTENTS.map(([, id]) => id).join(', ')})`,
  `  steady: ${STEADY_SAMPLES} bindings at ${STEADY_RATE}/s; burst: ${APPLY_PARALLEL} binding creates in flight;` +
    ` concurrency ${CONCURRENCY} (operator, adapter, floor); idle window ${IDLE_SECONDS} s; ${RUNS} run(s)`,
  '  floor = a bare client making only the writes the workload needs (bench/README.md)',
  `  every process measured: NODE_ENV=${imageEnv.NODE_ENV ?? ''}; NODE_OPTIONS: operator and its floor` +
    ` '${nodeOptions('operator')}', adapter and its floor '${nodeOptions('adapter')}'`,
].join('\n');
process.stdout.write(`${header}\n\n`);
const results: { floor: Figures; nimbus: Figures }[] = [];
for (let run = 1; run <= RUNS; run++) {
  // Alternate who goes first, so a machine that speeds up or slows down over the runs favours neither.
  const order: Contender[] =
    run % 2 === 1 ? [CONTENDERS.floor, CONTENDERS['nimbus-ts']] : [CONTENDERS['nimbus-ts'], CONTENDERS.floor];
  const figures = new Map<string, Figures>();
  for (const contender of order) figures.set(contender.name, await measure(contender));
  const floor = figures.get('floor') as Figures;
  const nimbus = figures.get('nimbus-ts') as Figures;
  results.push({ floor, nimbus });
  process.stdout.write(`run ${run} of ${RUNS}\n${renderComparison(comparisonRows(floor, nimbus))}`);
  for (const [name, f] of figures) {
    process.stdout.write(`  ${name} operator writes: ${f.operator.breakdown.join(', ')}\n`);
    process.stdout.write(`  ${name} adapter writes:  ${f.adapter.breakdown.join(', ')}\n`);
  }
  process.stdout.write('\n');
}
if (RUNS > 1) {
  const floor = medianFigures(results.map((r) => r.floor));
  const nimbus = medianFigures(results.map((r) => r.nimbus));
  process.stdout.write(`median of ${RUNS} runs\n${renderComparison(comparisonRows(floor, nimbus))}`);
}
