import { type LocatedObject, parseManifests } from '../input/documents.js';
import type { SourceText } from '../input/sources.js';
import type { NimbusSchemas } from '../schema/crd-schemas.js';
import { type Diagnostic, diagnosticAt } from './diagnostic.js';

/** The objects of some files, with what keeps them from being used. */
export interface ParsedInput {
  /** Every object read, in input order. */
  readonly objects: readonly LocatedObject[];
  /**
   * The objects that parse and fit their CRD's schema (objects of other groups always do), as the API server
   * would store them: with schema defaults filled in.
   */
  readonly valid: readonly LocatedObject[];
  /** YAML syntax errors and schema errors, as errors. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses files and checks every object against its schema: what both `nimbus validate` and `nimbus render`
 * do first, since nothing else can be judged about an object of the wrong shape.
 */
export function parseAndCheckSchemas(sources: readonly SourceText[], schemas: NimbusSchemas): ParsedInput {
  const objects: LocatedObject[] = [];
  const valid: LocatedObject[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const source of sources) {
    const parsed = parseManifests(source);
    for (const problem of parsed.problems) {
      diagnostics.push({
        file: problem.file,
        line: problem.position.line,
        column: problem.position.column,
        severity: 'error',
        subject: 'YAML',
        message: problem.message,
      });
    }
    for (const object of parsed.objects) {
      objects.push(object);
      const { issues, admitted } = schemas.admit(object.object);
      for (const issue of issues)
        diagnostics.push(diagnosticAt(object, issue.path, 'error', issue.message, issue.target));
      if (issues.length === 0) valid.push({ ...object, object: admitted });
    }
  }
  return { objects, valid, diagnostics };
}
