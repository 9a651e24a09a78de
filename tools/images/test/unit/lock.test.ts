import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ImagesLock, lockPath, lockProblems, parsePrintUri, readLock } from '../../src/lock.js';
import { npmIntegrity } from '../../src/node-runtime.js';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const NODE_VERSION = readFileSync(join(ROOT, '.node-version'), 'utf8').trim();

describe('parsePrintUri', () => {
  it.each([
    [
      "'http://deb.debian.org/debian/pool/main/g/gcc-12/libstdc%2b%2b6_12.2.0-14%2bdeb12u1_amd64.deb' libstdc++6_12.2.0-14+deb12u1_amd64.deb 612604 SHA256:5cd3171216d4ab0fc911cfe9c35509bf2dd8f47761c43b7f6a4296701551a24d",
      { name: 'libstdc++6', version: '12.2.0-14+deb12u1', architecture: 'amd64', size: 612604 },
    ],
    [
      "'http://deb.debian.org/debian-security/pool/updates/main/c/ca-certificates/ca-certificates_20250419%7edeb12u2_all.deb' ca-certificates_20250419~deb12u2_all.deb 160948 SHA256:b9f76b5271a7ac373fd5e7e1b5b826a71ddd702b42a0d104955ecb1acfffc94b",
      { name: 'ca-certificates', version: '20250419~deb12u2', architecture: 'all' },
    ],
    // An epoch is written %3a in file names.
    [
      "'http://deb.debian.org/debian/pool/main/x/x/x_1%3a2.0-1_amd64.deb' x_1%3a2.0-1_amd64.deb 1 SHA256:0000000000000000000000000000000000000000000000000000000000000000",
      { name: 'x', version: '1:2.0-1' },
    ],
  ])('%s', (line, expected) => {
    expect(parsePrintUri(line)).toMatchObject(expected);
  });

  it('keeps the URL exactly as apt prints it, escapes included', () => {
    const url = 'http://deb.debian.org/debian/pool/main/n/netbase/netbase_6.4_all.deb';
    expect(parsePrintUri(`'${url}' netbase_6.4_all.deb 12800 SHA256:${'a'.repeat(64)}`)).toEqual({
      name: 'netbase',
      version: '6.4',
      architecture: 'all',
      url,
      size: 12800,
      sha256: 'a'.repeat(64),
    });
  });

  it.each(['', 'E: Unable to locate package libfoo', "'http://x/y.deb' y.deb 1 MD5Sum:abc"])(
    'refuses "%s"',
    (line) => {
      expect(() => parsePrintUri(line)).toThrow('unexpected line from apt-get download --print-uris');
    },
  );
});

describe('the committed lock', () => {
  it('pins every base package and the Node of .node-version (else: ./scripts/images lock)', async () => {
    const lock = await readLock(NODE_VERSION);
    expect(lock.node.version).toBe(NODE_VERSION);
  });
});

describe('lockProblems', () => {
  const lock = JSON.parse(readFileSync(lockPath(), 'utf8')) as ImagesLock;

  it('names a missing and an unused package, and a Node that is not .node-version', () => {
    const changed: ImagesLock = {
      debian: {
        suite: 'bookworm',
        packages: [
          ...lock.debian.packages.filter((p) => p.name !== 'tzdata'),
          { ...(lock.debian.packages[0] as ImagesLock['debian']['packages'][number]), name: 'bash' },
        ],
      },
      node: { ...lock.node, version: '22.0.0' },
    };
    expect(lockProblems(changed, NODE_VERSION)).toEqual([
      'it pins no version of tzdata',
      'it pins bash, which the base does not use',
      `it pins Node 22.0.0 but .node-version says ${NODE_VERSION}`,
    ]);
  });

  it('has nothing to say about the committed lock', () => {
    expect(lockProblems(lock, NODE_VERSION)).toEqual([]);
  });
});

describe('npmIntegrity', () => {
  it('is the sha512 in base64 the npm registry publishes', () => {
    expect(npmIntegrity(Buffer.from('abc'))).toBe(
      'sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==',
    );
  });
});
