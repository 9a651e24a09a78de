import type {
  V1OwnerReference,
  V1ValidatingWebhook,
  V1ValidatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { validatingWebhookConfiguration } from '@nimbus-ts/webhook';
import { describe, expect, it } from 'vitest';
import { admissionWebhooks } from '../../src/webhook/admission-webhook.js';
import { isRetiredConfiguration, RETIRED_CONFIGURATION } from '../../src/webhook/retired-configuration.js';

/** The configuration with the fields the cases change made required. */
interface Configuration {
  metadata: { name: string; labels: Record<string, string>; ownerReferences: V1OwnerReference[] };
  webhooks: V1ValidatingWebhook[];
}
const LABEL = 'webhook.nimbus-ts.io/configuration';
const owned = (c: Configuration) => c.metadata.ownerReferences[0] as V1OwnerReference;
const hook = (c: Configuration) => c.webhooks[0] as V1ValidatingWebhook;

const UID = '5a1e6f6e-0000-4000-8000-000000000001';
const WEBHOOK_NAMES = admissionWebhooks({ failurePolicy: 'Fail', timeoutSeconds: 10 }).map((w) => w.name);

/** The configuration as the webhook's earlier version kept it (the same builder, the old name and Service). */
const asLeftBehind = (): V1ValidatingWebhookConfiguration =>
  validatingWebhookConfiguration({
    name: RETIRED_CONFIGURATION,
    namespace: { name: 'nimbus-system', uid: UID },
    target: { service: { name: 'nimbus-clair-webhook', port: 443 } },
    webhooks: admissionWebhooks({ failurePolicy: 'Fail', timeoutSeconds: 10 }),
  });

describe('isRetiredConfiguration', () => {
  const owner = { name: RETIRED_CONFIGURATION, namespaceUid: UID, webhookNames: WEBHOOK_NAMES };

  it.each<[string, boolean, (c: Configuration) => void]>([
    ['as the earlier version left it', true, () => {}],
    ['with fewer webhooks than it kept (one removed by hand)', true, (c) => c.webhooks.pop()],
    ['with more owner references', true, (c) => c.metadata.ownerReferences.push({ ...owned(c), uid: 'x' })],
    ['of another name', false, (c) => Object.assign(c.metadata, { name: 'nimbus-admission' })],
    ['without the label', false, (c) => delete c.metadata.labels[LABEL]],
    ['labelled with another name', false, (c) => Object.assign(c.metadata.labels, { [LABEL]: 'x' })],
    [
      'owned by another namespace (another installation)',
      false,
      (c) => Object.assign(owned(c), { uid: 'y' }),
    ],
    ['owned by no namespace', false, (c) => c.metadata.ownerReferences.splice(0)],
    [
      'owned by an object of another kind with that uid',
      false,
      (c) => Object.assign(owned(c), { kind: 'Pod' }),
    ],
    [
      'holding a webhook it never kept',
      false,
      (c) => c.webhooks.push({ ...hook(c), name: 'pods.example.com' }),
    ],
    ['holding no webhooks', false, (c) => c.webhooks.splice(0)],
  ])('%s: %s', (_what, expected, change) => {
    const configuration = asLeftBehind() as Configuration;
    change(configuration);
    expect(isRetiredConfiguration(configuration as V1ValidatingWebhookConfiguration, owner)).toBe(expected);
  });
});
