/** One member of a tar archive written by {@link writeTar}. */
export type TarEntry =
  | { readonly type: 'directory'; readonly path: string; readonly mode?: number }
  | {
      readonly type: 'file';
      readonly path: string;
      readonly content: string | Uint8Array;
      readonly mode?: number;
    };

const BLOCK = 512;

/** Header field offsets and widths of the POSIX ustar format. */
const FIELD = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  checksum: [148, 8],
  typeflag: [156, 1],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

function put(header: Buffer, field: keyof typeof FIELD, value: string): void {
  const [offset, width] = FIELD[field];
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > width) throw new Error(`tar: ${field} "${value}" does not fit in ${width} bytes`);
  bytes.copy(header, offset);
}

/** A numeric field: zero-padded octal digits followed by a NUL, filling the field's width. */
function putOctal(header: Buffer, field: keyof typeof FIELD, value: number): void {
  const [, width] = FIELD[field];
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${field} ${value} is too large for ustar`);
  put(header, field, `${digits.padStart(width - 1, '0')}\0`);
}

/**
 * Splits a path into ustar's `prefix` (≤155 bytes) and `name` (≤100 bytes) at a slash, so paths up to
 * 256 bytes need no PAX extension header.
 */
export function splitUstarPath(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') {
      return { prefix, name };
    }
  }
  throw new Error(`tar: path "${path}" is too long for a ustar header`);
}

function header(entry: TarEntry, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  // Layer tars name members relative to the root, without a leading "./" or "/"; directories end in "/".
  const clean = entry.path.replace(/^\.?\/+/, '').replace(/\/+$/, '');
  if (clean === '') throw new Error('tar: an entry needs a non-empty path');
  const { prefix, name } = splitUstarPath(entry.type === 'directory' ? `${clean}/` : clean);
  put(h, 'name', name);
  put(h, 'prefix', prefix);
  putOctal(h, 'mode', entry.mode ?? (entry.type === 'directory' ? 0o755 : 0o644));
  putOctal(h, 'uid', 0);
  putOctal(h, 'gid', 0);
  putOctal(h, 'size', size);
  putOctal(h, 'mtime', mtime);
  put(h, 'typeflag', entry.type === 'directory' ? '5' : '0');
  put(h, 'magic', 'ustar\0');
  put(h, 'version', '00');
  put(h, 'uname', 'root');
  put(h, 'gname', 'root');
  // The checksum is the byte sum of the header with the checksum field read as eight spaces.
  h.fill(0x20, FIELD.checksum[0], FIELD.checksum[0] + FIELD.checksum[1]);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(h, 'checksum', `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/**
 * Writes a POSIX ustar archive of `entries`, in order, owned by root:root.
 *
 * The output is byte-for-byte reproducible for the same input (every member gets modification time
 * `mtime`, default 0), so an image built twice from one spec has the same layer digest, as content
 * addressing expects.
 */
export function writeTar(entries: readonly TarEntry[], mtime = 0): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const body =
      entry.type === 'file'
        ? typeof entry.content === 'string'
          ? Buffer.from(entry.content, 'utf8')
          : Buffer.from(entry.content)
        : Buffer.alloc(0);
    parts.push(header(entry, body.length, mtime));
    if (body.length > 0) {
      parts.push(body);
      const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
      if (pad > 0) parts.push(Buffer.alloc(pad));
    }
  }
  // The end of an archive is two zero-filled blocks.
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

/**
 * The directories that must precede `paths` in an archive (`a/`, `a/b/` for `a/b/c`), deduplicated and in
 * parent-first order; tar readers such as Go's archive/tar do not invent missing parents.
 */
export function parentDirectories(paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    const parts = path
      .replace(/^\.?\/+/, '')
      .split('/')
      .filter(Boolean);
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}
