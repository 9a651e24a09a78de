import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { kubearmorCrdDirectory } from '@nimbus-ts/adapter-kubearmor';
import { crdDirectory } from '@nimbus-ts/api';
import { pollUntil, type TestNamespace } from '@nimbus-ts/k8s/testing';
import { envtest } from '@nimbus-ts/k8s/testing/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { run } from '../helpers.js';

// `nimbus render | kubectl apply -f -` on a real API server with the garbage collector running, and no operator
// or adapter: what GitOps does with rendered output. The default YAML stream and the `-o json` List are both
// created, object for object, and are still there after the garbage collector has provably run: it has deleted
// the objects of an `--owner-references` rendering, applied after ours, whose owners have made-up UIDs (the
// issue's "objects that the garbage collector deletes seconds later"). Owner references with the real UID of a
// binding exported from the cluster are kept, and hold.

const API = 'intent.security.nimbus.com/v1alpha1';

/** The kind, namespace and name of an object, as the assertions compare them. */
const identity = (o: KubernetesObject) =>
  `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

describe('nimbus render output applied with kubectl on a real control plane', () => {
  const env = envtest();
  const suffix = Math.random().toString(36).slice(2, 7);
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-render-apply-'));
  const namespaces: Record<'yaml' | 'json' | 'owners', TestNamespace | undefined> = {
    yaml: undefined,
    json: undefined,
    owners: undefined,
  };
  /** What `kubectl get -f` returned for the default outputs right after they were applied. */
  const applied: Record<'yaml' | 'json', KubernetesObject[]> = { yaml: [], json: [] };
  const files: string[] = [];

  /** A file in the test's directory; every file is deleted from the cluster with `kubectl delete -f` afterwards. */
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    files.push(path);
    return path;
  };
  const ns = (which: keyof typeof namespaces) => {
    const namespace = namespaces[which];
    if (!namespace) throw new Error(`namespace for ${which} was not created; see beforeAll`);
    return namespace.name;
  };
  /** Two SecurityIntents, a SecurityIntentBinding `web` in `namespace` and a cluster binding selecting it, as YAML. */
  const input = (tag: string, namespace: string): string => {
    const intent = (id: string) => ({
      apiVersion: API,
      kind: 'SecurityIntent',
      metadata: { name: `render-${id.toLowerCase()}-${tag}-${suffix}` },
      spec: { intent: { id, action: 'Block' } },
    });
    const [dns, escapeToHost] = [intent('dnsManipulation'), intent('escapeToHost')];
    const binding = {
      apiVersion: API,
      kind: 'SecurityIntentBinding',
      metadata: { name: 'web', namespace },
      spec: {
        intents: [dns, escapeToHost].map((si) => ({ name: si.metadata.name })),
        selector: { workloadSelector: { matchLabels: { app: 'web' } } },
      },
    };
    const clusterBinding = {
      apiVersion: API,
      kind: 'ClusterSecurityIntentBinding',
      metadata: { name: `render-all-${tag}-${suffix}` },
      spec: {
        intents: [{ name: dns.metadata.name }],
        selector: {
          nsSelector: { matchNames: [namespace] },
          workloadSelector: { matchLabels: { app: 'db' } },
        },
      },
    };
    return [dns, escapeToHost, binding, clusterBinding].map((o) => stringify(o)).join('---\n');
  };
  const render = async (stdin: string, namespace: string, ...flags: string[]) => {
    const result = await run(
      ['render', '-f', '-', '--adapter', 'kubearmor', '--namespaces', namespace, ...flags],
      { stdin },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return result.stdout;
  };
  const kubectl = (...args: string[]) => env.runKubectl(args);
  /** The live objects of a file, by `kubectl get -f`, in the file's order; objects that are gone are left out. */
  const live = async (path: string): Promise<KubernetesObject[]> => {
    const out = (await kubectl('get', '-f', path, '--ignore-not-found', '-o', 'json')).trim();
    if (out === '') return [];
    const got = JSON.parse(out) as KubernetesObject & { items?: KubernetesObject[] };
    return got.kind === 'List' ? (got.items ?? []) : [got];
  };
  /** Applies a file and checks kubectl created every one of `objects`. */
  const applyAndCheck = async (path: string, objects: readonly KubernetesObject[]) => {
    const out = (await kubectl('apply', '-f', path)).trim().split('\n');
    expect(out).toHaveLength(objects.length);
    for (const line of out) expect(line).toMatch(/ created$/);
    const made = await live(path);
    expect(made.map(identity)).toEqual(objects.map(identity));
    return made;
  };

  beforeAll(async () => {
    await env.installCRDs([crdDirectory(), kubearmorCrdDirectory()]);
    namespaces.yaml = await env.namespace('render-yaml');
    namespaces.json = await env.namespace('render-json');
    namespaces.owners = await env.namespace('render-owners');
  });

  afterAll(async () => {
    // Cluster-scoped objects (intents, cluster bindings, ClusterNimbusPolicies) outlive the namespaces.
    for (const path of files.reverse())
      await kubectl('delete', '-f', path, '--ignore-not-found', '--wait=false');
    for (const namespace of Object.values(namespaces)) await namespace?.delete({ wait: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates every object of the default YAML stream, keeping owner references to exported bindings', async () => {
    // The bindings exist in the cluster and are exported from it, as `kubectl get -o yaml | nimbus render`.
    const inputFile = file('yaml-input.yaml', input('y', ns('yaml')));
    await kubectl('apply', '-f', inputFile);
    const exported = await kubectl('get', '-f', inputFile, '-o', 'yaml');
    const bindings = (
      JSON.parse(await kubectl('get', '-f', inputFile, '-o', 'json')) as { items: KubernetesObject[] }
    ).items.filter((o) => o.kind?.endsWith('SecurityIntentBinding'));

    const text = await render(exported, ns('yaml'));
    expect(text).not.toMatch(/uid: 00000000-/);
    const objects = parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject);
    expect(objects.map(identity)).toEqual([
      `NimbusPolicy ${ns('yaml')}/web`,
      ...[
        'dnsmanipulation',
        'escapetohost-disallowchroot',
        'escapetohost-disallowcapabilities',
        'escapetohost-swdeploymenttools',
      ].map((id) => `KubeArmorPolicy ${ns('yaml')}/web-${id}`),
      `ClusterNimbusPolicy render-all-y-${suffix}`,
      `NimbusPolicy ${ns('yaml')}/nimbus-ctlr-gen-render-all-y-${suffix}`,
      `KubeArmorPolicy ${ns('yaml')}/nimbus-ctlr-gen-render-all-y-${suffix}-dnsmanipulation`,
    ]);
    applied.yaml = await applyAndCheck(file('rendered.yaml', text), objects);

    // The policies point at the real bindings; the engine policies point at nothing (their owner was rendered).
    const owners = (o: KubernetesObject) =>
      (o.metadata?.ownerReferences ?? []).map((r) => `${r.kind} ${r.uid}`);
    const uidOf = (kind: string) => bindings.find((b) => b.kind === kind)?.metadata?.uid;
    expect(applied.yaml.map(owners)).toEqual(
      objects.map((o) =>
        o.kind === 'KubeArmorPolicy'
          ? []
          : o.kind === 'NimbusPolicy' && o.metadata?.name === 'web'
            ? [`SecurityIntentBinding ${uidOf('SecurityIntentBinding')}`]
            : [`ClusterSecurityIntentBinding ${uidOf('ClusterSecurityIntentBinding')}`],
      ),
    );
  });

  it('creates every object of the -o json v1 List', async () => {
    const text = await render(input('j', ns('json')), ns('json'), '-o', 'json');
    const list = JSON.parse(text) as { apiVersion: string; kind: string; items: KubernetesObject[] };
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(list.items).toHaveLength(8);
    applied.json = await applyAndCheck(file('rendered.json', text), list.items);
    for (const o of applied.json) expect(o.metadata?.ownerReferences, identity(o)).toBeUndefined();
  });

  it('shows with --owner-references what the garbage collector does to objects whose owners are made up', async () => {
    const text = await render(input('o', ns('owners')), ns('owners'), '--owner-references');
    const path = file('owners.yaml', text);
    const objects = parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject);

    // Server-side apply refuses the made-up metadata.uid of an object that does not exist yet.
    await expect(kubectl('apply', '--server-side', '--dry-run=server', '-f', path)).rejects.toThrow(
      /uid mismatch: the provided object specified uid 00000000-0000-0000-0000-[0-9a-f]{12}, and no existing object was found/,
    );
    // kubectl's own apply creates them, and the API server does not check that owners exist: a server dry run
    // accepts every object, made-up owner references and all, and creates nothing.
    const dryRun = JSON.parse(await kubectl('apply', '--dry-run=server', '-f', path, '-o', 'json')) as {
      items: KubernetesObject[];
    };
    expect(dryRun.items.map(identity)).toEqual(objects.map(identity));
    for (const o of dryRun.items) {
      expect(
        o.metadata?.ownerReferences?.map((r) => r.uid.slice(0, 24)),
        identity(o),
      ).toEqual(['00000000-0000-0000-0000-']);
    }
    expect(await live(path)).toEqual([]);

    // Applied for real, they are created, and the garbage collector deletes every one of them: the owners'
    // UIDs name nothing (a NimbusPolicy of the referenced name exists, with another UID, which does not count).
    // Only kubectl's word that each was created: the collector may delete some before a list could see them.
    const out = (await kubectl('apply', '-f', path)).trim().split('\n');
    expect(out).toHaveLength(objects.length);
    for (const line of out) expect(line).toMatch(/ created$/);
    await pollUntil(
      'the garbage collector to delete the objects with made-up owners',
      150_000,
      async () => {
        return (await live(path)).length === 0;
      },
      1_000,
    );
  }, 180_000);

  it("leaves the default outputs' objects alone after the garbage collector ran over the ones above", async () => {
    // Those were created after ours, of the same kinds; the collector has processed them, so ours too.
    expect(applied.yaml).toHaveLength(8);
    expect(applied.json).toHaveLength(8);
    const uids = (objects: readonly KubernetesObject[]) =>
      objects.map((o) => `${identity(o)} ${o.metadata?.uid}`);
    expect(uids(await live(join(dir, 'rendered.yaml')))).toEqual(uids(applied.yaml));
    expect(uids(await live(join(dir, 'rendered.json')))).toEqual(uids(applied.json));
  });
});
