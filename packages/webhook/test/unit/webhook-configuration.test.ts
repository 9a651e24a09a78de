import { describe, expect, it } from 'vitest';
import {
  type ValidatingWebhookConfigurationOptions,
  validatingWebhookConfiguration,
  WEBHOOK_CONFIGURATION_LABEL,
  type WebhookOptions,
} from '../../src/validating-webhook-configuration.js';

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const imagesWebhook: WebhookOptions = {
  name: 'images.scanning.nimbus-ts.io',
  path: '/validate-images',
  rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  failurePolicy: 'Fail',
};

const base: ValidatingWebhookConfigurationOptions = {
  name: 'nimbus-clair-images',
  namespace: { name: 'nimbus', uid: 'ns-uid' },
  target: { service: { name: 'adapter-clair', port: 8443 } },
  webhooks: [imagesWebhook],
  caBundle: CA_PEM,
};

describe('validatingWebhookConfiguration', () => {
  it('builds every field the API server would default, pointing at the service', () => {
    expect(validatingWebhookConfiguration(base)).toEqual({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: {
        name: 'nimbus-clair-images',
        labels: { [WEBHOOK_CONFIGURATION_LABEL]: 'nimbus-clair-images' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Namespace', name: 'nimbus', uid: 'ns-uid' }],
      },
      webhooks: [
        {
          name: 'images.scanning.nimbus-ts.io',
          clientConfig: {
            service: { namespace: 'nimbus', name: 'adapter-clair', port: 8443, path: '/validate-images' },
            caBundle: Buffer.from(CA_PEM).toString('base64'),
          },
          rules: [
            {
              operations: ['CREATE', 'UPDATE'],
              apiGroups: [''],
              apiVersions: ['v1'],
              resources: ['pods'],
              scope: '*',
            },
          ],
          failurePolicy: 'Fail',
          matchPolicy: 'Equivalent',
          namespaceSelector: {
            matchExpressions: [
              { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'nimbus'] },
            ],
          },
          objectSelector: {},
          sideEffects: 'None',
          timeoutSeconds: 10,
          admissionReviewVersions: ['v1'],
        },
      ],
    });
  });

  it('owns the configuration by the namespace without blocking its deletion', () => {
    const [owner] = validatingWebhookConfiguration(base).metadata?.ownerReferences ?? [];
    expect(owner?.blockOwnerDeletion).toBeUndefined();
    expect(owner?.controller).toBeUndefined();
  });

  it.each([
    ['https://127.0.0.1:8443', 'https://127.0.0.1:8443/validate-images'],
    ['https://127.0.0.1:8443/', 'https://127.0.0.1:8443/validate-images'],
    ['https://hooks.example.com/base', 'https://hooks.example.com/base/validate-images'],
  ])('appends the path to the URL %s', (url, expected) => {
    const [webhook] = validatingWebhookConfiguration({ ...base, target: { url } }).webhooks ?? [];
    expect(webhook?.clientConfig).toEqual({
      url: expected,
      caBundle: Buffer.from(CA_PEM).toString('base64'),
    });
  });

  it('adds the exclusions to a namespace selector of its own, sorted and without duplicates', () => {
    const [webhook] =
      validatingWebhookConfiguration({
        ...base,
        excludeNamespaces: ['kube-system', 'cert-manager'],
        webhooks: [
          {
            ...imagesWebhook,
            namespaceSelector: {
              matchLabels: { scanned: 'true' },
              matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }],
            },
            objectSelector: { matchLabels: { app: 'x' } },
          },
        ],
      }).webhooks ?? [];
    expect(webhook?.namespaceSelector).toEqual({
      matchLabels: { scanned: 'true' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['web'] },
        {
          key: 'kubernetes.io/metadata.name',
          operator: 'NotIn',
          values: ['cert-manager', 'kube-system', 'nimbus'],
        },
      ],
    });
    expect(webhook?.objectSelector).toEqual({ matchLabels: { app: 'x' } });
  });

  it('leaves the caBundle out when there is none, and keeps extra labels', () => {
    const config = validatingWebhookConfiguration({ ...base, caBundle: undefined, labels: { team: 'sec' } });
    expect(config.webhooks?.[0]?.clientConfig.caBundle).toBeUndefined();
    expect(config.metadata?.labels).toEqual({
      team: 'sec',
      [WEBHOOK_CONFIGURATION_LABEL]: 'nimbus-clair-images',
    });
  });

  it('sets failurePolicy, timeout and scope as given', () => {
    const [webhook] =
      validatingWebhookConfiguration({
        ...base,
        webhooks: [
          {
            ...imagesWebhook,
            failurePolicy: 'Ignore',
            timeoutSeconds: 30,
            rules: [
              {
                operations: ['*'],
                apiGroups: ['apps'],
                apiVersions: ['v1'],
                resources: ['*'],
                scope: 'Namespaced',
              },
            ],
          },
        ],
      }).webhooks ?? [];
    expect(webhook).toMatchObject({
      failurePolicy: 'Ignore',
      timeoutSeconds: 30,
      rules: [{ scope: 'Namespaced' }],
    });
  });

  const broken: [string, Partial<ValidatingWebhookConfigurationOptions>, RegExp][] = [
    ['an upper-case name', { name: 'Images' }, /Images: the name is not a DNS name/],
    ['a name too long for a label value', { name: 'x'.repeat(64) }, /at most 63 characters/],
    ['a namespace without uid', { namespace: { name: 'nimbus', uid: '' } }, /Namespace nimbus has no uid/],
    ['no webhooks', { webhooks: [] }, /has no webhooks/],
    ['a duplicate webhook', { webhooks: [imagesWebhook, imagesWebhook] }, /appears twice/],
    ['a short webhook name', { webhooks: [{ ...imagesWebhook, name: 'images.io' }] }, /fully qualified name/],
    ['a relative path', { webhooks: [{ ...imagesWebhook, path: 'validate' }] }, /start the path with \//],
    ['a zero timeout', { webhooks: [{ ...imagesWebhook, timeoutSeconds: 0 }] }, /timeoutSeconds 0.*1 to 30/],
    ['a 31 s timeout', { webhooks: [{ ...imagesWebhook, timeoutSeconds: 31 }] }, /timeoutSeconds 31/],
    [
      'a fractional timeout',
      { webhooks: [{ ...imagesWebhook, timeoutSeconds: 2.5 }] },
      /timeoutSeconds 2\.5/,
    ],
    ['no rules', { webhooks: [{ ...imagesWebhook, rules: [] }] }, /has no rules/],
    [
      'a rule without resources',
      {
        webhooks: [
          {
            ...imagesWebhook,
            rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: [] }],
          },
        ],
      },
      /has no resources/,
    ],
    ['an http URL', { target: { url: 'http://127.0.0.1:80' } }, /not a plain https URL/],
    ['a URL with a query', { target: { url: 'https://h/?a=1' } }, /not a plain https URL/],
    ['a URL that does not parse', { target: { url: 'https://' } }, /does not parse/],
    [
      'a port out of range',
      { target: { service: { name: 's', port: 70000 } } },
      /port 70000 is out of range/,
    ],
    ['a CA bundle without certificates', { caBundle: 'not pem' }, /holds no PEM certificate/],
  ];
  it.each(broken)('rejects %s, naming the configuration and a fix', (_what, change, message) => {
    expect(() => validatingWebhookConfiguration({ ...base, ...change })).toThrow(message);
    expect(() => validatingWebhookConfiguration({ ...base, ...change })).toThrow(
      /ValidatingWebhookConfiguration .*Fix: /,
    );
  });
});
