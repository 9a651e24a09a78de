import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHART_DIR,
  CRD_SOURCE_DIRS,
  chartCrdCopies,
  ensureHelm,
  HelmCommandError,
  type HelmOptions,
  runHelm,
} from '../../src/index.js';
import { parseManifest, type Rendered, valuesFile } from '../support/render.js';

// The chart with real Helm v4 on the test control plane: lint, a server-side dry run of what it renders, its
// defaults against deploy/, and a release's whole life (adopting a kustomize install, upgrading, uninstalling).
// The control plane has no nodes, so nothing waits for pods to run: the assertions are about API objects.

const DEPLOY = fileURLToPath(new URL('../../../../deploy', import.meta.url));
const EVERY_OPTION = fileURLToPath(new URL('../fixtures/every-option.yaml', import.meta.url));
const RELEASE = 'nimbus-ts';

const env = envtest();
let helm: HelmOptions;
/** Helm's private state, and the files the tests hand to kubectl. */
let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'helm-home-'));
  // The first run on a machine builds Helm (about 3 minutes on 2 cores); scripts/test builds it beforehand.
  helm = {
    binary: await ensureHelm(),
    kubeconfig: env.kubeconfigPath,
    home: workDir,
  };
}, 900_000);

async function template(namespace: string, ...args: string[]): Promise<Rendered[]> {
  return parseManifest(await runHelm(helm, ['template', RELEASE, CHART_DIR, '-n', namespace, ...args]));
}

/** `kind/name` as kubectl names resources, for messages. */
const ref = (o: Rendered) => `${o.kind}/${o.metadata.name}`;

/** The object as the API server has it, or undefined when it does not exist. */
async function live(kind: string, name: string, namespace?: string): Promise<Rendered | undefined> {
  const out = await env.runKubectl([
    'get',
    kind,
    name,
    ...(namespace ? ['-n', namespace] : []),
    '--ignore-not-found',
    '-o',
    'json',
  ]);
  return out.trim() ? (JSON.parse(out) as Rendered) : undefined;
}

/** `kind.group` as kubectl takes it, so a kind name shared by two API groups is never ambiguous. */
function resource(o: Rendered): string {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return group ? `${o.kind}.${group}` : o.kind;
}
/** Identifies an object across renderings and the API server: API group, kind, name. */
const identity = (o: Rendered) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${ref(o)}`;

/**
 * Those of `objects` that exist, as the API server has them, by {@link identity}: one `kubectl get` for all of
 * them (namespaced ones in `namespace`; kubectl ignores it for cluster-scoped kinds). A kubectl process per object costs more than the API server's answer,
 * and the release has about 60 objects, asked for on every poll of an uninstall.
 */
async function liveAll(objects: readonly Rendered[], namespace: string): Promise<Map<string, Rendered>> {
  if (objects.length === 0) return new Map();
  const out = await env.runKubectl([
    'get',
    ...objects.map((o) => `${resource(o)}/${o.metadata.name}`),
    '-n',
    namespace,
    '--ignore-not-found',
    '-o',
    'json',
  ]);
  const found = out.trim() ? (JSON.parse(out) as Rendered) : undefined;
  const items: Rendered[] = found === undefined ? [] : found.kind === 'List' ? found.items : [found];
  return new Map(items.map((o) => [identity(o), o]));
}

describe('helm lint --strict', () => {
  it.each([
    { name: 'the defaults', args: [] as string[] },
    { name: 'every option set', args: ['-f', EVERY_OPTION] },
    {
      // Only the intent.security.nimbus.com CRDs are left to render.
      name: 'every component off',
      args: [
        '--set',
        'coreOperator.enabled=false,kubearmorAdapter.enabled=false,netpolAdapter.enabled=false',
        '--set',
        'clairScanner.enabled=false,admission.enabled=false',
      ],
    },
  ])('passes with $name', async ({ args }) => {
    const out = await runHelm(helm, ['lint', '--strict', CHART_DIR, ...args]);
    expect(out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('fails on a misspelt key and names it', async () => {
    const typo = await valuesFile({ coreOperator: { replica: 1 } });
    const error = await runHelm(helm, ['lint', '--strict', CHART_DIR, '-f', typo]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(HelmCommandError);
    const said = `${(error as HelmCommandError).stdout}\n${(error as HelmCommandError).stderr}`;
    expect(said).toMatch(/at '\/coreOperator': additional properties 'replica' not allowed/);
    expect(said).toMatch(/1 chart\(s\) linted, 1 chart\(s\) failed/);
  });
});

describe('helm template', () => {
  let namespace: Awaited<ReturnType<typeof env.namespace>>;
  beforeAll(async () => {
    namespace = await env.namespace('helm-template');
  });
  afterAll(() => namespace?.delete());

  it.each([
    { name: 'the defaults', args: [] as string[] },
    { name: 'every option set', args: ['-f', EVERY_OPTION] },
  ])('with $name is accepted object by object by kubectl apply --dry-run=server', async ({ args }) => {
    const text = await runHelm(helm, ['template', RELEASE, CHART_DIR, '-n', namespace.name, ...args]);
    const objects = parseManifest(text);
    const manifest = join(workDir, `manifest-${args.length}.yaml`);
    await writeFile(manifest, text);
    const out = await env.runKubectl(['apply', '--dry-run=server', '-f', manifest]);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(objects.length);
    expect(lines.filter((l) => !/ (created|configured|unchanged) \(server dry run\)$/.test(l))).toEqual([]);
  });
});

/** Helm's labels, which deploy/ does not have; everything else must be the same. */
const HELM_LABELS = [
  'app.kubernetes.io/instance',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/version',
  'helm.sh/chart',
];

/** An object without what only one of the two renderings has: top-level labels and annotations, Helm's pod labels. */
function comparable(o: Rendered): Rendered {
  const copy = structuredClone(o);
  delete copy.metadata.labels;
  delete copy.metadata.annotations;
  const podLabels = copy.spec?.template?.metadata?.labels as Record<string, string> | undefined;
  for (const label of HELM_LABELS) delete podLabels?.[label];
  return copy;
}

describe("the chart's defaults are deploy/", () => {
  let kustomized: Rendered[];
  let rendered: Rendered[];
  beforeAll(async () => {
    kustomized = parseManifest(await env.runKubectl(['kustomize', DEPLOY]));
    rendered = await template('nimbus-system');
  });

  it.each([
    { component: 'core operator', files: ['core-operator/rbac.yaml'] },
    { component: 'KubeArmor adapter', files: ['adapter-kubearmor/rbac.yaml'] },
    { component: 'Kyverno adapter', files: ['adapter-kyverno/rbac.yaml'] },
    { component: 'NetworkPolicy adapter', files: ['adapter-netpol/rbac.yaml'] },
    { component: 'Clair scanner', files: ['adapter-clair/rbac.yaml'] },
    { component: 'admission adapter', files: ['adapter-admission/rbac.yaml'] },
    { component: 'k8tls adapter', files: ['adapter-k8tls/rbac.yaml', 'adapter-k8tls/scanner-rbac.yaml'] },
  ])('$component: the RBAC proven least-privilege in deploy/, rule for rule', async ({ files }) => {
    for (const file of files) {
      const proven = parseManifest(await readFile(join(DEPLOY, file), 'utf8'));
      expect(proven.length).toBeGreaterThanOrEqual(5);
      for (const want of proven) {
        const have = rendered.find((o) => o.kind === want.kind && o.metadata.name === want.metadata.name);
        expect(have, `${file}: ${ref(want)} is not in the chart`).toBeDefined();
        const fields = ({ rules, roleRef, subjects, metadata }: Rendered) => ({
          namespace: metadata.namespace,
          rules,
          roleRef,
          subjects,
        });
        expect(fields(have as Rendered), `${file}: ${ref(want)}`).toEqual(fields(want));
      }
    }
  });

  it('every object but the Namespace and the CRDs is the same, apart from labels and annotations', () => {
    const ours = rendered.filter((o) => o.kind !== 'CustomResourceDefinition');
    const theirs = kustomized.filter((o) => o.kind !== 'CustomResourceDefinition' && o.kind !== 'Namespace');
    expect(ours.map(ref).sort()).toEqual(theirs.map(ref).sort());
    for (const want of theirs) {
      const have = ours.find(
        (o) => o.kind === want.kind && o.metadata.name === want.metadata.name,
      ) as Rendered;
      expect(comparable(have), ref(want)).toEqual(comparable(want));
    }
  });

  it('the CRDs are the sources in packages/*/crds, labelled and kept', async () => {
    const crds = rendered.filter((o) => o.kind === 'CustomResourceDefinition');
    const copies = await chartCrdCopies();
    expect(CRD_SOURCE_DIRS).toHaveLength(3);
    expect(crds).toHaveLength(copies.length);
    for (const { source } of copies) {
      const [want] = parseManifest(await readFile(source, 'utf8')) as [Rendered];
      const have = crds.find((c) => c.metadata.name === want.metadata.name);
      expect(have, `${source} is not rendered`).toBeDefined();
      expect((have as Rendered).metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
      expect(comparable(have as Rendered), source).toEqual(comparable(want));
    }
  });
});

describe('a release on the control plane', () => {
  let namespace: Awaited<ReturnType<typeof env.namespace>>;
  /** The release's objects as `helm get manifest` lists them, read before each uninstall. */
  let manifest: Rendered[] = [];
  const intent = {
    apiVersion: 'intent.security.nimbus.com/v1alpha1',
    kind: 'SecurityIntent',
    metadata: { name: 'helm-test-keep-me' },
    spec: { intent: { id: 'pkgMgrs', action: 'Block' } },
  };

  beforeAll(async () => {
    namespace = await env.namespace('helm-release');
  });
  afterAll(async () => {
    await runHelm(helm, ['uninstall', RELEASE, '-n', namespace.name, '--ignore-not-found']).catch(
      () => undefined,
    );
    // After a failure, what kubectl applied outside the namespace may be left without a release to remove it.
    const cluster = (await template(namespace.name)).filter((o) => o.kind.startsWith('Cluster')).map(ref);
    await env.runKubectl(['delete', '--ignore-not-found', ...cluster]);
    await namespace?.delete({ wait: true });
  });

  const helmIn = (args: string[]) => runHelm(helm, [...args, '-n', namespace.name]);
  const releaseManifest = async () => parseManifest(await helmIn(['get', 'manifest', RELEASE]));

  /** Objects left after an uninstall: any of `objects` that still exists, plus anything carrying the release's label. */
  async function leftovers(objects: readonly Rendered[]): Promise<string[]> {
    const stillThere = await liveAll(objects, namespace.name);
    const left = objects.filter((o) => stillThere.has(identity(o))).map(ref);
    const namespaced = await env.runKubectl([
      'get',
      'deployments,replicasets,pods,services,serviceaccounts,roles,rolebindings,poddisruptionbudgets,secrets,configmaps',
      '-n',
      namespace.name,
      '-o',
      'name',
    ]);
    // What every namespace has: its default ServiceAccount and the root CA ConfigMap.
    const expected = new Set(['serviceaccount/default', 'configmap/kube-root-ca.crt']);
    left.push(
      ...namespaced
        .trim()
        .split('\n')
        .filter((l) => l && !expected.has(l)),
    );
    const cluster = await env.runKubectl([
      'get',
      'clusterroles,clusterrolebindings',
      '-l',
      `app.kubernetes.io/instance=${RELEASE}`,
      '-o',
      'name',
    ]);
    left.push(...cluster.trim().split('\n').filter(Boolean));
    return [...new Set(left)];
  }

  /** The chart's CRDs as they are in the cluster. */
  async function liveCrds(): Promise<Rendered[]> {
    const files: Rendered[] = [];
    for (const { source } of await chartCrdCopies()) {
      files.push(...(parseManifest(await readFile(source, 'utf8')) as [Rendered]));
    }
    const crds = await liveAll(files, namespace.name);
    return files.flatMap((file) => crds.get(identity(file)) ?? []);
  }

  it('adopts what kubectl apply -k deploy installed, in place (helm install --take-ownership --server-side=false)', async () => {
    // deploy/ as a user installed it (client-side apply, as the README says), moved into this test's namespace
    // (deploy/ names nimbus-system).
    const kustomized = parseManifest(await env.runKubectl(['kustomize', DEPLOY])).filter(
      (o) => o.kind !== 'Namespace',
    );
    for (const o of kustomized) {
      if (o.metadata.namespace) o.metadata.namespace = namespace.name;
      for (const s of (o.subjects ?? []) as { namespace?: string }[]) s.namespace = namespace.name;
    }
    const applied = join(workDir, 'kustomized.json');
    await writeFile(applied, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: kustomized }));
    await env.runKubectl(['apply', '-f', applied]);
    const before = await live('deployment', 'nimbus-core-operator', namespace.name);

    // Client-side, as kubectl applied them. Applied server-side, the fields kubectl set would stay kubectl's too, and
    // every later `helm upgrade` changing one of them (replicas, args) would fail on a conflict with
    // kubectl-client-side-apply; Helm keeps a release's apply method for its upgrades.
    await helmIn(['install', RELEASE, CHART_DIR, '--take-ownership', '--server-side=false']);

    manifest = await releaseManifest();
    // The same objects, CRDs included: nothing of deploy/ is left outside the release.
    expect(manifest.map(ref).sort()).toEqual(kustomized.map(ref).sort());
    const adopted = await liveAll(manifest, namespace.name);
    for (const o of manifest) {
      const obj = adopted.get(identity(o));
      expect(obj, ref(o)).toBeDefined();
      expect(obj?.metadata.labels?.['app.kubernetes.io/managed-by'], ref(o)).toBe('Helm');
      expect(obj?.metadata.annotations?.['meta.helm.sh/release-name'], ref(o)).toBe(RELEASE);
    }
    // Adopted, not replaced: the same object, with its history.
    expect((await live('deployment', 'nimbus-core-operator', namespace.name))?.metadata).toMatchObject({
      uid: before?.metadata.uid,
    });
    // A policy of the user's, which must outlive an uninstall that keeps the CRDs.
    await writeFile(join(workDir, 'intent.json'), JSON.stringify(intent));
    await env.runKubectl(['apply', '-f', join(workDir, 'intent.json')]);
  });

  it('helm upgrade applies changed values and removes what a component turned off brought', async () => {
    const kubearmor = manifest.filter((o) => o.metadata.name.startsWith('nimbus-kubearmor'));
    expect(kubearmor.map(ref).sort()).toEqual([
      'ClusterRole/nimbus-kubearmor',
      'ClusterRoleBinding/nimbus-kubearmor',
      'Deployment/nimbus-kubearmor',
      'Role/nimbus-kubearmor-lease',
      'RoleBinding/nimbus-kubearmor-lease',
      'Service/nimbus-kubearmor-metrics',
      'ServiceAccount/nimbus-kubearmor',
    ]);
    const values = await valuesFile({
      coreOperator: { replicas: 1, extraArgs: ['--resync=10m'] },
      kubearmorAdapter: { enabled: false },
      admission: { podDisruptionBudget: { enabled: false } },
    });
    await helmIn(['upgrade', RELEASE, CHART_DIR, '-f', values]);

    const core = await live('deployment', 'nimbus-core-operator', namespace.name);
    expect(core?.spec.replicas).toBe(1);
    expect(core?.spec.template.spec.containers[0].args).toEqual(['--leader-elect=true', '--resync=10m']);
    const removed = await liveAll(kubearmor, namespace.name);
    for (const o of kubearmor) expect(removed.get(identity(o)), ref(o)).toBeUndefined();
    expect(await live('poddisruptionbudget', 'nimbus-admission', namespace.name)).toBeUndefined();
    // The garbage collector takes the removed Deployment's ReplicaSets (and pods) with it.
    await pollUntil('the KubeArmor adapter ReplicaSets to be collected', 60_000, async () => {
      const out = await env.runKubectl([
        'get',
        'replicasets,pods',
        '-n',
        namespace.name,
        '-l',
        'app.kubernetes.io/name=nimbus-kubearmor',
        '-o',
        'name',
      ]);
      return out.trim() === '';
    });
    // The others are untouched by the upgrade's values.
    expect((await live('deployment', 'nimbus-netpol', namespace.name))?.spec.replicas).toBe(2);
    expect(await live('poddisruptionbudget', 'nimbus-admission', namespace.name)).toBeUndefined();
    manifest = await releaseManifest();
    expect(manifest.map(ref)).not.toContain('Deployment/nimbus-kubearmor');
  });

  it('helm uninstall leaves nothing behind but the kept CRDs, and the policies in them', async () => {
    manifest = await releaseManifest();
    const crds = manifest.filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds).toHaveLength(9);
    await helmIn(['uninstall', RELEASE]);

    // Pods and ReplicaSets go with their Deployments, through the garbage collector.
    let left: string[] = [];
    await pollUntil('the release to be gone', 60_000, async () => {
      left = await leftovers(manifest.filter((o) => o.kind !== 'CustomResourceDefinition'));
      return left.length === 0;
    }).catch(() => undefined);
    expect(left).toEqual([]);
    const kept = await liveCrds();
    expect(kept.map((c) => c.metadata.name).sort()).toEqual(crds.map((c) => c.metadata.name).sort());
    for (const crd of kept) expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(await live('securityintent', intent.metadata.name)).toBeDefined();
    expect(await helmIn(['list', '-q', '--deployed', '--failed', '--pending', '--uninstalled'])).toBe('');
  });

  it('installed again, the release takes its kept CRDs back; with crds.keep=false, uninstall deletes them', async () => {
    const uids = new Map((await liveCrds()).map((c) => [c.metadata.name, c.metadata.uid as string]));
    await helmIn(['install', RELEASE, CHART_DIR]);
    // The same CRDs, not new ones: the policies in them survived.
    for (const crd of await liveCrds())
      expect(crd.metadata.uid, crd.metadata.name).toBe(uids.get(crd.metadata.name));
    expect(await live('securityintent', intent.metadata.name)).toBeDefined();

    // The documented way to remove the CRDs with the release.
    await helmIn(['upgrade', RELEASE, CHART_DIR, '--set', 'crds.keep=false']);
    for (const crd of await liveCrds())
      expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBeUndefined();
    manifest = await releaseManifest();
    await helmIn(['uninstall', RELEASE]);

    let left: string[] = [];
    await pollUntil('the release and its CRDs to be gone', 120_000, async () => {
      left = [...(await leftovers(manifest)), ...(await liveCrds()).map(ref)];
      return left.length === 0;
    }).catch(() => undefined);
    expect(left).toEqual([]);
  });

  it('helm install on a cluster without the CRDs creates them, ready to use', async () => {
    expect(await liveCrds()).toEqual([]);
    await helmIn(['install', RELEASE, CHART_DIR]);
    await pollUntil('the CRDs to be established', 60_000, async () => {
      const crds = await liveCrds();
      return (
        crds.length === 9 &&
        crds.every((c) =>
          (c.status?.conditions as { type: string; status: string }[] | undefined)?.some(
            (x) => x.type === 'Established' && x.status === 'True',
          ),
        )
      );
    });
    await env.runKubectl(['apply', '-f', join(workDir, 'intent.json')]);
    expect(await live('securityintent', intent.metadata.name)).toBeDefined();
    // Leave the cluster as later test files expect it: CRDs installed (kept), no release.
    await helmIn(['uninstall', RELEASE]);
    await env.runKubectl(['delete', 'securityintent', intent.metadata.name]);
    expect((await liveCrds()).length).toBe(9);
  });
});
