import { webcrypto } from 'node:crypto';
import { loadX509 } from './x509.js';

/** A PEM-encoded certificate with its PEM (PKCS#8) private key. */
export interface KeyPairPem {
  /** PEM certificate (or, for bare key pairs, the PEM public key). */
  readonly certPem: string;
  /** PEM PKCS#8 private key. */
  readonly keyPem: string;
}

/**
 * Every key this module makes is ECDSA P-256: small, fast to generate (certificates are issued at runtime,
 * in every replica that finds none), and accepted by Go's TLS stack, i.e. by kube-apiserver.
 */
export const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** The signature algorithm of every certificate this module issues. */
export const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

/**
 * PEM text ends with a newline here, so certificates can be concatenated into a bundle as they are: Go's PEM
 * decoder, and so kube-apiserver, only finds a block that starts on a line of its own.
 */
export function pemText(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** Generates a new, exportable ECDSA P-256 key pair. */
export async function newKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
}

/** PEM-encodes a private key as PKCS#8 (`-----BEGIN PRIVATE KEY-----`). */
export async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const x509 = await loadX509();
  return pemText(x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY'));
}

/** PEM-encodes a public key as SPKI (`-----BEGIN PUBLIC KEY-----`). */
export async function publicKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const x509 = await loadX509();
  return pemText(x509.PemConverter.encode(await webcrypto.subtle.exportKey('spki', key), 'PUBLIC KEY'));
}

/**
 * Imports a PEM PKCS#8 ECDSA P-256 private key for signing.
 *
 * @param owner - what the key belongs to, named in the error when it cannot be imported.
 */
export async function importSigningKey(keyPem: string, owner: string): Promise<webcrypto.CryptoKey> {
  const x509 = await loadX509();
  try {
    const der = x509.PemConverter.decodeFirst(keyPem);
    return await webcrypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, true, ['sign']);
  } catch (err) {
    throw new Error(
      `cannot use the private key of ${owner}: ${(err as Error).message}. Fix: supply a PEM PKCS#8 ECDSA P-256 key.`,
    );
  }
}
