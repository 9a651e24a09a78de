import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  comparePaths,
  type LayerEntry,
  layerOrder,
  linkStaysUnder,
  normalizeMode,
  readTree,
  writeLayer,
} from '../../src/layer.js';

const root = { uid: 0, gid: 0 } as const;
const file = (path: string, text: string, mode = 0o644): LayerEntry => ({
  type: 'file',
  path,
  mode,
  ...root,
  content: { bytes: Buffer.from(text) },
});

describe('normalizeMode', () => {
  it.each([
    ['file', 0o100600, 0o644],
    ['file', 0o100664, 0o644],
    ['file', 0o100700, 0o755],
    ['file', 0o100744, 0o755],
    ['file', 0o104755, 0o755], // set-user-ID dropped
    ['directory', 0o40777, 0o755],
    ['directory', 0o41777, 0o755],
    ['directory', 0o40700, 0o755],
    ['symlink', 0o120755, 0o777],
  ] as const)('%s %o → %o', (type, mode, expected) => {
    expect(normalizeMode(type, mode)).toBe(expected);
  });
});

describe('comparePaths', () => {
  it('orders by bytes, so a parent precedes its children and "a-b" sorts between "a" and "a/b"', () => {
    expect(['a/b', 'a-b', 'B', 'a', 'a/B'].sort(comparePaths)).toEqual(['B', 'a', 'a-b', 'a/B', 'a/b']);
  });
});

describe('layerOrder', () => {
  it('adds missing parents as root-owned 0755 directories and sorts', () => {
    const ordered = layerOrder([file('usr/lib/x/libc.so', 'c'), file('etc/passwd', 'p')]);
    expect(ordered.map((e) => `${e.type} ${e.path}`)).toEqual([
      'directory etc',
      'file etc/passwd',
      'directory usr',
      'directory usr/lib',
      'directory usr/lib/x',
      'file usr/lib/x/libc.so',
    ]);
    expect(ordered[0]).toEqual({ type: 'directory', path: 'etc', mode: 0o755, uid: 0, gid: 0 });
  });

  it('keeps a directory given with its own mode rather than inventing one', () => {
    const ordered = layerOrder([
      file('home/nonroot/.keep', ''),
      { type: 'directory', path: 'home/nonroot', mode: 0o700, uid: 65532, gid: 65532 },
    ]);
    expect(ordered.find((e) => e.path === 'home/nonroot')).toMatchObject({ mode: 0o700, uid: 65532 });
  });

  it('treats the same directory given twice as one', () => {
    const dir: LayerEntry = { type: 'directory', path: 'tmp', mode: 0o1777, ...root };
    expect(layerOrder([dir, { ...dir }])).toHaveLength(1);
  });

  it.each([
    [[file('etc/passwd', 'a'), file('etc/passwd', 'b')], 'given twice'],
    [
      [
        { type: 'directory', path: 'tmp', mode: 0o1777, ...root },
        { type: 'directory', path: 'tmp', mode: 0o755, ...root },
      ],
      'given twice',
    ],
    [[file('etc', 'x'), file('etc/passwd', 'p')], 'not a directory'],
    [[file('../escape', 'x')], '".."'],
  ] as [LayerEntry[], string][])('refuses conflicting entries (%#)', (entries, message) => {
    expect(() => layerOrder(entries)).toThrow(message);
  });
});

describe('linkStaysUnder', () => {
  it.each([
    ['app', 'app/node_modules/js-yaml', '.pnpm/js-yaml@5.5.0/node_modules/js-yaml', true],
    ['app', 'app/node_modules/.pnpm/node_modules/@x/y', '../../../..', true],
    ['app', 'app/node_modules/x', '../../../work/packages/x', false],
    ['app', 'app/node_modules/x', '/app/node_modules/y', false],
    ['app', 'app/x', '../application/y', false],
  ])('%s: %s → %s is %s', (prefix, path, target, expected) => {
    expect(linkStaysUnder(prefix, path, target)).toBe(expected);
  });
});

describe('readTree', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'images-tree-'));
    await mkdir(join(dir, 'dist/empty'), { recursive: true });
    await mkdir(join(dir, 'node_modules/.bin'), { recursive: true });
    await writeFile(join(dir, 'dist/main.js'), 'main');
    await writeFile(join(dir, 'dist/cli.js'), 'cli');
    await chmod(join(dir, 'dist/cli.js'), 0o775);
    await writeFile(join(dir, 'node_modules/.bin/tool'), 'shim');
    await symlink('../dist/main.js', join(dir, 'node_modules/main'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads files with normalized modes and links as they are, skipping what include refuses', async () => {
    const entries = await readTree(dir, { prefix: 'app', include: (rel) => !rel.includes('.bin') });
    expect(entries).toEqual([
      {
        type: 'file',
        path: 'app/dist/cli.js',
        mode: 0o755,
        uid: 0,
        gid: 0,
        content: { fromDisk: join(dir, 'dist/cli.js'), size: 3 },
      },
      {
        type: 'file',
        path: 'app/dist/main.js',
        mode: 0o644,
        uid: 0,
        gid: 0,
        content: { fromDisk: join(dir, 'dist/main.js'), size: 4 },
      },
      { type: 'symlink', path: 'app/node_modules/main', target: '../dist/main.js', uid: 0, gid: 0 },
    ]);
  });

  it('refuses a link out of the tree when links are confined, unless linkTarget maps it back in', async () => {
    await symlink(`../../../${basename(dir)}-elsewhere`, join(dir, 'node_modules/out'));
    await expect(readTree(dir, { prefix: 'app', confineLinks: true })).rejects.toThrow(
      /node_modules\/out points at .*outside/,
    );
    const entries = await readTree(dir, {
      prefix: 'app',
      confineLinks: true,
      linkTarget: (_link, target) => (target.endsWith('-elsewhere') ? '..' : target),
    });
    expect(entries.find((e) => e.path === 'app/node_modules/out')).toMatchObject({ target: '..' });
    await rm(join(dir, 'node_modules/out'));
  });
});

describe('writeLayer', () => {
  let blobs: string;
  beforeAll(async () => {
    blobs = await mkdtemp(join(tmpdir(), 'images-blobs-'));
  });
  afterAll(() => rm(blobs, { recursive: true, force: true }));

  const entries = (): LayerEntry[] => [
    file('etc/passwd', 'root:x:0:0::/root:/sbin/nologin\n'),
    { type: 'directory', path: 'tmp', mode: 0o1777, ...root },
    { type: 'symlink', path: 'lib64/ld.so', target: '/lib/ld.so', ...root },
  ];

  it('stores a gzip blob named by its digest, with the diff ID of the tar inside', async () => {
    const layer = await writeLayer(entries(), blobs);
    const gz = await readFile(layer.path);
    expect(basename(layer.path)).toBe(layer.digest.replace('sha256:', ''));
    expect(`sha256:${createHash('sha256').update(gz).digest('hex')}`).toBe(layer.digest);
    expect(layer.size).toBe(gz.length);
    const tar = gunzipSync(gz);
    expect(`sha256:${createHash('sha256').update(tar).digest('hex')}`).toBe(layer.diffId);
    expect(layer.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
  });

  it('gives the same digests for the same entries in any order, and others for another mtime', async () => {
    const a = await writeLayer(entries(), blobs);
    const b = await writeLayer(entries().reverse(), blobs);
    const c = await writeLayer(entries(), blobs, { mtime: 1 });
    expect(b.digest).toBe(a.digest);
    expect(b.diffId).toBe(a.diffId);
    expect(c.diffId).not.toBe(a.diffId);
  });

  it('fails when a file on disk has another size than was read before', async () => {
    const path = join(blobs, 'changing.txt');
    await writeFile(path, 'now longer than before');
    await expect(
      writeLayer(
        [{ type: 'file', path: 'x', mode: 0o644, ...root, content: { fromDisk: path, size: 3 } }],
        blobs,
      ),
    ).rejects.toThrow('changed while the layer was written');
  });
});
