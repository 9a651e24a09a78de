import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  ApiextensionsV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { rawRequest } from '../raw-request.js';
import { pollUntil } from './poll.js';

/** Field manager the harness applies CRDs with. */
const FIELD_MANAGER = 'nimbus-ts-envtest';

/** CRDs to install: YAML files, directories of YAML files, or CRD objects. */
export type CRDSource = string | V1CustomResourceDefinition | KubernetesObject;

async function yamlFilesIn(path: string): Promise<string[]> {
  if (!(await stat(path)).isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => ['.yaml', '.yml', '.json'].includes(extname(n))).sort();
  return names.map((n) => join(path, n));
}

/** The `message` of a Kubernetes Status body, or the body itself. */
function statusMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body;
  } catch {
    return body;
  }
}

/** Reads every CustomResourceDefinition document from the given sources; other kinds are ignored. */
export async function readCRDs(sources: readonly CRDSource[]): Promise<V1CustomResourceDefinition[]> {
  const crds: V1CustomResourceDefinition[] = [];
  for (const source of sources) {
    if (typeof source !== 'string') {
      crds.push(source as V1CustomResourceDefinition);
      continue;
    }
    for (const file of await yamlFilesIn(source)) {
      for (const doc of loadAll(await readFile(file, 'utf8'))) {
        const obj = doc as KubernetesObject | null;
        if (obj?.kind === 'CustomResourceDefinition') crds.push(obj as V1CustomResourceDefinition);
      }
    }
  }
  return crds;
}

/**
 * Applies CRDs (server-side apply, so re-installing a changed CRD updates it) and waits until each is
 * `Established` and its resource is listed by API discovery, i.e. until clients can use it.
 *
 * @returns the names of the installed CRDs.
 */
export async function installCRDs(
  kc: KubeConfig,
  sources: readonly CRDSource[],
  timeoutMs = 60_000,
): Promise<string[]> {
  const crds = await readCRDs(sources);
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  for (const crd of crds) {
    const name = crd.metadata?.name;
    if (!name) throw new Error(`a CustomResourceDefinition without metadata.name cannot be installed`);
    // Sent as raw JSON: client-node's typed serializer renames schema keywords such as `default` and would
    // silently drop them from a plain object.
    const body = JSON.stringify({
      ...crd,
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
    });
    const res = await rawRequest(
      kc,
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}?fieldManager=${FIELD_MANAGER}&force=true`,
      { method: 'PATCH', contentType: 'application/apply-patch+yaml', body },
    );
    if (res.status >= 300) {
      throw new Error(`installing CRD ${name} failed with HTTP ${res.status}: ${statusMessage(res.body)}`);
    }
  }
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    const { group, names } = crd.spec;
    const versions = crd.spec.versions.filter((v) => v.served).map((v) => v.name);
    await pollUntil(`CRD ${name} to be established and served`, timeoutMs, async () => {
      const live = await ext.readCustomResourceDefinition({ name });
      const established = live.status?.conditions?.some(
        (c) => c.type === 'Established' && c.status === 'True',
      );
      if (!established) return false;
      for (const version of versions) {
        const res = await rawRequest(kc, `/apis/${group}/${version}`);
        if (res.status !== 200) return false;
        const list = JSON.parse(res.body) as { resources?: { name: string }[] };
        if (!list.resources?.some((r) => r.name === names.plural)) return false;
      }
      return true;
    });
  }
  return crds.map((c) => c.metadata?.name ?? '');
}
