// What the benchmark waits on: the moment each object shows that a controller has finished with it, as a
// watch in the benchmark's process sees it, the same for the floor and for nimbus-ts.
import type { KubeConfig } from '@kubernetes/client-node';
import { type NimbusPolicy, RESOURCES, type SecurityIntentBinding } from '@nimbus-ts/api';
import { STATUS_CREATED } from '@nimbus-ts/core-operator';
import { Reflector } from '@nimbus-ts/k8s';

/** First-seen times (`performance.now()`) of each stage, by object name. */
export interface Progress {
  /** A NimbusPolicy with `status.status: Created`. */
  readonly policyCreated: ReadonlyMap<string, number>;
  /** A binding whose status names its NimbusPolicy. */
  readonly bindingReported: ReadonlyMap<string, number>;
  /** A NimbusPolicy on which `adapter` recorded its engine policies. */
  readonly adapterReported: ReadonlyMap<string, number>;
  /** Engine policies `adapter` recorded, over all NimbusPolicies. */
  enginePolicies(): number;
  /** Forgets `names`, so that objects of the same names count afresh. */
  forget(names: readonly string[]): void;
  /** Stops watching. */
  stop(): Promise<void>;
}

/** Watches NimbusPolicies and bindings in `namespace` and records when each reaches each stage. */
export async function watchProgress(kc: KubeConfig, namespace: string, adapter: string): Promise<Progress> {
  const policyCreated = new Map<string, number>();
  const bindingReported = new Map<string, number>();
  const adapterReported = new Map<string, number>();
  const engine = new Map<string, number>();
  const policies = new Reflector<NimbusPolicy>(kc, { ...RESOURCES.NimbusPolicy }, { namespace });
  policies.onChange((np, change) => {
    const name = np.metadata.name ?? '';
    if (change === 'deleted') return;
    if (np.status?.status === STATUS_CREATED && !policyCreated.has(name))
      policyCreated.set(name, performance.now());
    const recorded = np.status?.policiesByAdapter?.find((r) => r.adapter === adapter)?.policies?.length ?? 0;
    engine.set(name, recorded);
    if (recorded > 0 && !adapterReported.has(name)) adapterReported.set(name, performance.now());
  });
  const bindings = new Reflector<SecurityIntentBinding>(
    kc,
    { ...RESOURCES.SecurityIntentBinding },
    { namespace },
  );
  bindings.onChange((sib, change) => {
    const name = sib.metadata.name ?? '';
    if (change === 'deleted') return;
    if (sib.status?.nimbusPolicy === name && !bindingReported.has(name))
      bindingReported.set(name, performance.now());
  });
  policies.start();
  bindings.start();
  await Promise.all([policies.store.waitUntilReady(), bindings.store.waitUntilReady()]);
  return {
    policyCreated,
    bindingReported,
    adapterReported,
    enginePolicies: () => [...engine.values()].reduce((a, b) => a + b, 0),
    forget(names) {
      for (const name of names) {
        policyCreated.delete(name);
        bindingReported.delete(name);
        adapterReported.delete(name);
        engine.delete(name);
      }
    },
    async stop() {
      await Promise.all([policies.stop(), bindings.stop()]);
    },
  };
}
