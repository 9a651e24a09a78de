import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { kubeConfigFrom, renderKubeconfig } from '../../src/testing/kubeconfig.js';

describe('renderKubeconfig', () => {
  const params = {
    server: 'https://127.0.0.1:6443',
    caPem: 'CA',
    clientCertPem: 'CERT',
    clientKeyPem: 'KEY',
    user: 'alice',
    namespace: 'team-a',
  };

  it('embeds the certificates base64-encoded and selects its context', () => {
    const doc = load(renderKubeconfig(params)) as Record<string, never>;
    expect(doc).toMatchObject({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'alice@nimbus-envtest',
      clusters: [
        { name: 'nimbus-envtest', cluster: { server: params.server, 'certificate-authority-data': 'Q0E=' } },
      ],
      users: [{ name: 'alice', user: { 'client-certificate-data': 'Q0VSVA==', 'client-key-data': 'S0VZ' } }],
      contexts: [{ context: { cluster: 'nimbus-envtest', user: 'alice', namespace: 'team-a' } }],
    });
  });

  it('loads into client-node with the same server and user', () => {
    const kc = kubeConfigFrom(renderKubeconfig(params));
    expect(kc.getCurrentCluster()?.server).toBe(params.server);
    expect(kc.getCurrentUser()?.name).toBe('alice');
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('team-a');
  });
});
