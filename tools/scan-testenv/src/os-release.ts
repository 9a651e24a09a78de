/** The fields of an `os-release` file (freedesktop.org), by their variable names, e.g. `{ ID: 'debian' }`. */
export type OsRelease = Readonly<Record<string, string>>;

/** Where a test image's os-release file goes; Clair's distribution scanners read this path. */
export const OS_RELEASE_PATH = 'etc/os-release';

/**
 * The os-release of a Debian release as Debian ships it.
 *
 * Clair's Debian distribution scanner reads `ID` (must be `debian`), `VERSION_ID` (an integer) and
 * `VERSION_CODENAME` (else the codename in parentheses at the end of `VERSION`); from them it derives the
 * distribution that its Debian matcher compares with vulnerability records.
 */
export function debianOsRelease(versionId: string, codename: string): OsRelease {
  return {
    PRETTY_NAME: `Debian GNU/Linux ${versionId} (${codename})`,
    NAME: 'Debian GNU/Linux',
    VERSION_ID: versionId,
    VERSION: `${versionId} (${codename})`,
    VERSION_CODENAME: codename,
    ID: 'debian',
    HOME_URL: 'https://www.debian.org/',
    SUPPORT_URL: 'https://www.debian.org/support',
    BUG_REPORT_URL: 'https://bugs.debian.org/',
  };
}

/**
 * Renders os-release content: one `KEY=value` line per field, values double-quoted with `"`, `\`, `` ` ``
 * and `$` escaped, as the format's shell-compatible syntax requires.
 */
export function osReleaseFile(fields: OsRelease): string {
  const lines = Object.entries(fields).map(([key, value]) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(key)) throw new Error(`os-release key "${key}" must match [A-Z][A-Z0-9_]*`);
    if (value.includes('\n')) throw new Error(`os-release value of ${key} must be a single line`);
    return `${key}="${value.replace(/["\\`$]/g, (c) => `\\${c}`)}"`;
  });
  return `${lines.join('\n')}\n`;
}
