import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NimbusPolicy } from '@nimbus-ts/api';
import { BUILTIN_INTENTS, defaultRegistry } from '@nimbus-ts/idpool';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { AdapterRegistry, BUILTIN_ADAPTERS, type Diagnostic, type Rendering } from '../../src/index.js';
import { NETPOL_ADAPTER, netpolDeclaration, run } from '../helpers.js';

// The repository's examples/ are what users copy and what the demo applies: they must pass `nimbus validate
// --strict`, use every intent ID and parameter of the ID pool, bind each ID both ways, render into policies,
// and mean what their comments say (which namespaces the cluster bindings reach, which images admission refuses).

const EXAMPLES = fileURLToPath(new URL('../../../../examples/', import.meta.url));
const INTENTS_DIR = join(EXAMPLES, 'intents');
const BINDINGS_DIR = join(EXAMPLES, 'bindings');
const WORKLOADS_DIR = join(EXAMPLES, 'workloads');
const REJECTED_FILE = join(WORKLOADS_DIR, 'rejected-by-admission.yaml');
// The demo runs the netpol example too: the CLI loads it as any third-party adapter, by path.
const withNetpol = async () => new AdapterRegistry([...BUILTIN_ADAPTERS, await netpolDeclaration()]);

/**
 * IDs no example binds with a SecurityIntentBinding, and why that would make no sense. Every other ID must be
 * bound by at least one of each kind.
 */
const NOT_NAMESPACED: Readonly<Record<string, string>> = {
  assessTLS:
    'the k8tls adapter acts only on ClusterNimbusPolicies and scans the whole cluster; a SecurityIntentBinding ' +
    'would write a NimbusPolicy that no adapter reads',
};

/** IDs no example binds with a ClusterSecurityIntentBinding, and why. None: every ID makes sense cluster-wide. */
const NOT_CLUSTER_WIDE: Readonly<Record<string, string>> = {};

/** The namespaces `render` is told the cluster has, and where each cluster binding must fan out among them. */
const CLUSTER_NAMESPACES = ['default', 'demo', 'kube-system', 'nimbus-system', 'production', 'staging'];
const FAN_OUT: Readonly<Record<string, readonly string[]>> = {
  'shop-runtime-baseline': ['production', 'staging'],
  // excludeNames: every namespace but demo, nimbus-system and (always) kube-system.
  'backend-network-baseline': ['default', 'production', 'staging'],
  // matchNames ["*"]: every namespace but kube-system.
  'tls-assessment': ['default', 'demo', 'nimbus-system', 'production', 'staging'],
  'confidential-production': ['production'],
  'shop-image-baseline': ['default', 'production', 'staging'],
};

/** How each workload of examples/workloads fares at image admission: refused for one rule, or admitted. */
const ADMISSION_OUTCOME: Readonly<Record<string, 'admitted' | 'disallowLatestTag' | 'allowedRegistries'>> = {
  web: 'admitted',
  api: 'admitted',
  cache: 'admitted',
  report: 'admitted',
  'web-latest': 'disallowLatestTag',
  'web-untagged': 'disallowLatestTag',
  probe: 'allowedRegistries',
};

interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
}

interface ExampleObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly spec?: Record<string, unknown>;
  /** The file the object is written in. */
  readonly file: string;
}

interface IntentSpec {
  readonly id: string;
  readonly params?: Record<string, string[]>;
}

interface BindingSpec {
  readonly intents: { name: string }[];
  readonly selector?: { workloadSelector?: { matchLabels?: Record<string, string> } };
  readonly cel?: string[];
}

interface PodTemplate {
  readonly metadata?: { labels?: Record<string, string> };
  readonly spec: { containers: { name: string; image: string }[]; initContainers?: { image: string }[] };
}

/** The .yaml files of a directory, in name order. */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => join(dir, e.name))
    .sort();
}

/** Everything in a directory that is not a .yaml file: `nimbus validate -f DIR` would skip it unread. */
function notYaml(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.isFile() || !e.name.endsWith('.yaml'))
    .map((e) => join(dir, e.name));
}

function objectsOf(file: string): ExampleObject[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((doc) => doc.toJS() as Omit<ExampleObject, 'file'> | null)
    .filter((o): o is Omit<ExampleObject, 'file'> => o !== null)
    .map((o) => ({ ...o, file }));
}

const specOf = <T>(object: ExampleObject): T => object.spec as T;
const intentOf = (object: ExampleObject): IntentSpec => specOf<{ intent: IntentSpec }>(object).intent;

// Where each workload kind keeps the pod template its controller creates pods from.
const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['template'],
  StatefulSet: ['template'],
  DaemonSet: ['template'],
  Job: ['template'],
  CronJob: ['jobTemplate', 'spec', 'template'],
};

function podTemplateOf(workload: ExampleObject): PodTemplate | undefined {
  const path = POD_TEMPLATE_PATHS[workload.kind];
  if (path === undefined) return undefined;
  let node: unknown = workload.spec;
  for (const key of path) node = (node as Record<string, unknown> | undefined)?.[key];
  return node as PodTemplate;
}

/** A Pod as the workload's controller would create it: what CEL selectors are resolved against. */
function podOf(workload: ExampleObject): object | undefined {
  const template = podTemplateOf(workload);
  if (template === undefined) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${workload.metadata.name}-0`,
      namespace: workload.metadata.namespace,
      labels: template.metadata?.labels ?? {},
    },
    spec: template.spec,
  };
}

/** An image reference in Docker's normal form: registry host, repository path, tag (if written), digest. */
function normalImage(image: string): { host: string; path: string; tag?: string; digest?: string } {
  const [name = '', digest] = image.split('@');
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  const repository = colon < 0 ? name : name.slice(0, colon);
  const tag = colon < 0 ? undefined : name.slice(colon + 1);
  const [first = '', ...rest] = repository.split('/');
  const hasHost = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = hasHost ? first : 'docker.io';
  const path = hasHost ? rest.join('/') : rest.length === 0 ? `library/${first}` : repository;
  return { host, path, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** The admission rule an image breaks under the examples' registries, checked as the ID pool describes them. */
function admissionOutcome(image: string, registries: readonly string[]): string {
  const { host, path, tag, digest } = normalImage(image);
  if (digest === undefined && (tag === undefined || tag === 'latest')) return 'disallowLatestTag';
  const full = `${host}/${path}`;
  const allowed = registries.some((entry) => full === entry || full.startsWith(`${entry}/`));
  return allowed ? 'admitted' : 'allowedRegistries';
}

describe('examples/', () => {
  const files = [...yamlFiles(INTENTS_DIR), ...yamlFiles(BINDINGS_DIR), ...yamlFiles(WORKLOADS_DIR)];
  const objects = files.flatMap(objectsOf);
  const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const intents = ofKind('SecurityIntent');
  const bindings = ofKind('SecurityIntentBinding');
  const clusterBindings = ofKind('ClusterSecurityIntentBinding');
  const intentByName = new Map(intents.map((i) => [i.metadata.name, intentOf(i)]));
  const canonical = (id: string) => defaultRegistry.canonicalId(id) ?? id;
  const boundIds = (list: readonly ExampleObject[]) =>
    new Set(
      list.flatMap((b) =>
        specOf<BindingSpec>(b).intents.map(({ name }) => canonical(intentByName.get(name)?.id ?? '')),
      ),
    );
  const workloads = objects.filter((o) => POD_TEMPLATE_PATHS[o.kind] !== undefined);

  it('has intents, bindings of both kinds and workloads in their directories, and nothing else there', () => {
    expect([INTENTS_DIR, BINDINGS_DIR, WORKLOADS_DIR].flatMap(notYaml)).toEqual([]);
    expect(intents.every((o) => o.file.startsWith(INTENTS_DIR))).toBe(true);
    expect([...bindings, ...clusterBindings].every((o) => o.file.startsWith(BINDINGS_DIR))).toBe(true);
    expect(workloads.every((o) => o.file.startsWith(WORKLOADS_DIR))).toBe(true);
    expect(intents.length).toBeGreaterThanOrEqual(BUILTIN_INTENTS.length);
    expect(bindings.length).toBeGreaterThan(0);
    expect(clusterBindings.length).toBeGreaterThan(0);
    expect(bindings.every((b) => b.metadata.namespace === 'demo')).toBe(true);
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(Object.keys(ADMISSION_OUTCOME).sort());
  });

  it('passes nimbus validate --strict: no errors, no warnings, and only the notes the examples mean', async () => {
    const { code, stdout } = await run([
      'validate',
      '--adapter',
      NETPOL_ADAPTER,
      '--strict',
      '-o',
      'json',
      '-f',
      INTENTS_DIR,
      '-f',
      BINDINGS_DIR,
      '-f',
      WORKLOADS_DIR,
    ]);
    const report = JSON.parse(stdout) as {
      valid: boolean;
      diagnostics: Diagnostic[];
      summary: { errors: number; warnings: number; files: number; objects: number };
    };
    expect(report.diagnostics.filter((d) => d.severity !== 'note')).toEqual([]);
    expect(code).toBe(0);
    expect(report.valid).toBe(true);
    // Every file was read, every object in it counted: nothing was skipped.
    expect(report.summary.files).toBe(files.length);
    expect(report.summary.objects).toBe(objects.length);

    // The notes: the alias, and the intents that no adapter the CLI knows renders (enforced in a cluster by
    // adapters render does not run).
    const adapters = await withNetpol();
    const expected = intents.flatMap((intent) => {
      const { metadata } = intent;
      const { id } = intentOf(intent);
      const notes: string[] = [];
      if (canonical(id) !== id) notes.push(`SecurityIntent/${metadata.name}: alias`);
      if (adapters.enforcing(canonical(id)).length === 0)
        notes.push(`SecurityIntent/${metadata.name}: not rendered`);
      return notes;
    });
    const kindOfNote = (message: string) =>
      message.includes('is an alias of')
        ? 'alias'
        : message.includes('none of the adapters nimbus knows')
          ? 'not rendered'
          : message;
    const found = report.diagnostics.map((d) => `${d.subject}: ${kindOfNote(d.message)}`);
    expect(found.sort()).toEqual(expected.sort());
  });

  it('binds every ID of the ID pool with a SecurityIntentBinding and a ClusterSecurityIntentBinding', () => {
    const ids = BUILTIN_INTENTS.map((d) => d.id);
    const namespaced = boundIds(bindings);
    const clusterWide = boundIds(clusterBindings);
    expect(ids.filter((id) => !namespaced.has(id))).toEqual(Object.keys(NOT_NAMESPACED));
    expect(ids.filter((id) => !clusterWide.has(id))).toEqual(Object.keys(NOT_CLUSTER_WIDE));
    // Every binding names intents that the examples define, and every example intent is bound somewhere.
    const named = [...bindings, ...clusterBindings].flatMap((b) =>
      specOf<BindingSpec>(b).intents.map((i) => i.name),
    );
    expect(named.filter((name) => !intentByName.has(name))).toEqual([]);
    expect([...intentByName.keys()].filter((name) => !named.includes(name))).toEqual([]);
  });

  it('uses the tutorial alias pkgMgrs exactly once', () => {
    const aliases = BUILTIN_INTENTS.flatMap((d) => d.aliases ?? []);
    const written = intents.map((i) => intentOf(i).id).filter((id) => aliases.includes(id));
    expect(written).toEqual(['pkgMgrs']);
  });

  it('sets every parameter of every ID, and lists the accepted values of enumerated ones', () => {
    const intentsText = yamlFiles(INTENTS_DIR)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const missing: string[] = [];
    const unlisted: string[] = [];
    for (const definition of BUILTIN_INTENTS) {
      const specs = intents.map((i) => intentOf(i)).filter((spec) => canonical(spec.id) === definition.id);
      for (const param of definition.params) {
        if (!specs.some((spec) => (spec.params?.[param.name]?.length ?? 0) > 0))
          missing.push(`${definition.id}.${param.name}`);
        if (param.values && !intentsText.includes(param.values.join(' | ')))
          unlisted.push(`${definition.id}.${param.name}: ${param.values.join(' | ')}`);
      }
    }
    expect(missing).toEqual([]);
    expect(unlisted).toEqual([]);
  });

  describe('nimbus render of the intents and bindings, with the pods the workloads create', () => {
    let rendering: Rendering;
    let code: number;
    beforeAll(async () => {
      // The refused workloads never get pods; the others get one each, labelled as their pod template.
      const pods = workloads.filter((w) => w.file !== REJECTED_FILE).flatMap((w) => podOf(w) ?? []);
      const result = await run(
        [
          'render',
          '--adapter',
          NETPOL_ADAPTER,
          '-o',
          'rendering',
          '-f',
          INTENTS_DIR,
          '-f',
          BINDINGS_DIR,
          '-f',
          '-',
          '--namespaces',
          CLUSTER_NAMESPACES.join(','),
        ],
        { stdin: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods }) },
      );
      code = result.code;
      rendering = JSON.parse(result.stdout) as Rendering;
    });

    it('renders without errors or warnings', () => {
      expect(code).toBe(0);
      expect(rendering.notes.filter((n) => n.severity !== 'note')).toEqual([]);
    });

    it('writes one NimbusPolicy per SecurityIntentBinding, with a rule per intent', () => {
      for (const binding of bindings) {
        const from = `SecurityIntentBinding demo/${binding.metadata.name}`;
        const policies = rendering.policies.filter((p) => p.from === from).map((p) => p.policy);
        expect(policies.map((p) => `${p.kind} ${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
          `NimbusPolicy demo/${binding.metadata.name}`,
        ]);
        expect(policies[0]?.spec.rules.length).toBe(specOf<BindingSpec>(binding).intents.length);
      }
    });

    it('resolves the CEL binding to the labels the selected pods share', () => {
      const celBindings = bindings.filter((b) => (specOf<BindingSpec>(b).cel?.length ?? 0) > 0);
      expect(celBindings.map((b) => b.metadata.name)).toEqual(['backend-confinement']);
      const policy = rendering.policies.find(
        (p) => p.from === 'SecurityIntentBinding demo/backend-confinement',
      )?.policy;
      expect(policy?.kind).toBe('NimbusPolicy');
      expect((policy as NimbusPolicy).spec.selector).toEqual({
        matchLabels: { tier: 'backend', 'app.kubernetes.io/part-of': 'shop' },
      });
      expect(
        rendering.notes.find((n) => n.subject === 'SecurityIntentBinding demo/backend-confinement')?.message,
      ).toContain('selects api-0, cache-0');
    });

    it('writes a ClusterNimbusPolicy per ClusterSecurityIntentBinding and fans out to the namespaces meant', () => {
      expect(clusterBindings.map((b) => b.metadata.name).sort()).toEqual(Object.keys(FAN_OUT).sort());
      for (const binding of clusterBindings) {
        const name = binding.metadata.name;
        const policies = rendering.policies
          .filter((p) => p.from === `ClusterSecurityIntentBinding ${name}`)
          .map((p) => p.policy);
        expect(policies.filter((p) => p.kind === 'ClusterNimbusPolicy').map((p) => p.metadata.name)).toEqual([
          name,
        ]);
        const fanOut = policies.filter((p) => p.kind === 'NimbusPolicy');
        expect(fanOut.every((p) => p.metadata.name === `nimbus-ctlr-gen-${name}`)).toBe(true);
        expect(fanOut.map((p) => p.metadata.namespace).sort(), name).toEqual(FAN_OUT[name]);
      }
    });

    it('builds engine objects for every rule an adapter the CLI knows enforces', async () => {
      const adapters = await withNetpol();
      const missing: string[] = [];
      const rendered = new Set<string>();
      // Object names that do not start with <policy>-<id>: upstream Kyverno's cocoWorkload policies.
      const otherNames: Readonly<Record<string, readonly string[]>> = {
        cocoWorkload: ['mutateoncreate', 'mutateexisting'],
      };
      for (const { policy, objects } of rendering.policies) {
        const fannedOut = policy.metadata.ownerReferences?.some(
          (o) => o.controller && o.kind === 'ClusterSecurityIntentBinding',
        );
        for (const rule of policy.spec.rules) {
          const id = canonical(rule.id);
          for (const adapter of adapters.enforcing(id)) {
            // An adapter with a cluster builder enforces a cluster binding through its ClusterNimbusPolicy (and
            // leaves the fanned-out NimbusPolicies alone); the others through the fanned-out NimbusPolicies.
            if (
              (policy.kind === 'NimbusPolicy') ===
              (fannedOut === true && adapter.buildCluster !== undefined)
            )
              continue;
            const prefix = `${policy.metadata.name}-${id.toLowerCase()}`;
            const prefixes = [prefix, ...(otherNames[id] ?? []).map((n) => `${policy.metadata.name}-${n}`)];
            // One object per rule named after it (KubeArmor, netpol, Kyverno, the Clair scan policy), or one
            // object holding several rules as spec fields (the Clair adapter's ImageAdmissionPolicy).
            const built = objects.filter(
              (o) =>
                o.adapter === adapter.name &&
                (prefixes.some((p) => o.object.metadata?.name?.startsWith(p)) ||
                  (o.object.metadata?.name?.startsWith(`${policy.metadata.name}-`) &&
                    (o.object as { spec?: Record<string, unknown> }).spec?.[id] !== undefined)),
            );
            if (built.length === 0)
              missing.push(`${policy.metadata.namespace ?? ''}/${prefix} (${adapter.name})`);
            else rendered.add(id);
          }
        }
      }
      expect(missing).toEqual([]);
      // Between them, the examples exercise every ID those adapters enforce.
      const enforced = BUILTIN_INTENTS.map((d) => d.id).filter((id) => adapters.enforcing(id).length > 0);
      expect(enforced.length).toBeGreaterThan(0);
      expect([...rendered].sort()).toEqual(enforced.sort());
    });
  });

  it('pins the admitted workloads and breaks an admission rule with each refused one', () => {
    const registries = intents
      .map((i) => intentOf(i))
      .filter((spec) => spec.id === 'allowedRegistries')
      .flatMap((spec) => spec.params?.registries ?? []);
    expect(registries.length).toBeGreaterThan(0);
    const outcomes = Object.fromEntries(
      workloads.map((w) => {
        const template = podTemplateOf(w);
        const images = [...(template?.spec.initContainers ?? []), ...(template?.spec.containers ?? [])];
        const broken = images
          .map((c) => admissionOutcome(c.image, registries))
          .filter((o) => o !== 'admitted');
        return [w.metadata.name, broken[0] ?? 'admitted'];
      }),
    );
    expect(outcomes).toEqual(ADMISSION_OUTCOME);
    // Refused workloads live only in rejected-by-admission.yaml, and only refused ones do.
    expect(
      workloads
        .filter((w) => w.file === REJECTED_FILE)
        .every((w) => ADMISSION_OUTCOME[w.metadata.name] !== 'admitted'),
    ).toBe(true);
    expect(
      workloads
        .filter((w) => w.file !== REJECTED_FILE)
        .every((w) => ADMISSION_OUTCOME[w.metadata.name] === 'admitted'),
    ).toBe(true);
  });

  it('selects every refused workload by a binding of the admission intents in its namespace', () => {
    const admissionIds = new Set(['disallowLatestTag', 'allowedRegistries']);
    const admissionBindings = bindings.filter((b) =>
      specOf<BindingSpec>(b).intents.some((i) =>
        admissionIds.has(canonical(intentByName.get(i.name)?.id ?? '')),
      ),
    );
    const unselected = workloads
      .filter((w) => w.file === REJECTED_FILE)
      .filter((w) => {
        const labels = podTemplateOf(w)?.metadata?.labels ?? {};
        return !admissionBindings.some((b) => {
          const matchLabels = specOf<BindingSpec>(b).selector?.workloadSelector?.matchLabels ?? {};
          return (
            b.metadata.namespace === w.metadata.namespace &&
            Object.keys(matchLabels).length > 0 &&
            Object.entries(matchLabels).every(([key, value]) => labels[key] === value)
          );
        });
      })
      .map((w) => w.metadata.name);
    expect(unselected).toEqual([]);
  });
});
