// The tar format of image layers, written by hand so every byte is under our control: an image built twice from
// the same inputs must have the same layer digests. Headers are POSIX ustar; a path or link target that ustar
// cannot hold gets a PAX extended header first (pnpm's node_modules/.pnpm paths exceed ustar's 256 bytes).
// The Clair test harness has a smaller writer for synthetic in-memory layers (tools/scan-testenv/src/
// tar.ts); it stays there because a published package cannot depend on this private tool, and it needs neither
// symbolic links, owners nor long paths.

/** One member of a layer archive; a file's bytes follow its header (see {@link tarHeader}). */
export type TarEntry =
  | {
      readonly type: 'directory';
      readonly path: string;
      readonly mode: number;
      readonly uid: number;
      readonly gid: number;
    }
  | {
      readonly type: 'file';
      readonly path: string;
      readonly mode: number;
      readonly uid: number;
      readonly gid: number;
      readonly size: number;
    }
  | {
      readonly type: 'symlink';
      readonly path: string;
      /** What the link points at, exactly as stored (relative or absolute). */
      readonly target: string;
      readonly uid: number;
      readonly gid: number;
    };

/** The size of a tar block: headers are one block, contents are padded to whole blocks. */
export const TAR_BLOCK = 512;

/** The end of an archive: two zero-filled blocks. */
export const TAR_END: Buffer = Buffer.alloc(2 * TAR_BLOCK);

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
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;

const TYPEFLAG = { file: '0', symlink: '2', directory: '5', pax: 'x' } as const;

/**
 * Checks that `path` is a clean relative member name: no leading slash, no `.` or `..` component, no empty
 * component, no NUL. Layer members are relative to the image root, and a `..` could write outside it.
 *
 * @throws Error naming the path and what is wrong with it.
 */
export function assertMemberPath(path: string): void {
  const problem =
    path === ''
      ? 'is empty'
      : path.startsWith('/')
        ? 'is absolute'
        : path.includes('\0')
          ? 'contains a NUL byte'
          : path.split('/').some((part) => part === '' || part === '.' || part === '..')
            ? 'has an empty, "." or ".." component'
            : undefined;
  if (problem) throw new Error(`tar: member path "${path}" ${problem}; layer paths are relative and clean`);
}

function put(header: Buffer, field: keyof typeof FIELD, value: string): void {
  const [offset, width] = FIELD[field];
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > width) throw new Error(`tar: ${field} "${value}" does not fit in ${width} bytes`);
  bytes.copy(header, offset);
}

/** A numeric field: zero-padded octal digits followed by a NUL, filling the field's width. */
function putOctal(header: Buffer, field: keyof typeof FIELD, value: number): void {
  const [, width] = FIELD[field];
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`tar: ${field} ${value} is not a size`);
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`tar: ${field} ${value} is too large for ustar`);
  put(header, field, `${digits.padStart(width - 1, '0')}\0`);
}

/**
 * Splits a path into ustar's `prefix` (≤155 bytes) and `name` (≤100 bytes) at a slash; undefined when no
 * split fits, and the path needs a PAX header.
 */
export function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '') {
      return { prefix, name };
    }
  }
  return undefined;
}

/**
 * One PAX record, `"<length> <key>=<value>\n"`, where the decimal length counts the whole record including
 * its own digits.
 */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bodyLength = Buffer.byteLength(body);
  const digits = String(bodyLength).length;
  let length = bodyLength + digits;
  // Counting the digits can add a digit (a 98-byte body makes a 101-byte record, not 100).
  if (String(length).length !== digits) length = bodyLength + String(length).length;
  return `${length}${body}`;
}

/** The last `max` characters of `path` with anything but printable ASCII replaced, to fit a byte-sized field. */
function asciiTail(path: string, max: number): string {
  return path.slice(-max).replace(/[^\x20-\x7e]/g, '_');
}

function block(fields: {
  name: string;
  prefix: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
}): Buffer {
  const h = Buffer.alloc(TAR_BLOCK);
  put(h, 'name', fields.name);
  put(h, 'prefix', fields.prefix);
  putOctal(h, 'mode', fields.mode);
  putOctal(h, 'uid', fields.uid);
  putOctal(h, 'gid', fields.gid);
  putOctal(h, 'size', fields.size);
  putOctal(h, 'mtime', fields.mtime);
  put(h, 'typeflag', fields.typeflag);
  put(h, 'linkname', fields.linkname);
  put(h, 'magic', 'ustar\0');
  put(h, 'version', '00');
  // No user or group names: the numeric IDs are the truth, and an unpacker never maps them through a name.
  // The checksum is the byte sum of the header with the checksum field read as eight spaces.
  h.fill(0x20, FIELD.checksum[0], FIELD.checksum[0] + FIELD.checksum[1]);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(h, 'checksum', `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/**
 * The header block(s) of one member: a ustar header, preceded by a PAX extended header when the path or the
 * link target does not fit ustar. A file's `size` bytes must follow, then {@link tarPadding}.
 *
 * Deterministic: the same entry and `mtime` always give the same bytes.
 *
 * @throws Error when the path is not a clean relative path, or a number does not fit.
 */
export function tarHeader(entry: TarEntry, mtime = 0): Buffer {
  assertMemberPath(entry.path);
  const path = entry.type === 'directory' ? `${entry.path}/` : entry.path;
  const linkname = entry.type === 'symlink' ? entry.target : '';
  if (entry.type === 'symlink' && (linkname === '' || linkname.includes('\0'))) {
    throw new Error(`tar: symbolic link "${entry.path}" has an empty or NUL-containing target`);
  }
  const split = splitUstarPath(path);
  const linkFits = Buffer.byteLength(linkname) <= 100;
  const records = [
    ...(split ? [] : [paxRecord('path', path)]),
    ...(linkFits ? [] : [paxRecord('linkpath', linkname)]),
  ].join('');
  const common = {
    mode: entry.type === 'symlink' ? 0o777 : entry.mode,
    uid: entry.uid,
    gid: entry.gid,
    mtime,
    linkname: linkFits ? linkname : '',
  };
  const main = block({
    ...common,
    // With a PAX header the ustar name is only a fallback for old readers: its last 100 bytes will do.
    ...(split ?? { prefix: '', name: asciiTail(path, 100) }),
    size: entry.type === 'file' ? entry.size : 0,
    typeflag: TYPEFLAG[entry.type],
  });
  if (records === '') return main;
  const body = Buffer.from(records, 'utf8');
  const pax = block({
    ...common,
    prefix: '',
    name: 'PaxHeader',
    mode: 0o644,
    linkname: '',
    size: body.length,
    typeflag: TYPEFLAG.pax,
  });
  return Buffer.concat([pax, body, tarPadding(body.length), main]);
}

/** The zero bytes that pad `size` bytes of content to a whole number of blocks. */
export function tarPadding(size: number): Buffer {
  return Buffer.alloc((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
}
