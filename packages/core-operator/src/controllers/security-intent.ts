import { RESOURCES, type SecurityIntent, type SecurityIntentStatus } from '@nimbus-ts/api';
import {
  Action,
  type ApiServerAccess,
  applyOwnStatus,
  Controller,
  type ControllerOptions,
  setConditions,
  wholeStatusPlan,
} from '@nimbus-ts/k8s';
import type { AdapterDirectory } from '../adapter-directory.js';
import { intentSupported, ready } from '../build/conditions.js';
import { STATUS_CREATED } from '../build/status.js';
import type { OperatorContext } from './context.js';

/** What the SecurityIntent reconciler needs besides the common context. */
export interface SecurityIntentContext extends OperatorContext {
  /** The running adapters and the intent IDs they announce; every intent is queued when they change. */
  readonly adapters: Pick<AdapterDirectory, 'adapters'>;
}

/**
 * Records an intent's id and action in its status, as upstream does, plus Ready and IntentSupported
 * conditions. IntentSupported follows the ID pool and the running adapters' announcements.
 */
export async function reconcileSecurityIntent(
  si: SecurityIntent,
  ctx: SecurityIntentContext,
): Promise<Action> {
  const { id, action } = si.spec.intent;
  await applyOwnStatus<SecurityIntentStatus>(
    ctx.client,
    RESOURCES.SecurityIntent,
    si,
    (status) =>
      wholeStatusPlan(status, {
        id,
        action,
        status: STATUS_CREATED,
        conditions: setConditions(
          status?.conditions,
          [
            ready(
              true,
              'Accepted',
              `intent ${id} with action ${action} is ready to be bound`,
              si.metadata.generation,
            ),
            // IDs outside the pool are accepted, as upstream does; flagged unless a running adapter announces them.
            intentSupported(id, ctx.intentPool, ctx.adapters.adapters(), si.metadata.generation),
          ],
          ctx.now,
        ),
      }),
    ctx.ownWrites,
  );
  return Action.requeue(ctx.resyncMs);
}

/** The SecurityIntent controller. */
export function securityIntentController(
  kc: ApiServerAccess,
  options: ControllerOptions,
): Controller<SecurityIntent> {
  return new Controller<SecurityIntent>(kc, RESOURCES.SecurityIntent, options);
}
