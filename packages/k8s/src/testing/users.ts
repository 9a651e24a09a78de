import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeConfigFrom, renderKubeconfig } from './kubeconfig.js';
import type { CertificateAuthority } from './pki.js';

/** A user identity with its own kubeconfig. */
export interface TestUser {
  readonly name: string;
  readonly groups: readonly string[];
  readonly kubeConfig: KubeConfig;
  readonly kubeconfigPath: string;
}

/**
 * Issues a client certificate for `name` in `groups` and writes a kubeconfig for it into `dir`. With RBAC the
 * user can do nothing until a (Cluster)RoleBinding grants it something.
 */
export async function createUser(
  ca: CertificateAuthority,
  server: string,
  dir: string,
  name: string,
  groups: readonly string[] = [],
): Promise<TestUser> {
  const cert = await ca.issueClient(name, groups);
  const text = renderKubeconfig({
    server,
    caPem: ca.certPem,
    clientCertPem: cert.certPem,
    clientKeyPem: cert.keyPem,
    user: name,
  });
  const path = join(dir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.kubeconfig`);
  await writeFile(path, text, { mode: 0o600 });
  return { name, groups: [...groups], kubeConfig: kubeConfigFrom(text), kubeconfigPath: path };
}
