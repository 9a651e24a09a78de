import type { KubeConfig } from '@kubernetes/client-node';
import { installCRDs } from '@nimbus-ts/k8s/testing';
import {
  KYVERNO_VERSION,
  kyvernoAvailable,
  kyvernoCrdDirectories,
  type RunningKyverno,
  startKyverno,
} from '@nimbus-ts/kyverno-testenv';

/** Kyverno in the demo: running (its policies enforced), installed as CRDs only, or left out, and why. */
export type DemoKyverno =
  | { readonly running: RunningKyverno }
  | { readonly crdsOnly: string }
  | { readonly unavailable: string };

/**
 * Brings Kyverno into the demo as far as this machine allows, without building anything: the demo must not start
 * an 8-minute Go build the user did not ask for. With Kyverno already built (`./scripts/test` builds it, or
 * `node tools/kyverno-testenv/dist/cli.js build`), it runs out of cluster against the demo's API server and
 * enforces what the Kyverno adapter writes. Otherwise only its CRDs are installed (from the Go module cache), so
 * the adapter's policies exist and can be looked at, but nothing enforces them.
 */
export async function startDemoKyverno(
  kubeConfig: KubeConfig,
  kubeconfigPath: string,
  dir: string,
  progress: (line: string) => void,
): Promise<DemoKyverno> {
  let crds: string[];
  try {
    crds = await kyvernoCrdDirectories();
  } catch (error) {
    return { unavailable: `its CRDs could not be found (${(error as Error).message.split('\n')[0]})` };
  }
  if (!kyvernoAvailable()) {
    await installCRDs(kubeConfig, crds, 120_000);
    return {
      crdsOnly:
        `Kyverno ${KYVERNO_VERSION} is not built on this machine, so its policies are written but not enforced; ` +
        'build it once (about 8 minutes) with ./scripts/test or `node tools/kyverno-testenv/dist/cli.js build`',
    };
  }
  progress(`starting Kyverno ${KYVERNO_VERSION} (its webhooks enforce the Kyverno adapter's policies)`);
  return { running: await startKyverno({ kubeconfigPath, dir, progress }) };
}
