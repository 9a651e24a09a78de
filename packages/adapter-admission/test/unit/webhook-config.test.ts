import { describe, expect, it } from 'vitest';
import { webhookConfig } from '../../src/webhook/config.js';

const base = { POD_NAMESPACE: 'nimbus-system' };

describe('webhookConfig: who may call', () => {
  it.each([
    ['any client by default', {}, undefined],
    [
      'clients of a CA',
      { WEBHOOK_CLIENT_CA_FILE: '/etc/callers/ca.crt' },
      { caFile: '/etc/callers/ca.crt', names: [] },
    ],
    [
      'clients of a CA with these names',
      { WEBHOOK_CLIENT_CA_FILE: '/ca.crt', WEBHOOK_CLIENT_NAMES: ' kube-apiserver , apiserver-2,' },
      { caFile: '/ca.crt', names: ['kube-apiserver', 'apiserver-2'] },
    ],
  ])('%s', (_what, env, clientAuth) => {
    expect(webhookConfig({ ...base, ...env }).clientAuth).toEqual(clientAuth);
  });

  it('refuses names without the CA that signs them, naming the fix', () => {
    expect(() => webhookConfig({ ...base, WEBHOOK_CLIENT_NAMES: 'kube-apiserver' })).toThrow(
      "WEBHOOK_CLIENT_NAMES needs WEBHOOK_CLIENT_CA_FILE: set the CA that signs the callers' certificates too",
    );
  });
});
