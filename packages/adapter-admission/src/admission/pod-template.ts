/**
 * Where a pod spec sits in each kind of object admission checks, and what is read from it. Workloads are
 * checked through their pod template so that a bad image is refused at `kubectl apply` time, not later as a
 * ReplicaSet's `FailedCreate` event; Pods are checked too, since every pod, whoever creates it, passes there.
 */
import type { ContainerSource, ReviewedImage } from './admission-input.js';
import { arrayAt, isJsonObject, type JsonObject, objectAt, stringAt } from './json.js';

/**
 * The path from an object to its pod template, by `group/kind`; an empty path means the object is the pod.
 * Versions do not matter: the template sits at the same place in every served version of these kinds.
 */
const POD_TEMPLATE_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
  ['/Pod', []],
  ['/ReplicationController', ['spec', 'template']],
  ['apps/Deployment', ['spec', 'template']],
  ['apps/StatefulSet', ['spec', 'template']],
  ['apps/DaemonSet', ['spec', 'template']],
  ['apps/ReplicaSet', ['spec', 'template']],
  ['batch/Job', ['spec', 'template']],
  ['batch/CronJob', ['spec', 'jobTemplate', 'spec', 'template']],
]);

/** The path to the pod template of `group`/`kind`, or undefined for a kind that holds no pod. */
export function podTemplatePath(group: string, kind: string): readonly string[] | undefined {
  return POD_TEMPLATE_PATHS.get(`${group}/${kind}`);
}

/** A pod, or a workload's pod template: the parts admission reads. */
export interface PodTemplate {
  /** The pod's (template's) labels, as sent. */
  readonly labels?: JsonObject;
  /** The pod spec; an empty object when the request has none. */
  readonly spec: JsonObject;
}

/** The pod template found at `path` in `object`, or undefined when something on the way is not an object. */
export function podTemplateAt(object: JsonObject, path: readonly string[]): PodTemplate | undefined {
  let template: JsonObject | undefined = object;
  for (const key of path) {
    template = objectAt(template, key);
    if (template === undefined) return undefined;
  }
  const metadata = objectAt(template, 'metadata');
  const labels = metadata === undefined ? undefined : objectAt(metadata, 'labels');
  return { ...(labels !== undefined ? { labels } : {}), spec: objectAt(template, 'spec') ?? {} };
}

const CONTAINER_LISTS: readonly (readonly [string, ContainerSource])[] = [
  ['initContainers', 'initContainer'],
  ['containers', 'container'],
  ['ephemeralContainers', 'ephemeralContainer'],
];

/**
 * Every container image of a pod spec: init containers, containers, then ephemeral containers. A container
 * whose image is not a string is listed with image `''`, which no rule accepts, rather than skipped: an
 * entry that cannot be read must not be an entry that cannot be refused.
 */
export function imagesOfPodSpec(spec: JsonObject): ReviewedImage[] {
  const images: ReviewedImage[] = [];
  for (const [field, source] of CONTAINER_LISTS) {
    for (const container of arrayAt(spec, field)) {
      if (!isJsonObject(container)) {
        images.push({ image: '', container: '', source });
        continue;
      }
      images.push({
        image: stringAt(container, 'image') ?? '',
        container: stringAt(container, 'name') ?? '',
        source,
      });
    }
  }
  return images;
}

/** The names of a pod spec's `imagePullSecrets`, skipping entries without one. */
export function pullSecretsOfPodSpec(spec: JsonObject): string[] {
  const names: string[] = [];
  for (const entry of arrayAt(spec, 'imagePullSecrets')) {
    const name = isJsonObject(entry) ? stringAt(entry, 'name') : undefined;
    if (name) names.push(name);
  }
  return names;
}

/** A pod spec's ServiceAccount: `serviceAccountName`, else the deprecated `serviceAccount`, else `default`. */
export function serviceAccountOfPodSpec(spec: JsonObject): string {
  return stringAt(spec, 'serviceAccountName') || stringAt(spec, 'serviceAccount') || 'default';
}
