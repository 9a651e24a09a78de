import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pollUntil } from './poll.js';

/** A namespace that belongs to one test. */
export interface TestNamespace {
  /** The generated name, e.g. `crud-x7k2p`. */
  readonly name: string;
  /**
   * Deletes the namespace. With `wait`, resolves only once the namespace controller has removed it and
   * everything in it, so later tests (and operators they start) never see its leftovers.
   */
  delete(options?: { wait?: boolean }): Promise<void>;
}

/**
 * Creates a uniquely named namespace, so tests sharing one control plane never see each other's objects.
 *
 * @param prefix - readable start of the name; lower-case letters, digits and dashes.
 */
export async function createTestNamespace(kc: KubeConfig, prefix: string): Promise<TestNamespace> {
  const core = kc.makeApiClient(CoreV1Api);
  const created = await core.createNamespace({
    body: { metadata: { generateName: `${prefix}-`, labels: { 'nimbus-ts.dev/test': 'true' } } },
  });
  const name = created.metadata?.name;
  if (!name) throw new Error(`the API server created namespace ${prefix}-* without a name`);
  return {
    name,
    async delete(options = {}) {
      try {
        await core.deleteNamespace({ name });
      } catch (err) {
        if ((err as { code?: number }).code !== 404) throw err;
      }
      if (options.wait) {
        await pollUntil(`namespace ${name} to be deleted`, 120_000, () =>
          core.readNamespace({ name }).then(
            () => false,
            (err: { code?: number }) => err.code === 404,
          ),
        );
      }
    },
  };
}
