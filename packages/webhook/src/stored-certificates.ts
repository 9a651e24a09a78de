import {
  type CertificateFacts,
  certificateFacts,
  isP256Key,
  isSignedBy,
  keyMatchesCertificate,
  splitPemCertificates,
} from '@nimbus-ts/k8s';

/**
 * The keys of a self-managed certificate Secret. `tls.crt`/`tls.key` are what type `kubernetes.io/tls`
 * requires; `ca.crt` is the trusted bundle, as cert-manager names it; `ca.key` is our own: the key of the
 * current CA (the first certificate of the bundle), so that any replica can issue the next serving certificate.
 */
export const CERTIFICATE_SECRET_KEYS = {
  cert: 'tls.crt',
  key: 'tls.key',
  caBundle: 'ca.crt',
  caKey: 'ca.key',
} as const;

/** A certificate with its private key. */
export interface CertificateWithKey {
  /** The certificate, read. */
  readonly facts: CertificateFacts;
  /** Its PEM private key. */
  readonly keyPem: string;
}

/** A serving certificate with its key and the CA that signed it. */
export interface ServingCertificate extends CertificateWithKey {
  /** Fingerprint of the bundle CA whose signature the certificate carries, or undefined when none does. */
  readonly signer: string | undefined;
}

/** What a certificate Secret holds, checked and parsed: the input of `certificatePlan`. */
export interface StoredCertificates {
  /** The CA this Secret can sign with: the bundle certificate that `ca.key` belongs to. */
  readonly ca: CertificateWithKey | undefined;
  /** The other CA certificates of the bundle, in bundle order: candidates for "previous CA". */
  readonly otherCas: readonly CertificateFacts[];
  /** Fingerprints of every certificate in the bundle, in order, to tell whether it needs rewriting. */
  readonly bundle: readonly string[];
  /** The serving certificate, when it parses and `tls.key` belongs to it. */
  readonly serving: ServingCertificate | undefined;
  /** Why parts of the Secret were ignored, for the log. */
  readonly problems: readonly string[];
}

function decode(data: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  const value = data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

function readBundle(pem: string | undefined, problems: string[]): CertificateFacts[] {
  const facts: CertificateFacts[] = [];
  for (const [i, cert] of splitPemCertificates(pem ?? '').entries()) {
    try {
      facts.push(certificateFacts(cert, `${CERTIFICATE_SECRET_KEYS.caBundle} entry ${i + 1}`));
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return facts;
}

function findCa(bundle: readonly CertificateFacts[], keyPem: string | undefined, problems: string[]) {
  if (keyPem === undefined) return undefined;
  if (!isP256Key(keyPem)) {
    problems.push(`${CERTIFICATE_SECRET_KEYS.caKey} is not an ECDSA P-256 private key`);
    return undefined;
  }
  const match = bundle.find((c) => c.isCa && keyMatchesCertificate(keyPem, c.pem));
  if (!match)
    problems.push(
      `no CA certificate in ${CERTIFICATE_SECRET_KEYS.caBundle} matches ${CERTIFICATE_SECRET_KEYS.caKey}`,
    );
  return match && { facts: match, keyPem };
}

function readServing(
  certPem: string | undefined,
  keyPem: string | undefined,
  cas: readonly CertificateFacts[],
  problems: string[],
): ServingCertificate | undefined {
  if (certPem === undefined || keyPem === undefined) return undefined;
  let facts: CertificateFacts;
  try {
    facts = certificateFacts(certPem, CERTIFICATE_SECRET_KEYS.cert);
  } catch (err) {
    problems.push((err as Error).message);
    return undefined;
  }
  if (!keyMatchesCertificate(keyPem, facts.pem)) {
    problems.push(`${CERTIFICATE_SECRET_KEYS.key} does not belong to ${CERTIFICATE_SECRET_KEYS.cert}`);
    return undefined;
  }
  return { facts, keyPem, signer: cas.find((ca) => isSignedBy(facts.pem, ca.pem))?.fingerprint };
}

/**
 * Reads and checks the certificates of a Secret's `data` (base64 values, as the API returns them). Parts
 * that are missing, unparseable or whose key does not match are left out (and listed in `problems`), so the
 * plan replaces them rather than failing: the Secret is ours, and a broken one must heal itself.
 */
export function readStoredCertificates(
  data: Readonly<Record<string, string>> | undefined,
): StoredCertificates {
  const problems: string[] = [];
  const bundle = readBundle(decode(data, CERTIFICATE_SECRET_KEYS.caBundle), problems);
  const ca = findCa(bundle, decode(data, CERTIFICATE_SECRET_KEYS.caKey), problems);
  const cas = bundle.filter((c) => c.isCa);
  return {
    ca,
    otherCas: cas.filter((c) => c.fingerprint !== ca?.facts.fingerprint),
    bundle: bundle.map((c) => c.fingerprint),
    serving: readServing(
      decode(data, CERTIFICATE_SECRET_KEYS.cert),
      decode(data, CERTIFICATE_SECRET_KEYS.key),
      cas,
      problems,
    ),
    problems,
  };
}
