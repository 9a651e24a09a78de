import type { CertificateFacts } from '@nimbus-ts/k8s';
import { BACKDATE_MS } from '@nimbus-ts/k8s';
import { describe, expect, it } from 'vitest';
import {
  type CertificatePlan,
  certificatePlan,
  DEFAULT_ROLLOVER_GRACE_MS,
  renewalTime,
} from '../../src/certificate-plan.js';
import type { StoredCertificates } from '../../src/stored-certificates.js';

const DAY = 24 * 3600 * 1000;
const T0 = Date.UTC(2030, 0, 1);
const GRACE = DEFAULT_ROLLOVER_GRACE_MS;
const HOSTS = ['localhost', '127.0.0.1'];

/** Certificate facts as the plan sees them; `from`/`to` in days after T0. */
function cert(id: string, from: number, to: number, hosts: string[] = []): CertificateFacts {
  return {
    pem: `PEM ${id}\n`,
    fingerprint: id,
    subject: `CN=${id}`,
    notBefore: T0 + from * DAY,
    notAfter: T0 + to * DAY,
    isCa: hosts.length === 0,
    hosts,
  };
}

// CA A: days 0–300, so rotated from day 200. CA B: issued on day 201 (notBefore backdated as issued).
const A = cert('A', 0, 300);
const B: CertificateFacts = { ...cert('B', 201, 501), notBefore: T0 + 201 * DAY - BACKDATE_MS };
// An older CA that is still valid while A and B are.
const OLD = cert('OLD', -100, 280);

function stored(parts: {
  ca?: CertificateFacts;
  others?: CertificateFacts[];
  bundle?: CertificateFacts[];
  serving?: { facts: CertificateFacts; signer: string | undefined };
}): StoredCertificates {
  const bundle = parts.bundle ?? [parts.ca, ...(parts.others ?? [])].filter((c) => c !== undefined);
  return {
    ca: parts.ca && { facts: parts.ca, keyPem: 'ca key' },
    otherCas: parts.others ?? [],
    bundle: bundle.map((c) => c.fingerprint),
    serving: parts.serving && { ...parts.serving, keyPem: 'serving key' },
    problems: [],
  };
}

/** A serving certificate for HOSTS from day `from` to day `to`, signed by `signer`. */
const serving = (from: number, to: number, signer: string | undefined, hosts = HOSTS) => ({
  facts: cert(`S${from}`, from, to, hosts),
  signer,
});

interface Row {
  readonly name: string;
  readonly stored: StoredCertificates;
  /** Days after T0, or an absolute time. */
  readonly day?: number;
  readonly at?: number;
  readonly hosts?: string[];
  readonly expected: Partial<Omit<CertificatePlan, 'reasons' | 'previousCa'>> & {
    readonly previousCa?: string | undefined;
    readonly reason?: RegExp;
  };
}

const rows: Row[] = [
  {
    name: 'an empty Secret gets a CA and a serving certificate',
    stored: stored({}),
    day: 1,
    expected: {
      ca: 'create',
      serving: 'issue',
      previousCa: undefined,
      changed: true,
      reason: /no usable CA/,
    },
  },
  {
    name: 'fresh certificates are kept until the serving certificate is due',
    stored: stored({ ca: A, serving: serving(0, 90, 'A') }),
    day: 1,
    expected: { ca: 'keep', serving: 'keep', changed: false, recheckAt: T0 + 60 * DAY },
  },
  {
    name: 'the serving certificate is renewed once two thirds of its lifetime have passed',
    stored: stored({ ca: A, serving: serving(0, 90, 'A') }),
    day: 60.01,
    expected: { ca: 'keep', serving: 'issue', changed: true, reason: /two thirds/ },
  },
  {
    name: 'a serving certificate that misses a wanted host is re-issued at once',
    stored: stored({ ca: A, serving: serving(0, 90, 'A') }),
    day: 1,
    hosts: [...HOSTS, 'svc.ns.svc'],
    expected: { serving: 'issue', reason: /does not cover svc\.ns\.svc/ },
  },
  {
    name: 'hosts compare in canonical form (case, trailing dot, IPv6 spelling)',
    stored: stored({ ca: A, serving: serving(0, 90, 'A', ['localhost', '::1']) }),
    day: 1,
    hosts: ['LOCALHOST.', '0:0:0:0:0:0:0:1'],
    expected: { serving: 'keep', changed: false },
  },
  {
    name: 'no serving certificate with a matching key: issue one',
    stored: stored({ ca: A }),
    day: 1,
    expected: { ca: 'keep', serving: 'issue', reason: /no usable serving certificate/ },
  },
  {
    name: 'a serving certificate signed by no CA of the bundle is replaced',
    stored: stored({ ca: A, serving: serving(0, 90, undefined) }),
    day: 1,
    expected: { serving: 'issue', reason: /not signed by a CA of the trusted bundle/ },
  },
  {
    name: 'an expired serving certificate is replaced',
    stored: stored({ ca: A, serving: serving(0, 90, 'A') }),
    day: 95,
    expected: { serving: 'issue', reason: /expired/ },
  },
  {
    name: 'a CA in its last third is rotated; it stays trusted and its serving certificate stays in use',
    stored: stored({ ca: A, serving: serving(180, 270, 'A') }),
    day: 201,
    expected: {
      ca: 'rotate',
      serving: 'keep',
      previousCa: 'A',
      changed: true,
      reason: /CA "CN=A" passed two thirds/,
    },
  },
  {
    name: 'a rotation does not also switch a due serving certificate to the new CA',
    stored: stored({ ca: A, serving: serving(120, 210, 'A') }),
    day: 201,
    expected: { ca: 'rotate', serving: 'keep', previousCa: 'A', reason: /waits for the CA rollover grace/ },
  },
  {
    name: 'right after a rotation, a due certificate of the previous CA waits for the grace to end',
    stored: stored({ ca: B, others: [A], serving: serving(120, 210, 'A') }),
    at: T0 + 201 * DAY + 60_000,
    expected: {
      ca: 'keep',
      serving: 'keep',
      previousCa: 'A',
      changed: false,
      recheckAt: T0 + 201 * DAY + GRACE,
    },
  },
  {
    name: 'after the grace, the due certificate is renewed (from the new CA); the old CA stays trusted',
    stored: stored({ ca: B, others: [A], serving: serving(120, 210, 'A') }),
    at: T0 + 201 * DAY + GRACE,
    expected: { ca: 'keep', serving: 'issue', previousCa: 'A', changed: true },
  },
  {
    name: 'a certificate of the previous CA that is not due yet is kept, and the old CA with it',
    stored: stored({ ca: B, others: [A], serving: serving(180, 270, 'A') }),
    day: 202,
    expected: { serving: 'keep', previousCa: 'A', changed: false, recheckAt: T0 + 240 * DAY },
  },
  {
    name: 'the grace never keeps a certificate past its own expiry',
    stored: stored({ ca: B, others: [A], serving: { facts: cert('S', 120, 201.001, HOSTS), signer: 'A' } }),
    at: T0 + 201 * DAY + 60_000,
    expected: { serving: 'issue' },
  },
  {
    name: 'a previous CA leaves the bundle once it has expired',
    stored: stored({ ca: B, others: [A], serving: serving(290, 380, 'B') }),
    day: 301,
    expected: { ca: 'keep', serving: 'keep', previousCa: undefined, changed: true, reason: /trusted bundle/ },
  },
  {
    name: 'the plan is due again when the previous CA expires, if that comes first',
    stored: stored({ ca: B, others: [A], serving: serving(280, 370, 'B') }),
    day: 290,
    expected: { changed: false, previousCa: 'A', recheckAt: T0 + 300 * DAY },
  },
  {
    name: 'of several other CAs only the newest valid one stays trusted',
    stored: stored({ ca: B, others: [OLD, A], serving: serving(210, 300, 'B') }),
    day: 250,
    expected: { previousCa: 'A', changed: true, reason: /trusted bundle/ },
  },
  {
    name: 'a bundle in the wrong order is rewritten',
    stored: stored({ ca: B, others: [A], bundle: [A, B], serving: serving(210, 300, 'B') }),
    day: 211,
    expected: { ca: 'keep', serving: 'keep', changed: true, reason: /trusted bundle/ },
  },
  {
    name: 'an expired CA is replaced outright: there is nothing valid to roll over from',
    stored: stored({ ca: A, serving: serving(250, 300, 'A') }),
    day: 300,
    expected: { ca: 'create', serving: 'issue', previousCa: undefined, reason: /CA "CN=A" expired/ },
  },
];

describe('certificatePlan', () => {
  it.each(rows)('$name', ({ stored: input, day, at, hosts, expected }) => {
    const now = at ?? T0 + (day ?? 0) * DAY;
    const plan = certificatePlan(input, { now, hosts: hosts ?? HOSTS });
    const { reason, previousCa, ...fields } = expected;
    expect(plan).toMatchObject(fields);
    if ('previousCa' in expected) expect(plan.previousCa?.fingerprint).toBe(previousCa);
    if (reason) expect(plan.reasons.join('; ')).toMatch(reason);
    if (plan.changed) expect(plan.recheckAt).toBe(now);
    else expect(plan.recheckAt).toBeGreaterThan(now);
  });

  it('renews at two thirds of the lifetime', () => {
    expect(renewalTime({ notBefore: 0, notAfter: 300 })).toBe(200);
  });

  it('takes the rollover grace from its options', () => {
    const input = stored({ ca: B, others: [A], serving: serving(120, 210, 'A') });
    const now = T0 + 201 * DAY + 60_000;
    expect(certificatePlan(input, { now, hosts: HOSTS, rolloverGraceMs: 30_000 }).serving).toBe('issue');
    expect(certificatePlan(input, { now, hosts: HOSTS, rolloverGraceMs: 120_000 }).serving).toBe('keep');
  });
});
