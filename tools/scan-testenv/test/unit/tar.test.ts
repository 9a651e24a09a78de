import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parentDirectories, splitUstarPath, writeTar } from '../../src/index.js';

/** GNU tar is the independent reader: if it lists and extracts the archive, the format is right. */
function gnuTar(args: string[], archive: Buffer): string {
  return execFileSync('tar', args, { input: archive }).toString('utf8');
}

describe('writeTar', () => {
  const archive = writeTar([
    { type: 'directory', path: 'etc' },
    { type: 'file', path: 'etc/os-release', content: 'ID=debian\n' },
    { type: 'file', path: './var/lib/x.bin', content: new Uint8Array([0, 1, 2, 255]), mode: 0o600 },
  ]);

  it('writes 512-byte blocks ending in two zero blocks', () => {
    expect(archive.length % 512).toBe(0);
    // 3 headers + 2 data blocks + 2 end blocks.
    expect(archive.length).toBe(7 * 512);
    expect(archive.subarray(-1024).every((b) => b === 0)).toBe(true);
  });

  it('is read back by GNU tar with names, types, modes, owners and sizes', () => {
    const listing = gnuTar(['-tvf', '-', '--numeric-owner'], archive).trim().split('\n');
    expect(listing).toHaveLength(3);
    expect(listing[0]).toMatch(/^drwxr-xr-x 0\/0\s+0 .* etc\/$/);
    expect(listing[1]).toMatch(/^-rw-r--r-- 0\/0\s+10 .* etc\/os-release$/);
    expect(listing[2]).toMatch(/^-rw------- 0\/0\s+4 .* var\/lib\/x\.bin$/);
    expect(gnuTar(['-xOf', '-', 'etc/os-release'], archive)).toBe('ID=debian\n');
  });

  it('stores a correct header checksum', () => {
    const header = Buffer.from(archive.subarray(0, 512));
    const stored = Number.parseInt(header.subarray(148, 154).toString('ascii'), 8);
    header.fill(0x20, 148, 156);
    expect(stored).toBe(header.reduce((sum, b) => sum + b, 0));
    expect(header.subarray(257, 263).toString('latin1')).toBe('ustar\0');
  });

  it('is reproducible: the same entries give the same bytes', () => {
    const again = writeTar([
      { type: 'directory', path: 'etc' },
      { type: 'file', path: 'etc/os-release', content: 'ID=debian\n' },
      { type: 'file', path: './var/lib/x.bin', content: new Uint8Array([0, 1, 2, 255]), mode: 0o600 },
    ]);
    expect(again.equals(archive)).toBe(true);
    expect(
      writeTar([{ type: 'file', path: 'a', content: 'x' }], 1).equals(
        writeTar([{ type: 'file', path: 'a', content: 'x' }], 2),
      ),
    ).toBe(false);
  });

  it('splits long paths into ustar prefix and name, and refuses what cannot fit', () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(90)}`;
    expect(splitUstarPath('short/name')).toEqual({ prefix: '', name: 'short/name' });
    expect(splitUstarPath(long)).toEqual({ prefix: 'd'.repeat(120), name: 'f'.repeat(90) });
    const listed = gnuTar(['-tf', '-'], writeTar([{ type: 'file', path: long, content: '' }])).trim();
    expect(listed).toBe(long);
    expect(() => splitUstarPath('x'.repeat(300))).toThrow(/too long/);
    expect(() => writeTar([{ type: 'file', path: '/', content: '' }])).toThrow(/non-empty path/);
  });

  it('lists parent directories parent-first, once each', () => {
    expect(parentDirectories(['var/lib/dpkg/status', 'etc/os-release', 'var/lib/dpkg/info/x'])).toEqual([
      'etc',
      'var',
      'var/lib',
      'var/lib/dpkg',
      'var/lib/dpkg/info',
    ]);
  });
});
