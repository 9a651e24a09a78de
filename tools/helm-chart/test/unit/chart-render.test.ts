import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART_DIR, ensureHelm, HelmCommandError, type HelmOptions, runHelm } from '../../src/index.js';
import { find, keys, parseManifest, type Rendered, renderChart } from '../support/render.js';

// What each value does to the rendered manifests: `helm template`, no cluster. The defaults are compared with
// deploy/ by the integration test (chart.test.ts), which needs kubectl's kustomize.

let helm: HelmOptions;
beforeAll(async () => {
  // The first run on a machine builds Helm (about 3 minutes on 2 cores); scripts/test builds it beforehand.
  helm = { binary: await ensureHelm(), home: await mkdtemp(join(tmpdir(), 'helm-home-')) };
}, 900_000);

/** A digest of its own for each component (by its index). */
const digest = (i: number) => `sha256:${i.toString(16).repeat(64)}`;

/** The container of a Deployment. */
function container(deployment: Rendered) {
  return deployment.spec.template.spec.containers[0];
}

/** A container's environment as name → value (or valueFrom). */
function envOf(deployment: Rendered): Record<string, unknown> {
  return Object.fromEntries(
    (container(deployment).env as { name: string; value?: string; valueFrom?: unknown }[]).map((e) => [
      e.name,
      e.value ?? e.valueFrom,
    ]),
  );
}

/** The kind/name of every object a component's values key brings. */
const COMPONENT_OBJECTS = {
  coreOperator: [
    'ServiceAccount/nimbus-core-operator',
    'ClusterRole/nimbus-core-operator',
    'ClusterRoleBinding/nimbus-core-operator',
    'Role/nimbus-core-operator-leader-election',
    'RoleBinding/nimbus-core-operator-leader-election',
    'Deployment/nimbus-core-operator',
    'Service/nimbus-core-operator-metrics',
  ],
  kubearmorAdapter: [
    'ServiceAccount/nimbus-kubearmor',
    'ClusterRole/nimbus-kubearmor',
    'ClusterRoleBinding/nimbus-kubearmor',
    'Role/nimbus-kubearmor-lease',
    'RoleBinding/nimbus-kubearmor-lease',
    'Deployment/nimbus-kubearmor',
    'Service/nimbus-kubearmor-metrics',
  ],
  kyvernoAdapter: [
    'ServiceAccount/nimbus-kyverno',
    'ClusterRole/nimbus-kyverno',
    'ClusterRoleBinding/nimbus-kyverno',
    'Role/nimbus-kyverno-lease',
    'RoleBinding/nimbus-kyverno-lease',
    'ClusterRole/nimbus-kyverno:kyverno-background-controller',
    'Deployment/nimbus-kyverno',
    'Service/nimbus-kyverno-metrics',
  ],
  netpolAdapter: [
    'ServiceAccount/nimbus-netpol',
    'ClusterRole/nimbus-netpol',
    'ClusterRoleBinding/nimbus-netpol',
    'Role/nimbus-netpol-lease',
    'RoleBinding/nimbus-netpol-lease',
    'Deployment/nimbus-netpol',
    'Service/nimbus-netpol-metrics',
  ],
  clairScanner: [
    'ServiceAccount/nimbus-clair',
    'ClusterRole/nimbus-clair',
    'ClusterRoleBinding/nimbus-clair',
    'Role/nimbus-clair-lease',
    'RoleBinding/nimbus-clair-lease',
    'Deployment/nimbus-clair',
    'Service/nimbus-clair-metrics',
    'Service/nimbus-clair-notifier',
    'ClusterRole/nimbus-clair-secret-reader',
  ],
  admission: [
    'ServiceAccount/nimbus-admission',
    'ClusterRole/nimbus-admission',
    'ClusterRoleBinding/nimbus-admission',
    'Role/nimbus-admission',
    'RoleBinding/nimbus-admission',
    'Deployment/nimbus-admission',
    'PodDisruptionBudget/nimbus-admission',
    'Service/nimbus-admission',
    'Service/nimbus-admission-metrics',
    'NetworkPolicy/nimbus-admission',
    'ClusterRole/nimbus-admission-secret-reader',
  ],
  // Its CRD, the adapter, and the scan jobs' identity.
  k8tlsAdapter: [
    'CustomResourceDefinition/tlsassessmentreports.tls.nimbus-ts.io',
    'ServiceAccount/nimbus-k8tls',
    'ClusterRole/nimbus-k8tls',
    'ClusterRoleBinding/nimbus-k8tls',
    'Role/nimbus-k8tls-lease',
    'RoleBinding/nimbus-k8tls-lease',
    'Role/nimbus-k8tls-scans',
    'RoleBinding/nimbus-k8tls-scans',
    'ServiceAccount/nimbus-k8tls-scanner',
    'ClusterRole/nimbus-k8tls-scanner',
    'ClusterRoleBinding/nimbus-k8tls-scanner',
    'Role/nimbus-k8tls-scanner',
    'RoleBinding/nimbus-k8tls-scanner',
    'Deployment/nimbus-k8tls',
    'Service/nimbus-k8tls-metrics',
  ],
} as const;
const DEPLOYMENTS = {
  coreOperator: 'nimbus-core-operator',
  kubearmorAdapter: 'nimbus-kubearmor',
  kyvernoAdapter: 'nimbus-kyverno',
  netpolAdapter: 'nimbus-netpol',
  clairScanner: 'nimbus-clair',
  admission: 'nimbus-admission',
  k8tlsAdapter: 'nimbus-k8tls',
} as const;
type ComponentKey = keyof typeof DEPLOYMENTS;
const COMPONENTS = Object.keys(DEPLOYMENTS) as ComponentKey[];

/**
 * Values that give every component settings of its own (`settings` of the component and its index), so that one
 * render checks them all: each component's settings differ from the others', so a component that read another's
 * would show them. Each component's test calls this with the same function, and renderChart runs Helm once for it.
 */
function everyComponent(settings: (index: number) => object): object {
  return Object.fromEntries(COMPONENTS.map((c, i) => [c, settings(i)]));
}

const NIMBUS_CRDS = [
  'CustomResourceDefinition/clusternimbuspolicies.intent.security.nimbus.com',
  'CustomResourceDefinition/clustersecurityintentbindings.intent.security.nimbus.com',
  'CustomResourceDefinition/nimbuspolicies.intent.security.nimbus.com',
  'CustomResourceDefinition/securityintentbindings.intent.security.nimbus.com',
  'CustomResourceDefinition/securityintents.intent.security.nimbus.com',
];
const SCANNING_CRDS = [
  'CustomResourceDefinition/imageadmissionpolicies.scanning.nimbus-ts.io',
  'CustomResourceDefinition/imagescanpolicies.scanning.nimbus-ts.io',
  'CustomResourceDefinition/vulnerabilityreports.scanning.nimbus-ts.io',
];

describe('components', () => {
  it('all six render by default, with the CRDs, and nothing else', async () => {
    const objects = await renderChart(helm);
    expect(keys(objects).sort()).toEqual(
      [...NIMBUS_CRDS, ...SCANNING_CRDS, ...Object.values(COMPONENT_OBJECTS).flat()].sort(),
    );
    // Every object says which release and chart it belongs to.
    for (const o of objects) {
      expect(o.metadata.labels, `${o.kind}/${o.metadata.name}`).toMatchObject({
        'app.kubernetes.io/part-of': 'nimbus-ts',
        'app.kubernetes.io/instance': 'nimbus-ts',
        'app.kubernetes.io/managed-by': 'Helm',
        'helm.sh/chart': 'nimbus-ts-0.1.0',
      });
    }
  });

  it.each(COMPONENTS)(
    '%s.enabled=false renders none of its objects and leaves the others',
    async (component) => {
      const objects = await renderChart(helm, { [component]: { enabled: false } });
      const rendered = keys(objects);
      for (const key of COMPONENT_OBJECTS[component]) expect(rendered).not.toContain(key);
      for (const other of COMPONENTS.filter((c) => c !== component)) {
        expect(rendered).toEqual(expect.arrayContaining([...COMPONENT_OBJECTS[other]]));
      }
      // The scanning CRDs stay while either Clair component runs.
      expect(rendered).toEqual(expect.arrayContaining([...NIMBUS_CRDS, ...SCANNING_CRDS]));
    },
  );

  it('the scanning CRDs go when neither Clair component is enabled', async () => {
    const rendered = keys(
      await renderChart(helm, { clairScanner: { enabled: false }, admission: { enabled: false } }),
    );
    expect(rendered).toEqual(expect.arrayContaining(NIMBUS_CRDS));
    for (const crd of SCANNING_CRDS) expect(rendered).not.toContain(crd);
  });

  it.each([
    { enabled: ['clairScanner', 'admission'], readers: { 'nimbus-clair': true, 'nimbus-admission': true } },
    { enabled: ['admission'], readers: { 'nimbus-clair': false, 'nimbus-admission': true } },
    { enabled: ['clairScanner'], readers: { 'nimbus-clair': true, 'nimbus-admission': false } },
  ])(
    'clair.secretReaderNamespaces binds each enabled component its own secret reader there: $enabled',
    async ({ enabled, readers }) => {
      const objects = await renderChart(helm, {
        clair: { secretReaderNamespaces: ['shop', 'payments'] },
        clairScanner: { enabled: enabled.includes('clairScanner') },
        admission: { enabled: enabled.includes('admission') },
      });
      for (const [component, present] of Object.entries(readers)) {
        const role = `${component}-secret-reader`;
        expect(keys(objects).includes(`ClusterRole/${role}`), role).toBe(present);
        const bindings = objects.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === role);
        expect(bindings.map((b) => b.metadata.namespace)).toEqual(present ? ['shop', 'payments'] : []);
        for (const binding of bindings) {
          expect(binding.roleRef).toEqual({
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'ClusterRole',
            name: role,
          });
          expect(binding.subjects).toEqual([
            { kind: 'ServiceAccount', name: component, namespace: 'nimbus-system' },
          ]);
        }
      }
      // Neither Clair component may read a Secret cluster-wide.
      const everything = await renderChart(helm);
      for (const name of ['nimbus-clair', 'nimbus-admission']) {
        const role = find(everything, 'ClusterRole', name);
        const rules = (role.rules ?? []) as { resources?: string[]; resourceNames?: string[] }[];
        expect(
          rules.filter((r) => r.resources?.includes('secrets')),
          name,
        ).toEqual([]);
      }
    },
  );

  it('objects go into the release namespace, and bindings name it', async () => {
    const objects = await renderChart(helm, {}, 'security');
    for (const o of objects.filter(
      (o) => !o.kind.startsWith('Cluster') && o.kind !== 'CustomResourceDefinition',
    )) {
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('security');
    }
    for (const b of objects.filter((o) => o.kind.endsWith('RoleBinding'))) {
      expect(b.subjects, b.metadata.name).toEqual([
        { kind: 'ServiceAccount', name: b.subjects[0].name, namespace: 'security' },
      ]);
    }
  });
});

describe('the packaged chart', () => {
  it('helm package keeps every file the templates read: the .tgz renders what the directory renders', async () => {
    const out = await mkdtemp(join(tmpdir(), 'chart-package-'));
    const said = await runHelm(helm, ['package', CHART_DIR, '-d', out]);
    const archive = join(out, 'nimbus-ts-0.1.0.tgz');
    expect(said).toContain(archive);
    const fromArchive = parseManifest(
      await runHelm(helm, ['template', 'nimbus-ts', archive, '-n', 'nimbus-system']),
    );
    expect(fromArchive).toEqual(await renderChart(helm));
    expect(fromArchive.filter((o) => o.kind === 'CustomResourceDefinition')).toHaveLength(9);
  });
});

describe('CRDs', () => {
  it('are kept on uninstall by default (helm.sh/resource-policy: keep)', async () => {
    const crds = (await renderChart(helm)).filter((o) => o.kind === 'CustomResourceDefinition');
    expect(crds).toHaveLength(9);
    for (const crd of crds) expect(crd.metadata.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
  });

  it('crds.keep=false leaves the annotation out; crds.install=false leaves the CRDs out', async () => {
    const unkept = (await renderChart(helm, { crds: { keep: false } })).filter(
      (o) => o.kind === 'CustomResourceDefinition',
    );
    expect(unkept).toHaveLength(9);
    for (const crd of unkept) expect(crd.metadata.annotations).toBeUndefined();
    const none = await renderChart(helm, { crds: { install: false } });
    expect(none.filter((o) => o.kind === 'CustomResourceDefinition')).toEqual([]);
    expect(keys(none)).toContain('Deployment/nimbus-core-operator');
  });
});

describe('images', () => {
  it.each(COMPONENTS)(
    '%s: the tag defaults to the appVersion; a tag replaces it; a digest wins over both',
    async (c) => {
      const name = DEPLOYMENTS[c];
      const i = COMPONENTS.indexOf(c);
      const repository =
        c === 'admission' ? 'ghcr.io/nimbus-ts/nimbus-admission' : `ghcr.io/nimbus-ts/${name}`;
      const image = async (values: object) => {
        const deployment = find(await renderChart(helm, values), 'Deployment', name);
        return { image: container(deployment).image, policy: container(deployment).imagePullPolicy };
      };
      const POLICIES = ['Always', 'IfNotPresent', 'Never'];
      expect(await image({})).toEqual({ image: `${repository}:0.1.0`, policy: undefined });
      expect(
        await image(everyComponent((j) => ({ image: { tag: `0.2.${j}`, pullPolicy: POLICIES[j % 3] } }))),
      ).toEqual({ image: `${repository}:0.2.${i}`, policy: POLICIES[i % 3] });
      expect(
        await image(
          everyComponent((j) => ({
            image: { repository: `registry.example/nimbus-${j}`, tag: `0.2.${j}`, digest: digest(j) },
          })),
        ),
      ).toEqual({ image: `registry.example/nimbus-${i}@${digest(i)}`, policy: undefined });
    },
  );

  it('pull secrets: the global ones, then the component its own', async () => {
    const objects = await renderChart(helm, {
      imagePullSecrets: [{ name: 'everyone' }],
      netpolAdapter: { imagePullSecrets: [{ name: 'netpol-only' }] },
    });
    expect(find(objects, 'Deployment', 'nimbus-netpol').spec.template.spec.imagePullSecrets).toEqual([
      { name: 'everyone' },
      { name: 'netpol-only' },
    ]);
    expect(find(objects, 'Deployment', 'nimbus-core-operator').spec.template.spec.imagePullSecrets).toEqual([
      { name: 'everyone' },
    ]);
    expect(
      find(await renderChart(helm), 'Deployment', 'nimbus-core-operator').spec.template.spec.imagePullSecrets,
    ).toBeUndefined();
  });
});

describe('pods', () => {
  it.each(COMPONENTS)(
    '%s: replicas, resources, scheduling, annotations and labels reach the Deployment',
    async (c) => {
      const LOG_LEVELS = ['debug', 'warn', 'error'];
      const valuesOf = (i: number) => ({
        replicas: 3 + i,
        logLevel: LOG_LEVELS[i % 3],
        resources: { requests: { cpu: '1', memory: `${1 + i}Gi` }, limits: { cpu: '2', memory: '2Gi' } },
        nodeSelector: { 'kubernetes.io/os': 'linux', component: String(i) },
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: `security-${i}`, effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
        topologySpreadConstraints: [
          { maxSkew: 2 + i, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
        ],
        podAnnotations: { 'example.com/a': `b-${i}` },
        podLabels: { team: `security-${i}` },
      });
      const i = COMPONENTS.indexOf(c);
      const values = valuesOf(i);
      const deployment = find(
        await renderChart(helm, everyComponent(valuesOf)),
        'Deployment',
        DEPLOYMENTS[c],
      );
      const pod = deployment.spec.template;
      expect(deployment.spec.replicas).toBe(3 + i);
      expect(container(deployment).resources).toEqual(values.resources);
      expect(envOf(deployment).LOG_LEVEL).toBe(values.logLevel);
      expect(pod.spec).toMatchObject({
        nodeSelector: values.nodeSelector,
        tolerations: values.tolerations,
        affinity: values.affinity,
        topologySpreadConstraints: values.topologySpreadConstraints,
      });
      expect(pod.metadata.annotations).toEqual(values.podAnnotations);
      // Extra labels add to the selector's, never replace them.
      expect(pod.metadata.labels).toMatchObject({
        team: `security-${i}`,
        'app.kubernetes.io/name': DEPLOYMENTS[c],
      });
      expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': DEPLOYMENTS[c] });
    },
  );

  it.each(COMPONENTS)('%s: extra args and env come after the chart own', async (c) => {
    const i = COMPONENTS.indexOf(c);
    const deployment = find(
      await renderChart(
        helm,
        everyComponent((j) => ({
          extraArgs: [`--resync=${10 + j}m`],
          extraEnv: [
            { name: 'CONCURRENCY', value: String(8 + j) },
            { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: `s-${j}`, key: 'k' } } },
          ],
        })),
      ),
      'Deployment',
      DEPLOYMENTS[c],
    );
    const args = container(deployment).args as string[];
    // Every component elects (the admission webhook serves on every replica anyway; only its builder waits).
    expect(args).toEqual(['--leader-elect=true', `--resync=${10 + i}m`]);
    const env = container(deployment).env as { name: string }[];
    expect(env.slice(0, 3).map((e) => e.name)).toEqual(['POD_NAME', 'POD_NAMESPACE', 'LOG_LEVEL']);
    expect(env.slice(-2)).toEqual([
      { name: 'CONCURRENCY', value: String(8 + i) },
      { name: 'FROM_SECRET', valueFrom: { secretKeyRef: { name: `s-${i}`, key: 'k' } } },
    ]);
  });

  it.each(COMPONENTS)('%s: hardened by default (non-root 65532, read-only root, probes)', async (c) => {
    const deployment = find(await renderChart(helm), 'Deployment', DEPLOYMENTS[c]);
    expect(deployment.spec.template.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container(deployment)).toMatchObject({
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
      livenessProbe: { httpGet: { path: '/healthz', port: 'probes' } },
      readinessProbe: { httpGet: { path: '/readyz', port: 'probes' } },
    });
  });
});

describe('PodDisruptionBudgets and metrics Services', () => {
  it.each(COMPONENTS)(
    '%s: a PDB with minAvailable, or maxUnavailable when set; none when disabled',
    async (c) => {
      const name = DEPLOYMENTS[c];
      const i = COMPONENTS.indexOf(c);
      const pdb = async (values: object) =>
        (await renderChart(helm, values)).find(
          (o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === name,
        )?.spec;
      const selector = { matchLabels: { 'app.kubernetes.io/name': name } };
      expect(
        await pdb(
          everyComponent((j) => ({ podDisruptionBudget: { enabled: true, minAvailable: `${50 + j}%` } })),
        ),
      ).toEqual({ minAvailable: `${50 + i}%`, selector });
      expect(
        await pdb(everyComponent((j) => ({ podDisruptionBudget: { enabled: true, maxUnavailable: 1 + j } }))),
      ).toEqual({ maxUnavailable: 1 + i, selector });
      // Off for this component only: the others keep theirs, so it cannot be another's switch that turns it off.
      expect(await pdb({ [c]: { podDisruptionBudget: { enabled: false } } })).toBeUndefined();
    },
  );

  it.each(COMPONENTS)(
    '%s: the metrics Service carries its annotations, and goes when disabled',
    async (c) => {
      const name = `${DEPLOYMENTS[c]}-metrics`;
      const i = COMPONENTS.indexOf(c);
      const annotated = find(
        await renderChart(
          helm,
          everyComponent((j) => ({
            metricsService: { annotations: { 'prometheus.io/scrape': 'true', n: `${j}` } },
          })),
        ),
        'Service',
        name,
      );
      expect(annotated.metadata.annotations).toEqual({ 'prometheus.io/scrape': 'true', n: `${i}` });
      expect(annotated.spec.ports).toEqual([{ name: 'metrics', port: 8080, targetPort: 'metrics' }]);
      expect(keys(await renderChart(helm, { [c]: { metricsService: { enabled: false } } }))).not.toContain(
        `Service/${name}`,
      );
    },
  );
});

describe('Clair settings', () => {
  it('reach the scanner and the webhook alike', async () => {
    const objects = await renderChart(helm, {
      clair: {
        url: 'https://clair.example:8443',
        psk: { secretName: 'my-psk', secretKey: 'key', issuer: 'me' },
        insecureRegistries: ['registry.local:5000', 'other.local'],
        scanConcurrency: 8,
      },
    });
    for (const name of ['nimbus-clair', 'nimbus-admission']) {
      const deployment = find(objects, 'Deployment', name);
      expect(envOf(deployment), name).toMatchObject({
        CLAIR_URL: 'https://clair.example:8443',
        CLAIR_PSK_KEY_FILE: '/etc/nimbus-clair/psk/psk',
        CLAIR_PSK_ISSUER: 'me',
        INSECURE_REGISTRIES: 'registry.local:5000,other.local',
        SCAN_CONCURRENCY: '8',
      });
      // The PSK by reference only: a Secret volume, never a value in the manifest.
      expect(deployment.spec.template.spec.volumes, name).toEqual([
        {
          name: 'psk',
          secret: {
            secretName: 'my-psk',
            items: [{ key: 'key', path: 'psk' }],
            defaultMode: 0o440,
            optional: true,
          },
        },
      ]);
    }
  });

  it('without a PSK Secret: no key file, no volume (the notifier, which needs the key, must be off)', async () => {
    const objects = await renderChart(helm, {
      clair: { psk: { secretName: '' } },
      clairScanner: { notifier: { enabled: false } },
    });
    for (const name of ['nimbus-clair', 'nimbus-admission']) {
      const deployment = find(objects, 'Deployment', name);
      expect(envOf(deployment), name).not.toHaveProperty('CLAIR_PSK_KEY_FILE');
      expect(deployment.spec.template.spec.volumes, name).toBeUndefined();
      expect(container(deployment).volumeMounts, name).toBeUndefined();
    }
    await expect(renderChart(helm, { clair: { psk: { secretName: '' } } })).rejects.toThrow(
      /clairScanner\.notifier\.enabled needs clair\.psk\.secretName.*Fix: /,
    );
  });

  it('scanner: namespaces to scan and to skip, joined as the adapter reads them', async () => {
    const scanner = find(
      await renderChart(helm, {
        clairScanner: { scanNamespaces: ['shop', 'pay'], scanExcludeNamespaces: ['kube-*', 'tmp-?'] },
      }),
      'Deployment',
      'nimbus-clair',
    );
    expect(envOf(scanner)).toMatchObject({
      SCAN_NAMESPACES: 'shop,pay',
      SCAN_EXCLUDE_NAMESPACES: 'kube-*,tmp-?',
    });
  });

  it('scanner: the notifier receiver, over TLS with a Secret, or off', async () => {
    const tls = await renderChart(helm, {
      clairScanner: { notifier: { port: 9443, tlsSecretName: 'notifier-tls' } },
    });
    const scanner = find(tls, 'Deployment', 'nimbus-clair');
    expect(envOf(scanner)).toMatchObject({
      CLAIR_NOTIFIER_PORT: '9443',
      CLAIR_NOTIFIER_TLS_CERT_FILE: '/etc/nimbus-clair/notifier-tls/tls.crt',
      CLAIR_NOTIFIER_TLS_KEY_FILE: '/etc/nimbus-clair/notifier-tls/tls.key',
    });
    expect(container(scanner).ports).toContainEqual({ name: 'notifier', containerPort: 9443 });
    expect(scanner.spec.template.spec.volumes).toContainEqual({
      name: 'notifier-tls',
      secret: { secretName: 'notifier-tls', defaultMode: 0o440 },
    });
    expect(find(tls, 'Service', 'nimbus-clair-notifier').spec.ports).toEqual([
      { name: 'notifier', port: 9443, targetPort: 'notifier' },
    ]);

    const off = await renderChart(helm, {
      clairScanner: { notifier: { enabled: false, tlsSecretName: 'ignored' } },
    });
    const quiet = find(off, 'Deployment', 'nimbus-clair');
    expect(Object.keys(envOf(quiet)).filter((n) => n.startsWith('CLAIR_NOTIFIER'))).toEqual([]);
    expect(container(quiet).ports.map((p: { name: string }) => p.name)).toEqual(['metrics', 'probes']);
    expect(quiet.spec.template.spec.volumes.map((v: { name: string }) => v.name)).toEqual(['psk']);
    expect(keys(off)).not.toContain('Service/nimbus-clair-notifier');
  });

  it('webhook: failure policy, timeout and platform', async () => {
    const webhook = find(
      await renderChart(helm, {
        admission: { failurePolicy: 'Ignore', timeoutSeconds: 5, admissionPlatform: 'linux/arm64/v8' },
      }),
      'Deployment',
      'nimbus-admission',
    );
    expect(envOf(webhook)).toMatchObject({
      WEBHOOK_FAILURE_POLICY: 'Ignore',
      WEBHOOK_TIMEOUT_SECONDS: '5',
      ADMISSION_PLATFORM: 'linux/arm64/v8',
    });
  });
});

describe('the webhook NetworkPolicy', () => {
  it('admits the API server peers given to the webhook port only, and can be turned off', async () => {
    const peers = [
      { ipBlock: { cidr: '172.18.0.0/16' } },
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'konnectivity-agent' } },
      },
    ];
    const policy = find(
      await renderChart(helm, { admission: { networkPolicy: { apiServer: peers } } }),
      'NetworkPolicy',
      'nimbus-admission',
    );
    expect(policy.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'nimbus-admission' } },
      policyTypes: ['Ingress'],
      ingress: [
        { from: peers, ports: [{ protocol: 'TCP', port: 'webhook' }] },
        { ports: [{ protocol: 'TCP', port: 'metrics' }] },
      ],
    });
    const off = await renderChart(helm, { admission: { networkPolicy: { enabled: false } } });
    expect(keys(off)).not.toContain('NetworkPolicy/nimbus-admission');
  });
});

describe('values.schema.json', () => {
  it.each([
    { values: { coreOperator: { replica: 1 } }, names: /at '\/coreOperator'.*'replica'/ },
    { values: { crds: { instal: false } }, names: /at '\/crds'.*'instal'/ },
    {
      values: { clairScanner: { notifier: { tlsSecret: 'x' } } },
      names: /at '\/clairScanner\/notifier'.*'tlsSecret'/,
    },
    {
      values: { netpolAdapter: { resources: { request: { cpu: '1' } } } },
      names: /netpolAdapter\/resources'.*'request'/,
    },
    { values: { clairWebhok: {} }, names: /'clairWebhok'/ },
  ])('rejects a misspelt key and names it: $names', async ({ values, names }) => {
    const error = await renderChart(helm, values).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(HelmCommandError);
    expect((error as HelmCommandError).stderr).toMatch(/values don't meet the specifications of the schema/);
    expect((error as HelmCommandError).stderr).toMatch(names);
  });

  it.each([
    { values: { coreOperator: { replicas: -1 } }, names: /coreOperator\/replicas/ },
    { values: { kubearmorAdapter: { logLevel: 'verbose' } }, names: /kubearmorAdapter\/logLevel/ },
    { values: { admission: { timeoutSeconds: 60 } }, names: /admission\/timeoutSeconds/ },
    { values: { clairScanner: { image: { digest: 'latest' } } }, names: /clairScanner\/image\/digest/ },
    { values: { clair: { url: 'clair:6060' } }, names: /clair\/url/ },
  ])('rejects a value of the wrong shape and names it: $names', async ({ values, names }) => {
    await expect(renderChart(helm, values)).rejects.toThrow(names);
  });
});
