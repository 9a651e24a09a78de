/** The validity period of a certificate. */
export interface Validity {
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * How far back every issued certificate's `notBefore` is set, so that a little clock skew between the
 * issuing process and a verifying one (kube-apiserver on another node) never makes it "not yet valid".
 */
export const BACKDATE_MS = 60 * 60 * 1000;

/**
 * The validity of a certificate issued at `now` for `lifetimeMs`: from {@link BACKDATE_MS} before `now`
 * until `now + lifetimeMs`, but never past `notAfterCap` — a certificate must not outlive the CA that
 * signed it, since verifiers reject a chain as soon as any link has expired.
 */
export function validityFrom(now: number, lifetimeMs: number, notAfterCap?: number): Validity {
  if (!(lifetimeMs > 0))
    throw new RangeError(`a certificate lifetime must be positive, got ${lifetimeMs} ms`);
  const end = now + lifetimeMs;
  return {
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(notAfterCap === undefined ? end : Math.min(end, notAfterCap)),
  };
}
