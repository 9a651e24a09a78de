import type { IntentRegistry } from '@nimbus-ts/idpool';
import type { EventRecorder, KubeClient, Logger, OwnWrites } from '@nimbus-ts/k8s';

/** What every core-operator reconciler gets besides the object. */
export interface OperatorContext {
  /** Writes to the API server (field manager `nimbus-core-operator`). */
  readonly client: KubeClient;
  readonly logger: Logger;
  /** The clock; tests may pin it. */
  readonly now: () => Date;
  /** How long after a successful reconcile an object is reconciled again anyway (level-triggered safety net). */
  readonly resyncMs: number;
  /** Records Kubernetes Events about bindings. */
  readonly events: EventRecorder;
  /** Known intent IDs; third-party adapters may register more. */
  readonly intentPool: IntentRegistry;
  /** The statuses this operator wrote last, so a reconcile on a cache that lags them does not write them again. */
  readonly ownWrites?: OwnWrites;
}
