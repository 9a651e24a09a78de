import { createAuthority } from '../tls/certificate-authority.js';
import { certificateFacts } from '../tls/certificate-facts.js';
import { issueCertificate } from '../tls/issue-certificate.js';
import {
  importSigningKey,
  type KeyPairPem,
  newKeyPair,
  privateKeyPem,
  publicKeyPem,
} from '../tls/key-pair.js';
import { validityFrom } from '../tls/validity.js';

export type { KeyPairPem } from '../tls/key-pair.js';

const DAY_MS = 24 * 3600 * 1000;

/** A certificate authority that can issue serving and client certificates. */
export interface CertificateAuthority extends KeyPairPem {
  /** Issues a serving certificate for the given DNS names and IP addresses. */
  issueServing(hosts: readonly string[], validDays?: number): Promise<KeyPairPem>;
  /**
   * Issues a client certificate. Kubernetes reads the user name from the common name and the groups
   * from the organisation attributes.
   */
  issueClient(user: string, groups: readonly string[], validDays?: number): Promise<KeyPairPem>;
}

/**
 * Creates a new self-signed ECDSA P-256 certificate authority, in memory.
 *
 * @param commonName - the CA's subject common name, shown by `openssl x509 -text` and in TLS errors.
 */
export async function createCertificateAuthority(
  commonName = 'nimbus-ts test CA',
  validDays = 365,
): Promise<CertificateAuthority> {
  return authorityFrom(
    await createAuthority(commonName, validityFrom(Date.now(), validDays * DAY_MS)),
    validDays,
  );
}

/**
 * Re-creates a certificate authority from its PEM certificate and PKCS#8 key, e.g. in a test worker that
 * received them from the process that started the control plane.
 */
export async function importCertificateAuthority(
  pair: KeyPairPem,
  validDays = 365,
): Promise<CertificateAuthority> {
  // Fail here, on import, rather than on the first certificate issued with an unusable pair.
  certificateFacts(pair.certPem, 'the imported CA');
  await importSigningKey(pair.keyPem, 'the imported CA');
  return authorityFrom(pair, validDays);
}

// Test certificates are not capped at the CA's end of validity: tests ask for exactly the lifetime they name.
function authorityFrom(ca: KeyPairPem, validDays: number): CertificateAuthority {
  return {
    certPem: ca.certPem,
    keyPem: ca.keyPem,
    issueServing: (hosts, days = validDays) =>
      issueCertificate(ca, { usage: 'serving', hosts }, validityFrom(Date.now(), days * DAY_MS)),
    issueClient: (user, groups, days = validDays) =>
      issueCertificate(ca, { usage: 'client', user, groups }, validityFrom(Date.now(), days * DAY_MS)),
  };
}

/**
 * Creates a bare ECDSA key pair, PEM-encoded: the service-account token signing key of a control plane.
 * `certPem` holds the SPKI public key, which is what kube-apiserver's `--service-account-key-file` reads.
 */
export async function createSigningKeyPair(): Promise<KeyPairPem> {
  const keys = await newKeyPair();
  return { certPem: await publicKeyPem(keys.publicKey), keyPem: await privateKeyPem(keys.privateKey) };
}
