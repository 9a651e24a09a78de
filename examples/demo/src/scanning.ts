import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BOOKWORM,
  debianOsRelease,
  debianUpdateOperation,
  ensureScanBinaries,
  findPostgresBinaries,
  generatePskKey,
  type PushedImage,
  pushTestImage,
  type ScanStack,
  startScanStack,
} from '@nimbus-ts/scan-testenv';

/** Scanning, when this machine can run Clair: the stack, the demo's images, and what `nimbus-clair` needs. */
export interface DemoScanning {
  readonly stack: ScanStack;
  /** The demo's images by short name, pushed to the stack's registry. */
  readonly images: Readonly<Record<'shop' | 'shopPatched', PushedImage>>;
  /** The environment `nimbus-clair` runs with (as its Deployment sets it). */
  readonly env: Readonly<Record<string, string>>;
}

/** Synthetic Debian advisories (CVE-2099-*, so nobody takes them for real ones) that the `shop` image has. */
const ADVISORIES = [
  { name: 'CVE-2099-0001', sourcePackage: 'openssl', fixedVersion: '3.0.15-1~deb12u1', urgency: 'high' },
  {
    name: 'CVE-2099-0002',
    sourcePackage: 'zlib',
    fixedVersion: '1:1.2.13.dfsg-1+deb12u1',
    urgency: 'medium',
  },
  { name: 'CVE-2099-0003', sourcePackage: 'bash', fixedVersion: '', urgency: 'low' },
] as const;

const PACKAGES = (openssl: string) => [
  { name: 'base-files', version: '12.4+deb12u5' },
  { name: 'libssl3', version: openssl, source: 'openssl', sourceVersion: openssl },
  { name: 'openssl', version: openssl },
  { name: 'zlib1g', version: '1:1.2.13.dfsg-1', source: 'zlib' },
  { name: 'bash', version: '5.2.15-2+b2', source: 'bash', sourceVersion: '5.2.15-2' },
];

/** Why scanning is off, and how to turn it on. */
export interface ScanningUnavailable {
  readonly unavailable: string;
}

/**
 * Starts Clair, PostgreSQL and a registry on loopback (building Clair on first use), imports the demo's
 * advisories and pushes its images — or says why it cannot: scanning needs a PostgreSQL server binary.
 */
export async function startScanning(
  progress: (line: string) => void,
): Promise<DemoScanning | ScanningUnavailable> {
  try {
    findPostgresBinaries();
  } catch (error) {
    return {
      unavailable: `${(error as Error).message.split('\n')[0]} — install PostgreSQL (Debian: sudo apt-get install postgresql; ./scripts/test does it when run as root) and run the demo again to see scanning and admission`,
    };
  }
  progress('building Clair v4 and crane from the Go module proxy (first run only, a few minutes)');
  const binaries = await ensureScanBinaries({ progress });
  const pskKey = generatePskKey();
  const stack = await startScanStack({ binaries, pskKey, progress });
  try {
    await stack.importVulnerabilities(debianUpdateOperation({ advisories: ADVISORIES }));
    const osRelease = debianOsRelease(BOOKWORM.versionId, BOOKWORM.codename);
    const shop = await pushTestImage(stack.registry, {
      repository: 'demo/shop',
      tag: '1.0',
      osRelease,
      dpkgPackages: PACKAGES('3.0.11-1~deb12u2'),
    });
    const shopPatched = await pushTestImage(stack.registry, {
      repository: 'demo/shop',
      tag: '1.1',
      osRelease,
      dpkgPackages: PACKAGES('3.0.15-1~deb12u1'),
    });
    const keyFile = join(stack.dir, 'clair-psk');
    await writeFile(keyFile, `${pskKey}\n`, { mode: 0o600 });
    return {
      stack,
      images: { shop, shopPatched },
      env: { CLAIR_URL: stack.clair.url, CLAIR_PSK_KEY_FILE: keyFile, CLAIR_PSK_ISSUER: stack.clair.issuer },
    };
  } catch (error) {
    await stack.stop();
    throw error;
  }
}
