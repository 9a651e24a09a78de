import { describe, expect, it } from 'vitest';
import { debianArch, debianOsRelease, dpkgStatus, osReleaseFile } from '../../src/index.js';

describe('dpkgStatus', () => {
  const status = dpkgStatus(
    [
      { name: 'libssl3', version: '3.0.11-1~deb12u2', source: 'openssl' },
      { name: 'bash', version: '5.2.15-2+b2', source: 'bash', sourceVersion: '5.2.15-2' },
      { name: 'tzdata', version: '2024a-0+deb12u1', arch: 'all' },
    ],
    'arm64',
  );
  const stanzas = status.split('\n\n').filter(Boolean);

  it('writes one stanza per package, each ended by a blank line (the last one too)', () => {
    expect(stanzas).toHaveLength(3);
    expect(status.endsWith('\n\n')).toBe(true);
  });

  it('marks every package installed and writes the fields in dpkg order', () => {
    expect(stanzas[0]?.split('\n').map((l) => l.split(':')[0])).toEqual([
      'Package',
      'Status',
      'Priority',
      'Section',
      'Installed-Size',
      'Maintainer',
      'Architecture',
      'Multi-Arch',
      'Source',
      'Version',
      'Description',
      ' A synthetic package entry written by the nimbus-ts scan test harness.',
    ]);
    expect(stanzas.every((s) => s.includes('\nStatus: install ok installed\n'))).toBe(true);
  });

  it('writes the source, with its version only when it differs, and the default architecture', () => {
    expect(stanzas[0]).toContain('\nSource: openssl\n');
    expect(stanzas[0]).toContain('\nArchitecture: arm64\n');
    expect(stanzas[1]).toContain('\nSource: bash (5.2.15-2)\nVersion: 5.2.15-2+b2\n');
    expect(stanzas[2]).not.toContain('Source:');
    expect(stanzas[2]).toContain('\nArchitecture: all\n');
    expect(stanzas[2]).not.toContain('Multi-Arch');
  });

  it('refuses names and versions that would break the format', () => {
    expect(() => dpkgStatus([{ name: 'bad name', version: '1' }], 'amd64')).toThrow(/no whitespace/);
    expect(() => dpkgStatus([{ name: 'x', version: '' }], 'amd64')).toThrow(/non-empty/);
  });

  it("maps OCI architectures to Debian's names", () => {
    expect(debianArch('amd64')).toBe('amd64');
    expect(debianArch('arm64')).toBe('arm64');
    expect(debianArch('arm', 'v7')).toBe('armhf');
    expect(debianArch('386')).toBe('i386');
    expect(debianArch('ppc64le')).toBe('ppc64el');
  });
});

describe('os-release', () => {
  it('renders Debian 12 with the fields Clair reads', () => {
    const text = osReleaseFile(debianOsRelease('12', 'bookworm'));
    expect(text).toContain('ID="debian"\n');
    expect(text).toContain('VERSION_ID="12"\n');
    expect(text).toContain('VERSION_CODENAME="bookworm"\n');
    expect(text).toContain('VERSION="12 (bookworm)"\n');
    expect(text).toContain('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n');
  });

  it('escapes shell metacharacters and rejects what the format cannot hold', () => {
    expect(osReleaseFile({ NAME: 'a "b" $c `d` \\e' })).toBe('NAME="a \\"b\\" \\$c \\`d\\` \\\\e"\n');
    expect(() => osReleaseFile({ lower: 'x' })).toThrow(/must match/);
    expect(() => osReleaseFile({ NAME: 'a\nb' })).toThrow(/single line/);
  });
});
