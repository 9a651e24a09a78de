import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * What the certificate logic needs to know about one certificate, read with `node:crypto` alone (no
 * `@peculiar/x509`, so reading is cheap and synchronous). Plain data, so plans can be tested on tables.
 */
export interface CertificateFacts {
  /** The PEM text of this one certificate. */
  readonly pem: string;
  /** SHA-256 fingerprint, colon-separated hex: the certificate's identity. */
  readonly fingerprint: string;
  /** Subject distinguished name, for messages. */
  readonly subject: string;
  /** Start of validity, in ms since the epoch. */
  readonly notBefore: number;
  /** End of validity, in ms since the epoch. */
  readonly notAfter: number;
  /** True for a CA certificate (basic constraints CA:TRUE). */
  readonly isCa: boolean;
  /** The DNS names and IP addresses of its subject alternative names, normalised with {@link normalizeHost}. */
  readonly hosts: readonly string[];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The PEM certificates in a bundle, in order, each with a trailing newline. Other text is ignored. */
export function splitPemCertificates(bundle: string): string[] {
  return (bundle.match(PEM_CERTIFICATE) ?? []).map((pem) => `${pem}\n`);
}

/**
 * A host name or IP address in one canonical spelling, so `::1`, `0:0:0:0:0:0:0:1` and `[::1]` compare
 * equal, as do `Example.COM.` and `example.com`.
 */
export function normalizeHost(host: string): string {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 6) return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  if (isIP(bare) === 4) return bare;
  return bare.toLowerCase().replace(/\.$/, '');
}

/**
 * The DNS and IP entries of Node's `subjectAltName` text, e.g. `DNS:localhost, IP Address:127.0.0.1`.
 * Node quotes an entry as a JSON string when its value contains a comma or quote, hence the JSON.parse.
 */
function sanHosts(subjectAltName: string | undefined): string[] {
  const hosts: string[] = [];
  for (const entry of subjectAltName?.split(/, (?=[A-Za-z ]+:)/) ?? []) {
    const match = /^(DNS|IP Address):(.*)$/.exec(entry);
    if (!match?.[2]) continue;
    const value = match[2].startsWith('"') ? (JSON.parse(match[2]) as string) : match[2];
    hosts.push(normalizeHost(value));
  }
  return hosts;
}

/**
 * Reads one PEM certificate (the first, if `pem` holds several).
 *
 * @throws when `pem` holds no parseable certificate; the message names `what`.
 */
export function certificateFacts(pem: string, what = 'certificate'): CertificateFacts {
  const first = splitPemCertificates(pem)[0];
  if (!first) throw new Error(`${what} holds no PEM certificate`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(first);
  } catch (err) {
    throw new Error(`${what} is not a valid certificate: ${(err as Error).message}`);
  }
  return {
    pem: first,
    fingerprint: cert.fingerprint256,
    subject: cert.subject.replaceAll('\n', ', '),
    notBefore: cert.validFromDate.getTime(),
    notAfter: cert.validToDate.getTime(),
    isCa: cert.ca,
    hosts: sanHosts(cert.subjectAltName),
  };
}

function privateKey(keyPem: string): KeyObject | undefined {
  try {
    return createPrivateKey(keyPem);
  } catch {
    return undefined;
  }
}

/** True when `keyPem` is a parseable private key that belongs to the certificate in `certPem`. */
export function keyMatchesCertificate(keyPem: string, certPem: string): boolean {
  const key = privateKey(keyPem);
  if (!key) return false;
  try {
    return new X509Certificate(certPem).checkPrivateKey(key);
  } catch {
    return false;
  }
}

/** True when `keyPem` is an ECDSA P-256 private key, the only kind this module signs with. */
export function isP256Key(keyPem: string): boolean {
  const key = privateKey(keyPem);
  return key?.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/** True when the certificate `certPem` names `caPem` as issuer and carries a valid signature by its key. */
export function isSignedBy(certPem: string, caPem: string): boolean {
  try {
    const cert = new X509Certificate(certPem);
    const ca = new X509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}
