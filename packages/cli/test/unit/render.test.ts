import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { SYNTHETIC_UID_PREFIX, syntheticUid } from '../../src/index.js';
import { fixture, NETPOL_ADAPTER, run } from '../helpers.js';

// `nimbus render` on SecurityIntents and bindings written from the upstream reference's facts, compared with
// the objects upstream's operator and adapters create (names <np>-<id>, escapeToHost's three policies, content).

const API = 'intent.security.nimbus.com/v1alpha1';
const KSP_API = 'security.kubearmor.com/v1';

/** The documents of a multi-document YAML text, as data. */
function documents(text: string): Record<string, unknown>[] {
  return parseAllDocuments(text).map((d) => d.toJS() as Record<string, unknown>);
}

/** The `# ...` header line of every document. */
function headers(text: string): string[] {
  return text.split('\n').filter((line) => line.startsWith('# '));
}

const owner = (kind: string, name: string, uid: string) => ({
  apiVersion: API,
  kind,
  name,
  uid,
  controller: true,
  blockOwnerDeletion: true,
});

const SW_DEPLOYMENT_TOOLS = [
  '/usr/bin/apt',
  '/usr/bin/apt-get',
  '/sbin/apk',
  '/bin/apt-get',
  '/bin/apt',
  '/usr/bin/dpkg',
  '/bin/dpkg',
  '/usr/bin/gdebi',
  '/bin/gdebi',
  '/usr/bin/make',
  '/bin/make',
  '/usr/bin/yum',
  '/bin/yum',
  '/usr/bin/rpm',
  '/bin/rpm',
  '/usr/bin/dnf',
  '/bin/dnf',
  '/usr/bin/pacman',
  '/usr/sbin/pacman',
  '/bin/pacman',
  '/sbin/pacman',
  '/usr/bin/makepkg',
  '/usr/sbin/makepkg',
  '/bin/makepkg',
  '/sbin/makepkg',
  '/usr/bin/yaourt',
  '/usr/sbin/yaourt',
  '/bin/yaourt',
  '/sbin/yaourt',
  '/usr/bin/zypper',
  '/bin/zypper',
  '/usr/bin/curl',
  '/bin/curl',
  '/usr/local/bin/curl',
  '/usr/bin/wget',
  '/bin/wget',
  '/usr/local/bin/curl',
].map((path) => ({ path }));

// The Kyverno adapter reads the Clair adapter's VulnerabilityReports (for virtualPatch); render says it has none.
const KYVERNO_INPUT_NOTE =
  'nimbus render: note: adapter kyverno: it reads VulnerabilityReport objects from the cluster; none are in the input, so its objects are built as if the cluster had none\n';

describe('nimbus render on upstream example SecurityIntents and bindings', () => {
  it("renders escapeToHost's NimbusPolicy and the three KubeArmorPolicies upstream creates", async () => {
    // --owner-references: the objects exactly as the operator and the adapter write them, made-up UIDs and all.
    const { code, stdout, stderr } = await run([
      'render',
      '-f',
      fixture('upstream/escape-to-host-si-sib.yaml'),
      '--owner-references',
    ]);
    expect(stderr).toBe(KYVERNO_INPUT_NOTE);
    expect(code).toBe(0);

    const sibUid = syntheticUid('SecurityIntentBinding', 'default', 'escape-to-host-binding');
    const npUid = syntheticUid('NimbusPolicy', 'default', 'escape-to-host-binding');
    const ksp = (suffix: string, sections: Record<string, unknown>) => ({
      apiVersion: KSP_API,
      kind: 'KubeArmorPolicy',
      metadata: {
        name: `escape-to-host-binding-escapetohost-${suffix}`,
        namespace: 'default',
        annotations: { 'app.kubernetes.io/managed-by': 'nimbus-kubearmor' },
        ownerReferences: [owner('NimbusPolicy', 'escape-to-host-binding', npUid)],
      },
      spec: {
        selector: { matchLabels: { env: 'prod' } },
        process: {},
        file: {},
        network: {},
        capabilities: {},
        syscalls: {},
        ...sections,
        // The API server defaults the intent's severity to Low, which KubeArmor grades 3.
        severity: 3,
        message: 'Keep workloads inside their container boundary',
        action: 'Block',
      },
    });
    expect(documents(stdout)).toEqual([
      {
        apiVersion: API,
        kind: 'NimbusPolicy',
        metadata: {
          name: 'escape-to-host-binding',
          namespace: 'default',
          ownerReferences: [owner('SecurityIntentBinding', 'escape-to-host-binding', sibUid)],
          uid: npUid,
        },
        spec: {
          selector: { matchLabels: { env: 'prod' } },
          rules: [
            {
              id: 'escapeToHost',
              description: 'Keep workloads inside their container boundary',
              severity: 'Low',
              rule: { action: 'Block' },
            },
          ],
        },
      },
      ksp('disallowchroot', {
        process: { matchPaths: [{ path: '/usr/sbin/chroot' }, { path: '/sbin/chroot' }] },
      }),
      ksp('disallowcapabilities', {
        capabilities: {
          matchCapabilities: ['sys_admin', 'sys_ptrace', 'sys_module', 'dac_read_search', 'dac_override'].map(
            (capability) => ({ capability }),
          ),
        },
      }),
      ksp('swdeploymenttools', { process: { matchPaths: SW_DEPLOYMENT_TOOLS } }),
      // Upstream's Kyverno adapter adds a Pod Security Standard under the same name.
      {
        apiVersion: 'kyverno.io/v1',
        kind: 'Policy',
        metadata: {
          name: 'escape-to-host-binding-escapetohost',
          namespace: 'default',
          annotations: {
            'policies.kyverno.io/description': 'Keep workloads inside their container boundary',
            'app.kubernetes.io/managed-by': 'nimbus-kyverno',
          },
          ownerReferences: [owner('NimbusPolicy', 'escape-to-host-binding', npUid)],
        },
        spec: {
          // Kyverno's CRD defaults, written out so that the stored policy equals the built one.
          admission: true,
          emitWarning: false,
          validationFailureAction: 'Enforce',
          background: true,
          rules: [
            {
              name: 'pod-security-standard',
              skipBackgroundRequests: true,
              match: {
                any: [{ resources: { kinds: ['v1/Pod'], selector: { matchLabels: { env: 'prod' } } } }],
              },
              validate: {
                allowExistingViolations: true,
                failureAction: 'Enforce',
                podSecurity: { level: 'baseline', version: 'latest' },
              },
            },
          ],
        },
      },
    ]);
    expect(headers(stdout)).toEqual([
      '# core-operator: NimbusPolicy/escape-to-host-binding from SecurityIntentBinding default/escape-to-host-binding',
      '# kubearmor: KubeArmorPolicy/escape-to-host-binding-escapetohost-disallowchroot from NimbusPolicy default/escape-to-host-binding',
      '# kubearmor: KubeArmorPolicy/escape-to-host-binding-escapetohost-disallowcapabilities from NimbusPolicy default/escape-to-host-binding',
      '# kubearmor: KubeArmorPolicy/escape-to-host-binding-escapetohost-swdeploymenttools from NimbusPolicy default/escape-to-host-binding',
      '# kyverno: Policy/escape-to-host-binding-escapetohost from NimbusPolicy default/escape-to-host-binding',
    ]);
  });

  it('prints the objects as kubectl apply takes them by default: no made-up UIDs, no owner references to them', async () => {
    const escapeToHost = fixture('upstream/escape-to-host-si-sib.yaml');
    const { code, stdout, stderr } = await run(['render', '-f', escapeToHost]);
    expect(stderr).toBe(KYVERNO_INPUT_NOTE);
    expect(code).toBe(0);
    const withOwners = documents((await run(['render', '-f', escapeToHost, '--owner-references'])).stdout);
    expect(withOwners).toHaveLength(5);
    // The same objects, less the references to a binding and a policy that do not exist until applied: with
    // them, the garbage collector would delete every object soon after kubectl created it.
    expect(documents(stdout)).toEqual(
      withOwners.map((o) => {
        const { uid: _, ownerReferences: __, ...metadata } = o.metadata as Record<string, unknown>;
        return { ...o, metadata };
      }),
    );
    expect(stdout).not.toContain('uid:');
    expect(headers(stdout)).toEqual(
      headers((await run(['render', '-f', escapeToHost, '--owner-references'])).stdout),
    );
  });

  it('keeps owner references to objects exported from a cluster, with their real UIDs', async () => {
    const exported = readFileSync(fixture('upstream/escape-to-host-si-sib.yaml'), 'utf8').replace(
      'name: escape-to-host-binding\n',
      'name: escape-to-host-binding\n  uid: 6c1f0d2e-8a3b-4c5d-9e7f-0a1b2c3d4e5f\n  resourceVersion: "812"\n',
    );
    const { code, stdout } = await run(['render', '-f', '-'], { stdin: exported });
    expect(code).toBe(0);
    const docs = documents(stdout) as { kind: string; metadata: Record<string, unknown> }[];
    expect(docs[0]?.metadata.ownerReferences).toEqual([
      owner('SecurityIntentBinding', 'escape-to-host-binding', '6c1f0d2e-8a3b-4c5d-9e7f-0a1b2c3d4e5f'),
    ]);
    // The NimbusPolicy itself is rendered, so its UID is made up: the KubeArmorPolicies reference nothing.
    expect(docs.slice(1).map((d) => `${d.kind} ${d.metadata.ownerReferences ?? 'no owner'}`)).toEqual([
      'KubeArmorPolicy no owner',
      'KubeArmorPolicy no owner',
      'KubeArmorPolicy no owner',
      'Policy no owner',
    ]);
  });

  it('gives bindings and policies deterministic, obviously fake UIDs with --owner-references', async () => {
    const first = await run(['render', '-f', fixture('upstream/'), '--owner-references']);
    const second = await run(['render', '-f', fixture('upstream/'), '--owner-references']);
    expect(second.stdout).toBe(first.stdout);
    const uids = [...first.stdout.matchAll(/uid: (\S+)/g)].map((m) => m[1]);
    expect(uids.length).toBeGreaterThan(0);
    for (const uid of uids) expect(uid).toMatch(/^00000000-0000-0000-0000-[0-9a-f]{12}$/);
    expect(SYNTHETIC_UID_PREFIX).toBe('00000000-0000-0000-0000-');
  });

  it('renders one KubeArmorPolicy per runtime intent and the NetworkPolicies, named <np>-<id>', async () => {
    // The netpol example is a third-party adapter to the CLI: loaded by path, used besides the built-ins.
    const { code, stdout, stderr } = await run([
      'render',
      '-f',
      fixture('upstream/multiple-si-sib.yaml'),
      '--adapter',
      NETPOL_ADAPTER,
    ]);
    expect(code).toBe(0);
    const docs = documents(stdout) as {
      kind: string;
      metadata: { name: string; namespace: string };
      spec: Record<string, unknown>;
    }[];
    expect(docs.map((d) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`)).toEqual([
      'NimbusPolicy/web/nginx-binding',
      'KubeArmorPolicy/web/nginx-binding-dnsmanipulation',
      'KubeArmorPolicy/web/nginx-binding-swdeploymenttools',
      'KubeArmorPolicy/web/nginx-binding-unauthorizedsatokenaccess',
      'KubeArmorPolicy/web/nginx-binding-preventexecutionfromtemporlogsfolders',
      'Policy/web/nginx-binding-mutateoncreate',
      'Policy/web/nginx-binding-mutateexisting',
      'NetworkPolicy/web/nginx-binding-dnsmanipulation',
      'NetworkPolicy/web/nginx-binding-denyexternalnetworkaccess',
    ]);
    const spec = (name: string) =>
      docs.find((d) => d.metadata.name === name && d.kind !== 'NimbusPolicy')?.spec;
    const common = { selector: { matchLabels: { app: 'nginx' } }, network: {}, syscalls: {} };
    expect(spec('nginx-binding-dnsmanipulation')).toEqual({
      ...common,
      process: {},
      file: { matchPaths: [{ path: '/etc/resolv.conf', readOnly: true }] },
      capabilities: {},
      severity: 3,
      message: 'Resolver settings must not be rewritten',
      action: 'Block',
    });
    expect(spec('nginx-binding-swdeploymenttools')).toEqual({
      ...common,
      process: { matchPaths: SW_DEPLOYMENT_TOOLS },
      file: {},
      capabilities: {},
      severity: 7,
      message: 'No package managers at run time',
      action: 'Audit',
    });
    expect(spec('nginx-binding-unauthorizedsatokenaccess')).toEqual({
      ...common,
      process: {},
      file: { matchDirectories: [{ dir: '/run/secrets/kubernetes.io/serviceaccount/', recursive: true }] },
      capabilities: {},
      severity: 3,
      action: 'Block',
    });
    expect(spec('nginx-binding-preventexecutionfromtemporlogsfolders')).toEqual({
      ...common,
      process: {
        action: 'Audit',
        matchDirectories: ['/var/tmp/', '/tmp/', '/var/log/', '/app/logs/', '/logs/', '/etc/'].map((dir) => ({
          dir,
          recursive: true,
        })),
      },
      file: {},
      capabilities: {},
      severity: 3,
      action: 'Audit',
    });
    const dnsPeer = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    };
    const dnsPorts = [
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ];
    const netpols = docs.filter((d) => d.kind === 'NetworkPolicy');
    expect(netpols[0]?.spec).toEqual({
      podSelector: { matchLabels: { app: 'nginx' } },
      policyTypes: ['Egress'],
      egress: [{ to: [dnsPeer], ports: dnsPorts }],
    });
    const privateRanges = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((cidr) => ({
      ipBlock: { cidr },
    }));
    expect(netpols[1]?.spec).toEqual({
      podSelector: { matchLabels: { app: 'nginx' } },
      policyTypes: ['Egress', 'Ingress'],
      ingress: [{ from: privateRanges }],
      egress: [{ to: [dnsPeer], ports: dnsPorts }, { to: privateRanges }],
    });
    expect(netpols[0]).toMatchObject({
      metadata: { annotations: { 'app.kubernetes.io/managed-by': 'nimbus-netpol' } },
    });
    // cocoWorkload is rendered by the built-in Kyverno adapter now: no note that no adapter enforces it.
    expect(stderr).not.toContain('rule cocoWorkload');
    expect(stderr).toContain('nimbus render: note: adapter netpol: it reads Node objects from the cluster');
  });

  it("adds the nodes' pod networks when Node objects are in the input", async () => {
    const nodes = `apiVersion: v1
kind: Node
metadata: {name: node-b}
spec: {podCIDR: 10.244.1.0/24}
---
apiVersion: v1
kind: Node
metadata: {name: node-a}
spec: {podCIDRs: [10.244.0.0/24]}
`;
    const { stdout, stderr } = await run(
      [
        'render',
        '-f',
        fixture('upstream/multiple-si-sib.yaml'),
        '-f',
        '-',
        '--adapter',
        NETPOL_ADAPTER,
        '--adapter',
        'netpol',
        '-o',
        'rendering',
      ],
      { stdin: nodes },
    );
    const rendering = JSON.parse(stdout) as {
      policies: { objects: { adapter: string; object: { spec: { egress: { to: unknown[] }[] } } }[] }[];
    };
    const objects = rendering.policies[0]?.objects ?? [];
    expect(objects.map((o) => o.adapter)).toEqual(['netpol', 'netpol']);
    expect(objects[0]?.object.spec.egress[0]?.to.slice(0, 2)).toEqual([
      { ipBlock: { cidr: '10.244.0.0/24' } },
      { ipBlock: { cidr: '10.244.1.0/24' } },
    ]);
    expect(stderr).toBe('');
  });
});

describe('nimbus render of cluster bindings', () => {
  const csib = fixture('upstream/csib-match-names.yaml');

  it('renders the ClusterNimbusPolicy and says the fan-out needs namespaces', async () => {
    const { code, stdout, stderr } = await run(['render', '-f', csib, '-o', 'table']);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'SOURCE                                        POLICY                               ADAPTER   OBJECT',
        'ClusterSecurityIntentBinding dns-everywhere   ClusterNimbusPolicy dns-everywhere   -         (none)',
        '',
      ].join('\n'),
    );
    expect(stderr).toContain(
      "warning: ClusterSecurityIntentBinding dns-everywhere: the fan-out needs the cluster's namespaces: the operator writes NimbusPolicy nimbus-ctlr-gen-dns-everywhere into each target namespace; pass --namespaces a,b or add Namespace objects to the input",
    );
  });

  it('fans out into the matching namespaces given with --namespaces, never kube-system', async () => {
    const { code, stdout } = await run([
      'render',
      '-f',
      csib,
      '--namespaces',
      'dev,prod',
      '--namespaces',
      'staging,kube-system',
      '--adapter',
      NETPOL_ADAPTER,
      '--owner-references',
    ]);
    expect(code).toBe(0);
    const docs = documents(stdout) as {
      kind: string;
      metadata: { name: string; namespace?: string; ownerReferences: { kind: string; uid: string }[] };
    }[];
    expect(docs.map((d) => `${d.kind} ${d.metadata.namespace ?? ''}/${d.metadata.name}`)).toEqual([
      'ClusterNimbusPolicy /dns-everywhere',
      'NimbusPolicy dev/nimbus-ctlr-gen-dns-everywhere',
      'KubeArmorPolicy dev/nimbus-ctlr-gen-dns-everywhere-dnsmanipulation',
      'NetworkPolicy dev/nimbus-ctlr-gen-dns-everywhere-dnsmanipulation',
      'NimbusPolicy staging/nimbus-ctlr-gen-dns-everywhere',
      'KubeArmorPolicy staging/nimbus-ctlr-gen-dns-everywhere-dnsmanipulation',
      'NetworkPolicy staging/nimbus-ctlr-gen-dns-everywhere-dnsmanipulation',
    ]);
    const csibUid = syntheticUid('ClusterSecurityIntentBinding', undefined, 'dns-everywhere');
    expect(docs[0]?.metadata.ownerReferences).toEqual([
      owner('ClusterSecurityIntentBinding', 'dns-everywhere', csibUid),
    ]);
    expect(docs[1]?.metadata.ownerReferences[0]?.uid).toBe(csibUid);
  });

  it('reads the namespaces from Namespace objects in the input', async () => {
    const { stdout } = await run(['render', '-f', csib, '-f', '-', '-o', 'table'], {
      stdin: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: staging}\n',
    });
    expect(stdout).toContain('NimbusPolicy staging/nimbus-ctlr-gen-dns-everywhere');
    expect(stdout).not.toContain('dev/');
  });

  it('exits 1 for a binding the operator would mark ValidationFail', async () => {
    const { code, stdout, stderr } = await run(['render', '-f', '-'], {
      stdin: `apiVersion: ${API}
kind: ClusterSecurityIntentBinding
metadata: {name: both}
spec:
  intents: [{name: x}]
  selector: {nsSelector: {matchNames: [a], excludeNames: [b]}}
`,
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'nimbus render: error: ClusterSecurityIntentBinding both: the operator marks it ValidationFail and writes nothing: spec.selector.nsSelector: matchNames and excludeNames are both set',
    );
  });
});

describe('nimbus render of what cannot be known offline', () => {
  const celBinding = `apiVersion: ${API}
kind: SecurityIntent
metadata: {name: dns}
spec: {intent: {id: dnsManipulation, action: Block}}
---
apiVersion: ${API}
kind: SecurityIntentBinding
metadata: {name: by-cel, namespace: shop}
spec:
  intents: [{name: dns}]
  selector: {workloadSelector: {}}
  cel: ['labels["tier"] == "front"']
`;

  it('renders no NimbusPolicy for a CEL binding without pods, and says why', async () => {
    const { code, stdout, stderr } = await run(['render', '-f', '-'], { stdin: celBinding });
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'warning: SecurityIntentBinding shop/by-cel: spec.cel selects pods by their labels, which needs the pods of namespace shop: no NimbusPolicy rendered',
    );
  });

  it('resolves CEL against the Pods of the input, as the operator does against the cluster', async () => {
    const pods = ['front-1', 'back-1']
      .map(
        (name) =>
          `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: shop, labels: {tier: ${name.split('-')[0]}, app: shop}}\n`,
      )
      .join('');
    const { stdout, stderr } = await run(['render', '-f', '-', '-o', 'rendering'], {
      stdin: celBinding + pods,
    });
    const rendering = JSON.parse(stdout) as {
      policies: { policy: { spec: { selector: unknown } } }[];
      notes: { message: string }[];
    };
    expect(rendering.policies[0]?.policy.spec.selector).toEqual({
      matchLabels: { tier: 'front', app: 'shop' },
    });
    expect(rendering.notes.map((n) => n.message)).toContainEqual(
      expect.stringContaining('spec.cel resolved against 2 Pod(s)'),
    );
    expect(stderr).toBe('');
  });

  it('skips intents that are not in the input, as the operator skips missing ones', async () => {
    const { stdout, stderr } = await run(['render', '-f', '-'], {
      stdin: `apiVersion: ${API}
kind: SecurityIntentBinding
metadata: {name: lonely}
spec: {intents: [{name: elsewhere}], selector: {workloadSelector: {matchLabels: {app: x}}}}
`,
    });
    expect(stdout).toBe('');
    expect(stderr).toContain('SecurityIntent elsewhere not in the input');
    expect(stderr).toContain('none of its SecurityIntents is in the input: no NimbusPolicy');
  });

  it('refuses input with schema errors, printing them with file and line', async () => {
    const { code, stdout, stderr } = await run(['render', '-f', fixture('invalid/intents.yaml')]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      `${fixture('invalid/intents.yaml')}:18:13: SecurityIntent/bad-action: spec.intent.action: unsupported value "Deny"`,
    );
    expect(stderr).toContain('nimbus render: not rendered: the input has errors');
  });
});

describe('nimbus render output formats', () => {
  const escapeToHost = fixture('upstream/escape-to-host-si-sib.yaml');

  it('prints a table of source → policy → adapter → object', async () => {
    const { stdout } = await run(['render', '-f', escapeToHost, '-o', 'table']);
    expect(stdout).toBe(
      [
        'SOURCE                                                 POLICY                                        ADAPTER     OBJECT',
        'SecurityIntentBinding default/escape-to-host-binding   NimbusPolicy default/escape-to-host-binding   kubearmor   KubeArmorPolicy/escape-to-host-binding-escapetohost-disallowchroot',
        '                                                                                                                 KubeArmorPolicy/escape-to-host-binding-escapetohost-disallowcapabilities',
        '                                                                                                                 KubeArmorPolicy/escape-to-host-binding-escapetohost-swdeploymenttools',
        '                                                                                                     kyverno     Policy/escape-to-host-binding-escapetohost',
        '',
      ].join('\n'),
    );
  });

  it('prints a v1 List of the objects of the YAML stream with -o json, and the notes on stderr', async () => {
    const upstream = fixture('upstream/');
    const list = await run(['render', '-f', upstream, '-o', 'json', '--adapter', NETPOL_ADAPTER]);
    const yaml = await run(['render', '-f', upstream, '--adapter', NETPOL_ADAPTER]);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({
      apiVersion: 'v1',
      kind: 'List',
      items: documents(yaml.stdout),
    });
    expect(list.stderr).toBe(yaml.stderr);
    expect(list.stderr).toContain(
      'nimbus render: note: adapter netpol: it reads Node objects from the cluster',
    );
    const withOwners = await run(['render', '-f', upstream, '-o', 'json', '--owner-references']);
    expect(withOwners.stdout).toContain('"uid": "00000000-0000-0000-0000-');
  });

  it('prints -o rendering, JSON with the policies, their objects by adapter, and the notes', async () => {
    const { stdout, stderr } = await run([
      'render',
      '-f',
      fixture('upstream/'),
      '-o',
      'rendering',
      '--adapter',
      NETPOL_ADAPTER,
    ]);
    expect(stderr).toBe('');
    const rendering = JSON.parse(stdout) as {
      policies: {
        from: string;
        policy: { kind: string };
        objects: { adapter: string; object: { kind: string } }[];
      }[];
      notes: { severity: string; subject: string }[];
    };
    // Namespaced bindings first, then cluster bindings, each in input order (files by name).
    expect(rendering.policies.map((p) => `${p.from} -> ${p.policy.kind} (${p.objects.length})`)).toEqual([
      'SecurityIntentBinding default/escape-to-host-binding -> NimbusPolicy (4)',
      'SecurityIntentBinding web/nginx-binding -> NimbusPolicy (8)',
      'ClusterSecurityIntentBinding dns-everywhere -> ClusterNimbusPolicy (0)',
    ]);
    expect(rendering.notes.map((n) => `${n.severity} ${n.subject}`)).toEqual([
      'warning ClusterSecurityIntentBinding dns-everywhere',
      'note adapter kyverno',
      'note adapter netpol',
    ]);
  });

  it('uses -n for namespaced objects that name no namespace', async () => {
    const { stdout } = await run(['render', '-f', escapeToHost, '-n', 'prod', '-o', 'table']);
    expect(stdout).toContain('NimbusPolicy prod/escape-to-host-binding');
  });

  it('renders only the adapters asked for, and rejects unknown ones', async () => {
    const only = await run([
      'render',
      '-f',
      fixture('upstream/multiple-si-sib.yaml'),
      '--adapter',
      'kubearmor',
      '-o',
      'rendering',
    ]);
    const adapters = (
      JSON.parse(only.stdout) as { policies: { objects: { adapter: string }[] }[] }
    ).policies.flatMap((p) => p.objects.map((o) => o.adapter));
    expect(new Set(adapters)).toEqual(new Set(['kubearmor']));
    const unknown = await run(['render', '-f', escapeToHost, '--adapter', 'tetragon']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      '--adapter tetragon: no adapter of that name (known: kubearmor, clair, admission, kyverno, k8tls)',
    );
  });
});
