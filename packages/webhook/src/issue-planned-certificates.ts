import type { KeyPairPem } from '@nimbus-ts/k8s';
import { certificateFacts, createAuthority, issueCertificate, validityFrom } from '@nimbus-ts/k8s';
import type { CertificatePlan } from './certificate-plan.js';
import { CERTIFICATE_SECRET_KEYS, type StoredCertificates } from './stored-certificates.js';

/** Lifetimes and names of what {@link issuePlannedCertificates} issues. */
export interface IssueOptions {
  /** The current time, ms since the epoch. */
  readonly now: number;
  /** DNS names and IP addresses of the serving certificate; the first is also its common name. */
  readonly hosts: readonly string[];
  /** Lifetime of a new CA. */
  readonly caLifetimeMs: number;
  /** Lifetime of a new serving certificate (shortened to end with its CA). */
  readonly servingLifetimeMs: number;
  /** Common name of a new CA. */
  readonly caCommonName: string;
}

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

/**
 * Carries out a {@link CertificatePlan}: creates or rotates the CA and issues the serving certificate as it
 * says, and returns the Secret's new `data` (base64), with the bundle `[CA, previous CA]`.
 */
export async function issuePlannedCertificates(
  stored: StoredCertificates,
  plan: CertificatePlan,
  options: IssueOptions,
): Promise<Record<string, string>> {
  const kept = plan.ca === 'keep' ? stored.ca : undefined;
  const ca: KeyPairPem = kept
    ? { certPem: kept.facts.pem, keyPem: kept.keyPem }
    : await createAuthority(options.caCommonName, validityFrom(options.now, options.caLifetimeMs));
  const existing = plan.serving === 'keep' ? stored.serving : undefined;
  const serving: KeyPairPem = existing
    ? { certPem: existing.facts.pem, keyPem: existing.keyPem }
    : await issueCertificate(
        ca,
        { usage: 'serving', hosts: options.hosts },
        validityFrom(options.now, options.servingLifetimeMs, certificateFacts(ca.certPem).notAfter),
      );
  return {
    [CERTIFICATE_SECRET_KEYS.cert]: base64(serving.certPem),
    [CERTIFICATE_SECRET_KEYS.key]: base64(serving.keyPem),
    [CERTIFICATE_SECRET_KEYS.caBundle]: base64(ca.certPem + (plan.previousCa?.pem ?? '')),
    [CERTIFICATE_SECRET_KEYS.caKey]: base64(ca.keyPem),
  };
}
