import type { Component } from '@nimbus-ts/k8s';

/** What an HTTPS server needs to serve, and what its clients need to trust it: all PEM text. */
export interface TlsMaterial {
  /** The serving certificate (possibly followed by intermediates). */
  readonly cert: string;
  /** Its private key. */
  readonly key: string;
  /** The CA certificates clients should trust, when known: what goes into a webhook's `caBundle`. */
  readonly caBundle?: string;
}

/** Called with the new material whenever the serving certificate, key or CA bundle changes. */
export type TlsMaterialListener = (material: TlsMaterial) => void | Promise<void>;

/**
 * A {@link Component} that supplies a server's TLS material and keeps it fresh: `start()` resolves once the
 * first material is loaded, after which `current()` is always defined.
 */
export interface CertificateSource extends Component {
  /** The material in force, or undefined before the first load. */
  current(): TlsMaterial | undefined;
}

/** True when two materials are identical (same PEM text everywhere). */
export function sameTlsMaterial(a: TlsMaterial | undefined, b: TlsMaterial | undefined): boolean {
  return a?.cert === b?.cert && a?.key === b?.key && a?.caBundle === b?.caBundle;
}
