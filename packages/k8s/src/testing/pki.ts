// @peculiar/x509 resolves its internals through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// Node's WebCrypto is the standard one; the cast only bridges Node's and the DOM library's type names.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
/** Certificates are back-dated so a little clock skew between processes never makes them "not yet valid". */
const BACKDATE_MS = 60 * 60 * 1000;

/** A PEM-encoded certificate with its PEM (PKCS#8) private key. */
export interface KeyPairPem {
  /** PEM certificate (or, for bare key pairs, the PEM public key). */
  readonly certPem: string;
  /** PEM PKCS#8 private key. */
  readonly keyPem: string;
}

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

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

function validity(validDays: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return { notBefore: new Date(now - BACKDATE_MS), notAfter: new Date(now + validDays * 24 * 3600 * 1000) };
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function isIpAddress(host: string): boolean {
  return IPV4.test(host) || host.includes(':');
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
  const keys = await newKeys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    ...validity(validDays),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return authorityFrom(caCert, keys.privateKey, validDays);
}

/**
 * Re-creates a certificate authority from its PEM certificate and PKCS#8 key, e.g. in a test worker that
 * received them from the process that started the control plane.
 */
export async function importCertificateAuthority(
  pair: KeyPairPem,
  validDays = 365,
): Promise<CertificateAuthority> {
  const der = x509.PemConverter.decodeFirst(pair.keyPem);
  const key = await webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, true, ['sign']);
  return authorityFrom(new x509.X509Certificate(pair.certPem), key, validDays);
}

async function authorityFrom(
  caCert: x509.X509Certificate,
  caKey: CryptoKey,
  validDays: number,
): Promise<CertificateAuthority> {
  const issue = async (
    subject: x509.JsonName,
    usage: x509.ExtendedKeyUsage,
    days: number,
    extra: x509.Extension[],
  ): Promise<KeyPairPem> => {
    const leafKeys = await newKeys();
    const cert = await x509.X509CertificateGenerator.create({
      subject,
      issuer: caCert.subject,
      publicKey: leafKeys.publicKey,
      signingKey: caKey,
      signingAlgorithm: SIGNING_ALGORITHM,
      ...validity(days),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([usage]),
        await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
        ...extra,
      ],
    });
    return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(leafKeys.privateKey) };
  };

  return {
    certPem: caCert.toString('pem'),
    keyPem: await privateKeyPem(caKey),
    issueServing: async (hosts, days = validDays) => {
      const first = hosts[0];
      if (first === undefined) throw new Error('issueServing needs at least one host name or IP address');
      const sans = hosts.map((h) => ({
        type: isIpAddress(h) ? ('ip' as const) : ('dns' as const),
        value: h,
      }));
      return issue([{ CN: [first] }], x509.ExtendedKeyUsage.serverAuth, days, [
        new x509.SubjectAlternativeNameExtension(sans),
      ]);
    },
    issueClient: (user, groups, days = validDays) =>
      issue([{ CN: [user] }, ...groups.map((g) => ({ O: [g] }))], x509.ExtendedKeyUsage.clientAuth, days, []),
  };
}

/**
 * Creates a bare ECDSA key pair, PEM-encoded: the service-account token signing key of a control plane.
 * `certPem` holds the SPKI public key, which is what kube-apiserver's `--service-account-key-file` reads.
 */
export async function createSigningKeyPair(): Promise<KeyPairPem> {
  const keys = await newKeys();
  const spki = await webcrypto.subtle.exportKey('spki', keys.publicKey);
  return {
    certPem: x509.PemConverter.encode(spki, 'PUBLIC KEY'),
    keyPem: await privateKeyPem(keys.privateKey),
  };
}
