import { PassThrough } from 'node:stream';
import { createLogger } from '@nimbus-ts/k8s';
import { generatePskKey } from '@nimbus-ts/scan-testenv';
import { describe, expect, it } from 'vitest';
import { clairWebhookHandler, DEFAULT_WEBHOOK_PATH, type WebhookLogger } from '../../src/index.js';

describe('clairWebhookHandler', () => {
  it.each([
    ['empty', ''],
    ['not base64', 'not base64!'],
    ['unpadded', 'a2V5'.slice(0, 3)],
  ])('refuses a pre-shared key that is %s at construction, not on the first delivery', (_name, pskKey) => {
    expect(() => clairWebhookHandler({ pskKey, onNotification: () => {} })).toThrow(/pre-shared key/);
  });

  it('takes the packages’ winston logger', () => {
    const logger: WebhookLogger = createLogger('adapter-clair', { stream: new PassThrough() });
    const handler = clairWebhookHandler({ pskKey: generatePskKey(), logger, onNotification: () => {} });
    expect(typeof handler).toBe('function');
    expect(DEFAULT_WEBHOOK_PATH).toBe('/clair/notifications');
  });
});
