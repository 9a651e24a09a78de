import { describe, expect, it } from 'vitest';
import { CA_BUNDLE_PATH, generatedBaseEntries, groupFile, NONROOT, passwdFile } from '../../src/base.js';
import { caBundle, dpkgStatus, dpkgStatusEntry, keepDebianPath } from '../../src/debian.js';
import type { LayerEntry } from '../../src/layer.js';

describe('keepDebianPath', () => {
  it.each([
    // What a Node runtime loads.
    ['libc6', 'lib/x86_64-linux-gnu/libc.so.6', true],
    ['libc6', 'lib64/ld-linux-x86-64.so.2', true],
    ['libc6', 'etc/ld.so.conf.d/x86_64-linux-gnu.conf', true],
    ['libstdc++6', 'usr/lib/x86_64-linux-gnu/libstdc++.so.6', true],
    ['tzdata', 'usr/share/zoneinfo/Europe/Berlin', true],
    ['netbase', 'etc/services', true],
    // Licenses.
    ['libc6', 'usr/share/doc/libc6/copyright', true],
    ['libgcc-s1', 'usr/share/doc/libgcc-s1', true],
    ['gcc-12-base', 'usr/share/doc/gcc-12-base/copyright', true],
    // Documentation, translations, debugger helpers, iconv modules, programs.
    ['libc6', 'usr/share/doc/libc6/changelog.Debian.gz', false],
    ['libc6', 'usr/share/locale/de/LC_MESSAGES/libc.mo', false],
    ['libc6', 'usr/share/lintian/overrides/libc6', false],
    ['libc6', 'usr/lib/x86_64-linux-gnu/gconv/UTF-16.so', false],
    ['libc6', 'sbin/ldconfig', false],
    ['libc6', 'usr/bin/ldd', false],
    ['libstdc++6', 'usr/share/gcc/python/libstdcxx/__init__.py', false],
    ['libstdc++6', 'usr/share/gdb/auto-load/x.py', false],
    ['ca-certificates', 'usr/sbin/update-ca-certificates', false],
    // The bundle replaces the single certificates.
    ['ca-certificates', 'usr/share/ca-certificates/mozilla/ISRG_Root_X1.crt', false],
    // base-files: the distribution's name and license texts only.
    ['base-files', 'usr/lib/os-release', true],
    ['base-files', 'etc/os-release', true],
    ['base-files', 'etc/debian_version', true],
    ['base-files', 'usr/share/common-licenses/Apache-2.0', true],
    ['base-files', 'usr/share/doc/base-files/copyright', true],
    ['base-files', 'etc/issue', false],
    ['base-files', 'usr/share/base-files/motd', false],
    ['base-files', 'etc/update-motd.d/10-uname', false],
  ])('%s: %s → %s', (pkg, path, expected) => {
    expect(keepDebianPath(pkg, path)).toBe(expected);
  });
});

describe('dpkgStatus', () => {
  const libc =
    'Package: libc6\nSource: glibc\nVersion: 2.36-9+deb12u14\nDescription: GNU C Library\n libraries\n';
  const tz = 'Package: tzdata\nVersion: 2026f-0+deb12u1\n';

  it('marks a package installed right after its name', () => {
    expect(dpkgStatusEntry(libc)).toBe(
      'Package: libc6\nStatus: install ok installed\nSource: glibc\nVersion: 2.36-9+deb12u14\nDescription: GNU C Library\n libraries\n',
    );
  });

  it('orders the packages by name, separated by blank lines', () => {
    expect(
      dpkgStatus([
        { name: 'tzdata', control: tz },
        { name: 'libc6', control: libc },
      ]),
    ).toBe(`${dpkgStatusEntry(libc)}\n${dpkgStatusEntry(tz)}`);
  });

  it('refuses a control file without a package name', () => {
    expect(() => dpkgStatusEntry('Version: 1\n')).toThrow('without a Package field');
  });
});

describe('caBundle', () => {
  it('concatenates certificates by file name in byte order, each ending in a newline', () => {
    expect(
      caBundle([
        { name: 'b.crt', pem: 'B' },
        { name: 'ISRG.crt', pem: 'I\n' },
        { name: 'a.crt', pem: 'A\n' },
      ]),
    ).toBe('I\nA\nB\n');
  });
});

describe('users and groups', () => {
  it('has nonroot as UID and GID 65532 with its home, and no login shell for anyone', () => {
    expect(passwdFile()).toContain('nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n');
    expect(groupFile()).toContain('nonroot:x:65532:\n');
    for (const line of passwdFile().trim().split('\n')) expect(line).toMatch(/:\/sbin\/nologin$/);
  });
});

describe('generatedBaseEntries', () => {
  const entries = generatedBaseEntries({
    certificates: [{ name: 'a.crt', pem: 'A\n' }],
    packages: [{ name: 'libc6', control: 'Package: libc6\nVersion: 1\n' }],
  });
  const at = (path: string) => entries.find((e) => e.path === path) as LayerEntry;
  const text = (path: string) => {
    const entry = at(path);
    return entry.type === 'file' && 'bytes' in entry.content
      ? Buffer.from(entry.content.bytes).toString()
      : '';
  };

  it('makes /tmp the one world-writable directory (sticky) and the homes private', () => {
    expect(at('tmp')).toMatchObject({ type: 'directory', mode: 0o1777, uid: 0, gid: 0 });
    expect(at('home/nonroot')).toMatchObject({ mode: 0o700, uid: NONROOT.uid, gid: NONROOT.gid });
    expect(at('root')).toMatchObject({ mode: 0o700, uid: 0 });
    const worldWritable = entries.filter((e) => e.type !== 'symlink' && e.mode & 0o002).map((e) => e.path);
    expect(worldWritable).toEqual(['tmp']);
  });

  it('writes users, the CA bundle and the dpkg database, all root-owned and read-only for others', () => {
    expect(text('etc/passwd')).toBe(passwdFile());
    expect(text(CA_BUNDLE_PATH)).toBe('A\n');
    expect(text('var/lib/dpkg/status')).toBe('Package: libc6\nStatus: install ok installed\nVersion: 1\n');
    for (const path of [
      'etc/passwd',
      'etc/group',
      'etc/nsswitch.conf',
      CA_BUNDLE_PATH,
      'var/lib/dpkg/status',
    ]) {
      expect(at(path)).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0 });
    }
  });
});
