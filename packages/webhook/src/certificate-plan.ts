import { BACKDATE_MS, type CertificateFacts, normalizeHost } from '@nimbus-ts/k8s';
import type { ServingCertificate, StoredCertificates } from './stored-certificates.js';

/**
 * How long after a CA rotation the serving certificate keeps being one signed by the previous CA: long
 * enough for every replica to reload the Secret and for kube-apiserver to pick up the new `caBundle` of the
 * webhook configuration (both take seconds; the margin is generous).
 */
export const DEFAULT_ROLLOVER_GRACE_MS = 10 * 60 * 1000;

/** Inputs of {@link certificatePlan} besides the stored certificates. */
export interface CertificatePlanOptions {
  /** The current time, ms since the epoch. */
  readonly now: number;
  /** Host names and IP addresses the serving certificate must cover. */
  readonly hosts: readonly string[];
  /** See {@link DEFAULT_ROLLOVER_GRACE_MS}. */
  readonly rolloverGraceMs?: number;
}

/** What to do with the CA: keep it, create a first one (nothing usable to roll over from), or rotate it. */
export type CaStep = 'keep' | 'create' | 'rotate';

/** What to do with the serving certificate: keep it, or issue a new one from the (new or current) CA. */
export type ServingStep = 'keep' | 'issue';

/** The decision of {@link certificatePlan}. */
export interface CertificatePlan {
  /** What happens to the CA. */
  readonly ca: CaStep;
  /** What happens to the serving certificate; `issue` signs with the CA that results from `ca`. */
  readonly serving: ServingStep;
  /** The CA that stays trusted next to the current one: the bundle is `[current CA, previousCa]`. */
  readonly previousCa: CertificateFacts | undefined;
  /** True when the Secret must be rewritten: a step is not `keep`, or the bundle is not what it should be. */
  readonly changed: boolean;
  /** Why, in words, for the log. */
  readonly reasons: readonly string[];
  /**
   * When to plan again if nothing else happens (ms since the epoch): the next renewal, rotation, expiry
   * of the previous CA or end of a rollover grace. `now` when `changed`: re-plan after writing.
   */
  readonly recheckAt: number;
}

/** The moment a certificate has used two thirds of its lifetime: when it is renewed (or a CA rotated). */
export function renewalTime(cert: Pick<CertificateFacts, 'notBefore' | 'notAfter'>): number {
  return cert.notBefore + ((cert.notAfter - cert.notBefore) * 2) / 3;
}

const iso = (ms: number) => new Date(ms).toISOString();

function newestValid(cas: readonly CertificateFacts[], now: number): CertificateFacts | undefined {
  return cas.filter((c) => now < c.notAfter).sort((a, b) => b.notBefore - a.notBefore)[0];
}

function decideCa(ca: CertificateFacts | undefined, now: number, reasons: string[]): CaStep {
  if (!ca) {
    reasons.push('the Secret holds no usable CA certificate with its key');
    return 'create';
  }
  if (now >= ca.notAfter) {
    reasons.push(`CA "${ca.subject}" expired at ${iso(ca.notAfter)}`);
    return 'create';
  }
  if (now >= renewalTime(ca)) {
    reasons.push(`CA "${ca.subject}" passed two thirds of its lifetime at ${iso(renewalTime(ca))}`);
    return 'rotate';
  }
  return 'keep';
}

interface ServingContext {
  readonly now: number;
  readonly hosts: readonly string[];
  /** Fingerprints of the CAs the bundle will hold. */
  readonly trusted: ReadonlySet<string>;
  /** Fingerprint of the CA that stays current, undefined when a new one is made. */
  readonly currentFingerprint: string | undefined;
  /** Until when a certificate of the previous CA should stay in service after a rotation. */
  readonly graceEnd: number;
  readonly reasons: string[];
  readonly upcoming: number[];
}

function decideServing(existing: ServingCertificate | undefined, ctx: ServingContext): ServingStep {
  const { now, reasons } = ctx;
  const issue = (reason: string): ServingStep => {
    reasons.push(reason);
    return 'issue';
  };
  if (!existing) return issue('the Secret holds no usable serving certificate with its key');
  const cert = existing.facts;
  const missing = ctx.hosts.map(normalizeHost).filter((h) => !cert.hosts.includes(h));
  if (now >= cert.notAfter) return issue(`the serving certificate expired at ${iso(cert.notAfter)}`);
  if (missing.length > 0) return issue(`the serving certificate does not cover ${missing.join(', ')}`);
  if (existing.signer === undefined || !ctx.trusted.has(existing.signer)) {
    return issue('the serving certificate is not signed by a CA of the trusted bundle');
  }
  if (now < renewalTime(cert)) {
    ctx.upcoming.push(renewalTime(cert));
    return 'keep';
  }
  if (existing.signer !== ctx.currentFingerprint && now < ctx.graceEnd && cert.notAfter > ctx.graceEnd) {
    // Renewing now would switch to the new CA before every client trusts it: wait out the grace.
    reasons.push(
      `renewal of the serving certificate waits for the CA rollover grace until ${iso(ctx.graceEnd)}`,
    );
    ctx.upcoming.push(ctx.graceEnd);
    return 'keep';
  }
  return issue(`the serving certificate passed two thirds of its lifetime at ${iso(renewalTime(cert))}`);
}

/**
 * Decides what a self-managed certificate Secret needs at `now`. Pure: the caller issues what it says.
 *
 * The rules:
 * - The CA is rotated once it is in the last third of its lifetime, and created afresh when there is none
 *   or it has expired.
 * - The serving certificate is renewed once two thirds of its lifetime have passed, and re-issued at once
 *   when it is missing, expired, does not cover every wanted host, or is not signed by a trusted CA.
 * - The trusted bundle is the current CA plus the previous CA for as long as that one is valid.
 *
 * Rollover, and why it cannot break a client: rotating the CA puts the new CA in the bundle but keeps the
 * serving certificate, which the previous CA signed. A client holding the old bundle (old CA) and one
 * holding the new bundle (new CA + old CA) both trust it. Only after a grace period, once every client has
 * had time to load the new bundle, is the serving certificate renewed from the new CA; and the old CA
 * stays in the bundle until it expires, which is never before the certificates it signed (they are capped
 * at its end of validity). A CA's start of service is read as `notBefore + BACKDATE_MS`, which holds for
 * every CA this module issues.
 */
export function certificatePlan(
  stored: StoredCertificates,
  options: CertificatePlanOptions,
): CertificatePlan {
  const { now } = options;
  const grace = options.rolloverGraceMs ?? DEFAULT_ROLLOVER_GRACE_MS;
  const reasons: string[] = [];
  const upcoming: number[] = [];
  const current = stored.ca?.facts;
  const ca = decideCa(current, now, reasons);
  if (ca === 'keep' && current) upcoming.push(renewalTime(current));

  // After a rotation the old CA is the previous one; otherwise the newest still-valid other CA of the bundle.
  const previousCa = ca === 'rotate' ? current : newestValid(stored.otherCas, now);
  if (previousCa) upcoming.push(previousCa.notAfter);
  const currentFingerprint = ca === 'keep' ? current?.fingerprint : undefined;
  const trusted = new Set([currentFingerprint, previousCa?.fingerprint].filter((f) => f !== undefined));
  // A new CA is in service from now; a kept one since it was issued.
  const caInServiceSince = ca === 'keep' && current ? current.notBefore + BACKDATE_MS : now;

  const serving = decideServing(stored.serving, {
    now,
    hosts: options.hosts,
    trusted,
    currentFingerprint,
    graceEnd: caInServiceSince + grace,
    reasons,
    upcoming,
  });

  const wantedBundle = [currentFingerprint, previousCa?.fingerprint].filter((f) => f !== undefined);
  const bundleStale =
    ca === 'keep' &&
    (wantedBundle.length !== stored.bundle.length || wantedBundle.some((f, i) => stored.bundle[i] !== f));
  if (bundleStale) reasons.push('the trusted bundle is not [current CA, valid previous CA]');
  const changed = ca !== 'keep' || serving !== 'keep' || bundleStale;
  return {
    ca,
    serving,
    previousCa,
    changed,
    reasons,
    recheckAt: changed ? now : Math.min(...upcoming),
  };
}
