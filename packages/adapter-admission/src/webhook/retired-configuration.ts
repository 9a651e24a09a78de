import type { V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import { WEBHOOK_CONFIGURATION_LABEL } from '@nimbus-ts/webhook';

/**
 * The ValidatingWebhookConfiguration the admission webhook kept before its objects took the component's name
 * (`nimbus-admission`). A replica of that version created it and nothing deletes it when the old Deployment goes,
 * so after an upgrade it would send covered namespaces' pods to a Service that no longer answers (and, with
 * failurePolicy Fail, refuse them): the new replicas delete it once their own configuration is in shape.
 */
export const RETIRED_CONFIGURATION = 'nimbus-clair-admission';

/** Whose configuration a webhook may delete as retired: see {@link isRetiredConfiguration}. */
export interface RetiredConfigurationOwner {
  /** The retired configuration's name. */
  readonly name: string;
  /** The uid of the webhook's own Namespace, which owns every configuration the webhook ever made. */
  readonly namespaceUid: string;
  /** The names of the webhooks this webhook keeps: a retired configuration of ours holds no others. */
  readonly webhookNames: readonly string[];
}

/**
 * True when `live` is a configuration this webhook made under its retired name, and so its to delete: the name, the
 * label every configuration the webhook keeps carries (valued with its name), an owner reference to the webhook's
 * own Namespace (by uid, so another installation's in another namespace is left alone), and only webhooks of the
 * names it keeps. Anything else of that name is someone else's.
 */
export function isRetiredConfiguration(
  live: V1ValidatingWebhookConfiguration,
  owner: RetiredConfigurationOwner,
): boolean {
  const { metadata, webhooks } = live;
  return (
    metadata?.name === owner.name &&
    metadata.labels?.[WEBHOOK_CONFIGURATION_LABEL] === owner.name &&
    (metadata.ownerReferences ?? []).some(
      (o) => o.apiVersion === 'v1' && o.kind === 'Namespace' && o.uid === owner.namespaceUid,
    ) &&
    (webhooks ?? []).length > 0 &&
    (webhooks ?? []).every((w) => owner.webhookNames.includes(w.name))
  );
}
