import type { KubeConfig } from '@kubernetes/client-node';
import {
  Action,
  Controller,
  type ControllerOptions,
  refOf,
  type Store,
  semanticEqual,
  setCondition,
  updateStatus,
} from '@nimbus-ts/k8s';
import { RESOURCES } from '../api/constants.js';
import type {
  NimbusPolicy,
  SecurityIntent,
  SecurityIntentBinding,
  SecurityIntentBindingStatus,
} from '../api/generated.js';
import { buildNimbusPolicy } from '../build/binding.js';
import { intentsResolved, ready } from '../build/conditions.js';
import { isControlledBy } from '../build/owner.js';
import { resolveRules } from '../build/rules.js';
import { STATUS_CREATED, withLastUpdated } from '../build/status.js';
import type { OperatorContext } from './context.js';
import { markCreated } from './mark-created.js';

/** The caches the binding reconciler reads. */
export interface BindingStores {
  readonly intents: Store<SecurityIntent>;
  readonly policies: Store<NimbusPolicy>;
}

/**
 * Makes the binding's NimbusPolicy match its intents (or removes it when none exists), marks the policy
 * Created, and reports in the binding's status.
 */
export async function reconcileBinding(
  sib: SecurityIntentBinding,
  ctx: OperatorContext & { stores: BindingStores },
): Promise<Action> {
  const { client, stores, now } = ctx;
  const ref = refOf(sib);
  const generation = sib.metadata.generation;
  const resolved = resolveRules(sib.spec.intents, (name) => stores.intents.get({ name }));
  const live = stores.policies.get(ref);
  const foreign = live !== undefined && !isControlledBy(live.metadata.ownerReferences, sib);

  let policyName = '';
  let readyCondition = ready(
    false,
    'NoSecurityIntents',
    'none of the SecurityIntents in spec.intents exists, so there is no NimbusPolicy; create one of them',
    generation,
  );
  if (foreign) {
    // Someone else's NimbusPolicy of the same name: never take it over.
    readyCondition = ready(
      false,
      'NimbusPolicyNotOwned',
      `NimbusPolicy ${ref.namespace}/${ref.name} exists but is not controlled by this binding; delete it or rename the binding`,
      generation,
    );
  } else if (resolved.rules.length === 0) {
    if (live) await client.delete(RESOURCES.NimbusPolicy, ref, live.metadata.uid);
  } else {
    const { object } = await client.createOrUpdate(
      RESOURCES.NimbusPolicy,
      buildNimbusPolicy(sib, resolved.rules),
      live,
    );
    await markCreated(client, RESOURCES.NimbusPolicy, object, now);
    policyName = ref.name;
    readyCondition = ready(
      true,
      'NimbusPolicyUpToDate',
      `NimbusPolicy ${ref.namespace}/${ref.name} has ${resolved.rules.length} rule(s)`,
      generation,
    );
  }

  await updateStatus<SecurityIntentBindingStatus>(client, RESOURCES.SecurityIntentBinding, sib, (status) => {
    const conditions = setCondition(
      setCondition(status?.conditions, intentsResolved(resolved.missing, generation), now),
      readyCondition,
      now,
    );
    return withLastUpdated<SecurityIntentBindingStatus>(
      {
        status: STATUS_CREATED,
        numberOfBoundIntents: policyName ? resolved.rules.length : 0,
        boundIntents: policyName ? resolved.bound : undefined,
        nimbusPolicy: policyName,
        conditions,
      },
      status,
      semanticEqual,
      now,
    );
  });
  return Action.requeue(ctx.resyncMs);
}

/**
 * The SecurityIntentBinding controller: reconciles a binding when it changes, when a NimbusPolicy it
 * controls changes or disappears (drift), and when a SecurityIntent it names changes.
 */
export function securityIntentBindingController(
  kc: KubeConfig,
  options: ControllerOptions,
): Controller<SecurityIntentBinding> {
  const controller = new Controller<SecurityIntentBinding>(kc, RESOURCES.SecurityIntentBinding, options).owns(
    RESOURCES.NimbusPolicy,
  );
  const bindings = controller.store<SecurityIntentBinding>(RESOURCES.SecurityIntentBinding);
  return controller.watches<SecurityIntent>(RESOURCES.SecurityIntent, (si) =>
    bindings
      .list()
      .filter((sib) => sib.spec.intents.some((i) => i.name === si.metadata.name))
      .map(refOf),
  );
}
