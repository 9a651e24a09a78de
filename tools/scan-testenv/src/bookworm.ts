/**
 * The scan fixture shared by the adapter's tests: a Debian 12 (bookworm) test image and two update
 * operations of synthetic Debian advisories (names `CVE-2099-*` so nobody mistakes them for real ones).
 *
 * `debian-bookworm-op1.ndjson` and `debian-bookworm-op2.ndjson` beside this file are these operations in
 * claircore's jsonblob format, as `clairctl import-updaters` reads them; the unit test
 * `fixture-builder.test.ts` fails when they drift from the definitions here (`UPDATE_FIXTURES=1` rewrites them).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BOOKWORM,
  type ClairSeverity,
  type DebianAdvisory,
  type DebianUpdateOperation,
  type DpkgPackage,
  debianOsRelease,
  type OsRelease,
} from './index.js';

/** Directory of the fixture files. */
export const FIXTURES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const OP1_FILE = join(FIXTURES_DIR, 'debian-bookworm-op1.ndjson');
export const OP2_FILE = join(FIXTURES_DIR, 'debian-bookworm-op2.ndjson');

/** os-release of the test image. */
export const BOOKWORM_OS_RELEASE: OsRelease = debianOsRelease(BOOKWORM.versionId, BOOKWORM.codename);

/** What the test image lists as installed. */
export const BOOKWORM_PACKAGES: readonly DpkgPackage[] = [
  // No advisory at all.
  { name: 'base-files', version: '12.4+deb12u5' },
  // Two binaries of one source: an advisory on the source matches both.
  { name: 'libssl3', version: '3.0.11-1~deb12u2', source: 'openssl' },
  { name: 'openssl', version: '3.0.11-1~deb12u2' },
  // An epoch in the version.
  { name: 'zlib1g', version: '1:1.2.13.dfsg-1', source: 'zlib' },
  // A binNMU: the binary version differs from the source version.
  { name: 'bash', version: '5.2.15-2+b2', source: 'bash', sourceVersion: '5.2.15-2' },
  // Has an advisory, but the installed version is newer than the fix: not vulnerable.
  { name: 'coreutils', version: '9.1-1' },
  // Gains an advisory in the second update operation.
  { name: 'tar', version: '1.34+dfsg-1.2+deb12u1' },
];

const OP1_ADVISORIES: readonly DebianAdvisory[] = [
  { name: 'CVE-2099-1001', sourcePackage: 'openssl', fixedVersion: '3.0.15-1~deb12u1', urgency: 'high' },
  {
    name: 'CVE-2099-1002',
    sourcePackage: 'zlib',
    fixedVersion: '1:1.2.13.dfsg-1+deb12u1',
    urgency: 'medium',
  },
  { name: 'CVE-2099-1003', sourcePackage: 'bash', fixedVersion: '', urgency: 'low' },
  { name: 'CVE-2099-1004', sourcePackage: 'coreutils', fixedVersion: '9.0-1', urgency: 'high' },
  // Same package, other release: the distribution must keep it out of a bookworm report.
  {
    name: 'CVE-2099-1006',
    sourcePackage: 'zlib',
    fixedVersion: '1:1.2.11.dfsg-2+deb11u9',
    urgency: 'high',
    release: { versionId: '11', codename: 'bullseye' },
  },
];

/** The first import: the advisories every test starts with. */
export const OP1: DebianUpdateOperation = { advisories: OP1_ADVISORIES, date: '2026-01-01T00:00:00Z' };

/** The second import: a full snapshot again (operations replace each other), plus one new advisory on tar. */
export const OP2: DebianUpdateOperation = {
  advisories: [
    ...OP1_ADVISORIES,
    { name: 'CVE-2099-1005', sourcePackage: 'tar', fixedVersion: '1.34+dfsg-1.2+deb12u2', urgency: 'medium' },
  ],
  date: '2026-01-02T00:00:00Z',
};

/** One expected finding of a vulnerability report. */
export interface ExpectedFinding {
  readonly vulnerability: string;
  readonly packages: readonly string[];
  readonly normalizedSeverity: ClairSeverity;
  readonly fixedInVersion: string;
}

/** What a report of the test image must show after OP1. */
export const EXPECTED_AFTER_OP1: readonly ExpectedFinding[] = [
  {
    vulnerability: 'CVE-2099-1001',
    packages: ['libssl3', 'openssl'],
    normalizedSeverity: 'Critical',
    fixedInVersion: '3.0.15-1~deb12u1',
  },
  {
    vulnerability: 'CVE-2099-1002',
    packages: ['zlib1g'],
    normalizedSeverity: 'High',
    fixedInVersion: '1:1.2.13.dfsg-1+deb12u1',
  },
  { vulnerability: 'CVE-2099-1003', packages: ['bash'], normalizedSeverity: 'Medium', fixedInVersion: '' },
];

/** What it must show after OP2 as well. */
export const EXPECTED_NEW_IN_OP2: ExpectedFinding = {
  vulnerability: 'CVE-2099-1005',
  packages: ['tar'],
  normalizedSeverity: 'High',
  fixedInVersion: '1.34+dfsg-1.2+deb12u2',
};

/** Packages that must never carry a vulnerability in a report of the test image. */
export const NOT_VULNERABLE = ['base-files', 'coreutils'] as const;
