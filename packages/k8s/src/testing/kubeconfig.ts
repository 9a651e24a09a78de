import { KubeConfig } from '@kubernetes/client-node';
import { dump } from 'js-yaml';

/** What a kubeconfig for one user of one cluster needs. */
export interface KubeconfigParams {
  readonly server: string;
  readonly caPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  readonly user: string;
  /** Context and cluster name; default `nimbus-envtest`. */
  readonly clusterName?: string;
  /** Default namespace of the context. */
  readonly namespace?: string;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * Renders a self-contained kubeconfig (certificates embedded), readable by kubectl and client-node alike.
 */
export function renderKubeconfig(p: KubeconfigParams): string {
  const cluster = p.clusterName ?? 'nimbus-envtest';
  const context = `${p.user}@${cluster}`;
  return dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: p.server, 'certificate-authority-data': b64(p.caPem) } }],
    users: [
      {
        name: p.user,
        user: { 'client-certificate-data': b64(p.clientCertPem), 'client-key-data': b64(p.clientKeyPem) },
      },
    ],
    contexts: [
      {
        name: context,
        context: { cluster, user: p.user, ...(p.namespace ? { namespace: p.namespace } : {}) },
      },
    ],
    'current-context': context,
  });
}

/** Loads a kubeconfig text into a `KubeConfig` of `@kubernetes/client-node`, ready for its API clients. */
export function kubeConfigFrom(text: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
}
