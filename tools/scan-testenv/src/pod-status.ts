/** A container as the kubelet reports it: its name, the image as written, and the digest the runtime pulled. */
export interface RunningContainer {
  readonly name: string;
  readonly image: string;
  /** `registry/repository@sha256:…`, what `status.containerStatuses[].imageID` holds. */
  readonly imageID: string;
}

/**
 * The `status` a kubelet writes once a pod's containers run: phase Running and, per container, the digest it was
 * pulled by (init containers completed). Tests and the demo patch it onto pods, since the test control plane has
 * no nodes — it is exactly what the scanner reads.
 */
export function runningPodStatus(
  containers: readonly RunningContainer[],
  options: { readonly initContainers?: readonly RunningContainer[]; readonly now?: Date } = {},
): Record<string, unknown> {
  const at = (options.now ?? new Date()).toISOString();
  const status = (c: RunningContainer, running: boolean) => ({
    name: c.name,
    image: c.image,
    imageID: c.imageID,
    ready: running,
    restartCount: 0,
    started: running,
    state: running
      ? { running: { startedAt: at } }
      : { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at } },
  });
  const init = options.initContainers ?? [];
  return {
    phase: 'Running',
    ...(init.length > 0 ? { initContainerStatuses: init.map((c) => status(c, false)) } : {}),
    containerStatuses: containers.map((c) => status(c, true)),
  };
}
