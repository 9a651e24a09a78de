import type { KubeConfig } from '@kubernetes/client-node';
import { ObjectClient, PODS } from '@nimbus-ts/k8s';
import { runningPodStatus } from '@nimbus-ts/scan-testenv';

/** The parts of a Pod the stand-in reads. */
export interface DemoPod {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly spec?: {
    readonly containers?: readonly { readonly name: string; readonly image?: string }[];
    readonly initContainers?: readonly { readonly name: string; readonly image?: string }[];
  };
  readonly status?: { readonly containerStatuses?: readonly unknown[] };
}

/**
 * The status a kubelet would report once a pod runs: phase Running and, per container, the digest the runtime
 * pulled by — or nothing when the pod already has container statuses, or runs an image the demo has no digest
 * for (the demo has no nodes and no Internet: only images pushed to its own registry can "run"). Pure.
 */
export function runningStatus(
  pod: DemoPod,
  digestReference: (image: string) => string | undefined,
  now: Date,
): Record<string, unknown> | undefined {
  if ((pod.status?.containerStatuses?.length ?? 0) > 0) return undefined;
  const containers = pod.spec?.containers ?? [];
  const init = pod.spec?.initContainers ?? [];
  if (containers.length === 0) return undefined;
  const named = [...init, ...containers].map((c) => ({
    c,
    imageID: c.image ? digestReference(c.image) : undefined,
  }));
  if (named.some(({ imageID }) => imageID === undefined)) return undefined;
  const running = named.map(({ c, imageID }) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: imageID as string,
  }));
  return runningPodStatus(running.slice(init.length), { initContainers: running.slice(0, init.length), now });
}

/**
 * Plays the kubelet's part for pod status in `namespaces`: a pod running only images the demo pushed gets the
 * status a node would report, with the digest, so the scanner has something to scan. Returns a stop function.
 */
export function startKubeletStandIn(
  kubeConfig: KubeConfig,
  namespaces: readonly string[],
  digestReference: (image: string) => string | undefined,
  intervalMs = 1_000,
): () => void {
  const client = new ObjectClient(kubeConfig, 'nimbus-demo-kubelet');
  let stopped = false;
  const tick = async () => {
    for (const namespace of namespaces) {
      for (const pod of await client.list<DemoPod & { apiVersion: string; kind: string }>(PODS, namespace)) {
        const status = runningStatus(pod, digestReference, new Date());
        if (!status || !pod.metadata?.name) continue;
        await client.patchStatus(PODS, { namespace, name: pod.metadata.name }, { status });
      }
    }
  };
  const loop = async () => {
    while (!stopped) {
      try {
        await tick();
      } catch {
        // A pod that went meanwhile, or a namespace not created yet: the next tick looks again.
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  };
  void loop();
  return () => {
    stopped = true;
  };
}
