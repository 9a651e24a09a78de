import { isIP } from 'node:net';
import type { Extension, JsonName } from '@peculiar/x509';
import type { KeyPairPem } from './key-pair.js';
import { importSigningKey, newKeyPair, pemText, privateKeyPem, SIGNING_ALGORITHM } from './key-pair.js';
import type { Validity } from './validity.js';
import { loadX509 } from './x509.js';

/**
 * What a leaf certificate is for: a TLS server answering for `hosts` (DNS names and IP addresses, each a
 * subject alternative name; the first is also the common name), or a client that Kubernetes identifies as
 * `user` (the common name) in `groups` (one organisation attribute each).
 */
export type CertificateProfile =
  | { readonly usage: 'serving'; readonly hosts: readonly string[] }
  | { readonly usage: 'client'; readonly user: string; readonly groups: readonly string[] };

/**
 * Issues a new ECDSA P-256 leaf certificate signed by `issuer`, with a fresh key.
 *
 * @param issuer - the CA certificate and its private key.
 * @param profile - serving or client, see {@link CertificateProfile}.
 * @param validity - see `validityFrom`; cap it at the issuer's `notAfter`.
 */
export async function issueCertificate(
  issuer: KeyPairPem,
  profile: CertificateProfile,
  validity: Validity,
): Promise<KeyPairPem> {
  const x509 = await loadX509();
  const caCert = new x509.X509Certificate(issuer.certPem);
  const signingKey = await importSigningKey(issuer.keyPem, `CA ${caCert.subject}`);
  let subject: JsonName;
  let usage: string;
  const extra: Extension[] = [];
  if (profile.usage === 'serving') {
    const first = profile.hosts[0];
    if (first === undefined) throw new Error('issueServing needs at least one host name or IP address');
    subject = [{ CN: [first] }];
    usage = x509.ExtendedKeyUsage.serverAuth;
    extra.push(
      new x509.SubjectAlternativeNameExtension(
        profile.hosts.map((h) => ({ type: isIP(h) ? ('ip' as const) : ('dns' as const), value: h })),
      ),
    );
  } else {
    subject = [{ CN: [profile.user] }, ...profile.groups.map((g) => ({ O: [g] }))];
    usage = x509.ExtendedKeyUsage.clientAuth;
  }
  const leafKeys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: caCert.subject,
    publicKey: leafKeys.publicKey,
    signingKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([usage]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
      ...extra,
    ],
  });
  return { certPem: pemText(cert.toString('pem')), keyPem: await privateKeyPem(leafKeys.privateKey) };
}
