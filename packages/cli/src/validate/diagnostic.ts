import type { FieldPath, LocatedObject } from '../input/documents.js';
import { subjectOf } from '../input/manifests.js';
import type { Style } from '../style.js';

/** How bad a finding is: errors fail `nimbus validate`, warnings fail it under `--strict`, notes never do. */
export type Severity = 'error' | 'warning' | 'note';

/** One finding about the input, at a place in a file. */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly severity: Severity;
  /** `Kind/name` of the object, or `YAML` for a file that does not parse. */
  readonly subject: string;
  readonly message: string;
}

/** A finding about a field of an object. */
export function diagnosticAt(
  source: LocatedObject,
  path: FieldPath,
  severity: Severity,
  message: string,
  target: 'key' | 'value' = 'value',
): Diagnostic {
  const { line, column } = source.locate(path, target);
  return { file: source.file, line, column, severity, subject: subjectOf(source.object), message };
}

/**
 * `file:line:col: Kind/name: message`, the shape compilers use so editors and CI annotate the line; warnings and
 * notes say so after the subject.
 */
export function formatDiagnostic(d: Diagnostic, style: Style): string {
  const label =
    d.severity === 'error'
      ? ''
      : d.severity === 'warning'
        ? `${style.yellow('warning')}: `
        : `${style.cyan('note')}: `;
  const where = `${d.file}:${d.line}:${d.column}:`;
  return `${d.severity === 'error' ? style.red(style.bold(where)) : style.bold(where)} ${d.subject}: ${label}${d.message}`;
}

/** Input order: by file as read, then line and column. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[], files: readonly string[]): Diagnostic[] {
  const rank = new Map(files.map((f, i) => [f, i]));
  return [...diagnostics].sort(
    (a, b) => (rank.get(a.file) ?? 0) - (rank.get(b.file) ?? 0) || a.line - b.line || a.column - b.column,
  );
}
