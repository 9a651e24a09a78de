import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertMemberPath,
  paxRecord,
  splitUstarPath,
  TAR_BLOCK,
  TAR_END,
  type TarEntry,
  tarHeader,
  tarPadding,
} from '../../src/tar.js';

const run = promisify(execFile);

describe('paxRecord', () => {
  // The length prefix counts the whole record, its own digits included; where adding the digits adds a digit
  // the naive count is one short.
  it.each([
    ['path', 'a', '9 path=a\n'],
    ['path', 'x'.repeat(90), `99 path=${'x'.repeat(90)}\n`],
    ['path', 'x'.repeat(91), `101 path=${'x'.repeat(91)}\n`],
    ['path', 'x'.repeat(92), `102 path=${'x'.repeat(92)}\n`],
  ])('%s=%s… is "%s"', (key, value, expected) => {
    const record = paxRecord(key, value);
    expect(record).toBe(expected);
    expect(Buffer.byteLength(record)).toBe(Number(record.split(' ')[0]));
  });
});

describe('splitUstarPath', () => {
  it.each([
    ['short/name', { prefix: '', name: 'short/name' }],
    [`${'d'.repeat(150)}/${'f'.repeat(99)}`, { prefix: 'd'.repeat(150), name: 'f'.repeat(99) }],
    [`${'d'.repeat(156)}/f`, undefined],
    [`d/${'f'.repeat(101)}`, undefined],
  ])('%s', (path, expected) => {
    expect(splitUstarPath(path)).toEqual(expected);
  });
});

describe('assertMemberPath', () => {
  it.each(['app/dist/main.js', 'tmp', 'etc/ssl/certs/ca-certificates.crt'])('accepts %s', (path) => {
    expect(() => assertMemberPath(path)).not.toThrow();
  });
  it.each([
    ['', 'is empty'],
    ['/etc/passwd', 'is absolute'],
    ['app/../etc', '".."'],
    ['./app', '"."'],
    ['app//x', 'empty'],
    ['app/\0', 'NUL'],
  ])('rejects "%s" (%s)', (path, problem) => {
    expect(() => assertMemberPath(path)).toThrow(problem);
  });
});

describe('tarPadding', () => {
  it.each([
    [0, 0],
    [1, 511],
    [512, 0],
    [513, 511],
  ])('pads %i bytes with %i', (size, pad) => {
    expect(tarPadding(size).length).toBe(pad);
  });
});

// GNU tar reads what tarHeader writes: names (ustar split and PAX), modes, numeric owners, link targets and
// contents come out as written.
describe('an archive of tarHeader members, read by GNU tar', () => {
  const longDir = `app/node_modules/.pnpm/${'@scope+package-with-a-long-name@1.2.3_peer@4.5.6_'.repeat(4)}/node_modules`;
  const longLink = `../../${'x'.repeat(120)}`;
  const files: { entry: TarEntry; content?: string }[] = [
    { entry: { type: 'directory', path: 'home/nonroot', mode: 0o700, uid: 65532, gid: 65532 } },
    { entry: { type: 'directory', path: 'tmp', mode: 0o1777, uid: 0, gid: 0 } },
    { entry: { type: 'file', path: 'app/run.sh', mode: 0o755, uid: 0, gid: 0, size: 5 }, content: 'hello' },
    {
      entry: { type: 'file', path: `${longDir}/index.js`, mode: 0o644, uid: 0, gid: 0, size: 1 },
      content: 'x',
    },
    {
      entry: { type: 'symlink', path: 'lib64/ld.so', target: '/lib/x86_64-linux-gnu/ld.so', uid: 0, gid: 0 },
    },
    { entry: { type: 'symlink', path: 'app/far', target: longLink, uid: 0, gid: 0 } },
  ];
  let dir: string;
  let listing: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'images-tar-'));
    const parts: Buffer[] = [];
    for (const { entry, content } of files) {
      parts.push(tarHeader(entry, 1_700_000_000));
      if (content !== undefined) parts.push(Buffer.from(content), tarPadding(content.length));
    }
    parts.push(TAR_END);
    const archive = Buffer.concat(parts);
    expect(archive.length % TAR_BLOCK).toBe(0);
    await writeFile(join(dir, 'layer.tar'), archive);
    listing = (await run('tar', ['--numeric-owner', '-tvf', join(dir, 'layer.tar')])).stdout;
    await run('tar', ['--numeric-owner', '-xpf', join(dir, 'layer.tar'), '-C', dir]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists every member with its mode and numeric owner', () => {
    const lines = listing.trim().split('\n');
    expect(lines).toHaveLength(files.length);
    expect(lines[0]).toMatch(/^drwx------ 65532\/65532 +0 2023-11-1\d \d\d:\d\d home\/nonroot\/$/);
    expect(lines[1]).toMatch(/^drwxrwxrwt 0\/0 .* tmp\/$/);
    expect(lines[2]).toMatch(/^-rwxr-xr-x 0\/0 +5 .* app\/run\.sh$/);
    expect(lines[3]).toContain(`${longDir}/index.js`);
    expect(lines[4]).toMatch(/^lrwxrwxrwx 0\/0 .* lib64\/ld\.so -> \/lib\/x86_64-linux-gnu\/ld\.so$/);
    expect(lines[5]).toContain(`app/far -> ${longLink}`);
  });

  it('extracts contents, long paths and long link targets intact', async () => {
    expect(await readFile(join(dir, 'app/run.sh'), 'utf8')).toBe('hello');
    expect(await readFile(join(dir, longDir, 'index.js'), 'utf8')).toBe('x');
    expect(await readlink(join(dir, 'app/far'))).toBe(longLink);
    const nonroot = await stat(join(dir, 'home/nonroot'));
    expect([nonroot.uid, nonroot.gid, nonroot.mode & 0o7777]).toEqual([65532, 65532, 0o700]);
    expect((await stat(join(dir, 'tmp'))).mode & 0o7777).toBe(0o1777);
    expect((await stat(join(dir, 'app/run.sh'))).mtimeMs).toBe(1_700_000_000_000);
  });

  it('writes the same bytes for the same entry every time', () => {
    for (const { entry } of files) expect(tarHeader(entry, 0).equals(tarHeader(entry, 0))).toBe(true);
    expect(tarHeader(files[2]?.entry as TarEntry, 0).equals(tarHeader(files[2]?.entry as TarEntry, 1))).toBe(
      false,
    );
  });
});
