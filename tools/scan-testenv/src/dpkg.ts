/** One installed Debian package, as a test image lists it in `var/lib/dpkg/status`. */
export interface DpkgPackage {
  /** Binary package name, e.g. `libssl3`. */
  readonly name: string;
  /** Full Debian version, epoch included when it has one, e.g. `1:1.2.13.dfsg-1`. */
  readonly version: string;
  /**
   * Source package, when it differs from `name` (e.g. `openssl` for `libssl3`). Debian vulnerability data is
   * keyed by source package, so this decides which advisories match.
   */
  readonly source?: string;
  /** Version of the source package, when it differs from `version` (binNMUs, e.g. `5.2.15-2` for `5.2.15-2+b2`). */
  readonly sourceVersion?: string;
  /** Debian architecture (`amd64`, `arm64`, `all`); default the image platform's architecture. */
  readonly arch?: string;
}

/** Where dpkg keeps its database; Clair's dpkg scanner needs both the `status` file and the `info/` directory. */
export const DPKG_STATUS_PATH = 'var/lib/dpkg/status';
/**
 * dpkg's `info/` directory beside {@link DPKG_STATUS_PATH}; test layers include it, empty, because Clair's dpkg
 * scanner ignores a status file without it.
 */
export const DPKG_INFO_DIR = 'var/lib/dpkg/info';

/** Debian's architecture names by OCI platform architecture (they differ for 32-bit ARM and x86). */
export function debianArch(ociArchitecture: string, variant?: string): string {
  switch (ociArchitecture) {
    case 'arm':
      return variant === 'v7' ? 'armhf' : 'armel';
    case '386':
      return 'i386';
    case 'ppc64le':
      return 'ppc64el';
    default:
      return ociArchitecture;
  }
}

/**
 * Renders a dpkg status database listing `packages` as installed (`Status: install ok installed`), one
 * RFC 822-style stanza per package, each followed by a blank line, with the fields in the order dpkg writes
 * them.
 *
 * @param defaultArch - the Debian architecture of packages that name none.
 */
export function dpkgStatus(packages: readonly DpkgPackage[], defaultArch: string): string {
  const stanzas = packages.map((p) => {
    for (const [field, value] of Object.entries({ name: p.name, version: p.version, source: p.source })) {
      if (value !== undefined && (value === '' || /[\s\n]/.test(value))) {
        throw new Error(`dpkg package ${field} "${value}" must be non-empty and contain no whitespace`);
      }
    }
    const arch = p.arch ?? defaultArch;
    const lines = [
      `Package: ${p.name}`,
      'Status: install ok installed',
      'Priority: optional',
      'Section: misc',
      'Installed-Size: 1',
      'Maintainer: nimbus-ts test fixtures <fixtures@nimbus-ts.invalid>',
      `Architecture: ${arch}`,
    ];
    if (arch !== 'all') lines.push('Multi-Arch: same');
    if (p.source !== undefined || p.sourceVersion !== undefined) {
      // "Source: name (version)" is only written when the source version differs from the binary's.
      const source = p.source ?? p.name;
      lines.push(
        p.sourceVersion && p.sourceVersion !== p.version
          ? `Source: ${source} (${p.sourceVersion})`
          : `Source: ${source}`,
      );
    }
    lines.push(
      `Version: ${p.version}`,
      `Description: ${p.name} (test fixture)`,
      ' A synthetic package entry written by the nimbus-ts scan test harness.',
    );
    // dpkg ends every stanza, the last included, with a blank line; parsers that read stanza by stanza
    // (claircore's among them) drop a final stanza that ends at EOF without one.
    return `${lines.join('\n')}\n\n`;
  });
  return stanzas.join('');
}
