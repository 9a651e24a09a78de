import type { KeyPairPem } from './key-pair.js';
import { newKeyPair, pemText, privateKeyPem, SIGNING_ALGORITHM } from './key-pair.js';
import type { Validity } from './validity.js';
import { loadX509 } from './x509.js';

/**
 * Creates a new self-signed ECDSA P-256 certificate authority: a CA certificate (basic constraints CA,
 * key usage certSign/cRLSign, a subject key identifier) and its private key.
 *
 * @param commonName - the CA's subject common name, shown by `openssl x509 -text` and in TLS errors.
 * @param validity - see `validityFrom`.
 */
export async function createAuthority(commonName: string, validity: Validity): Promise<KeyPairPem> {
  const x509 = await loadX509();
  const keys = await newKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [commonName] }],
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: pemText(cert.toString('pem')), keyPem: await privateKeyPem(keys.privateKey) };
}
