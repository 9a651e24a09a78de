/**
 * `@nimbus-ts/cli`: the `nimbus` command line.
 *
 * - `nimbus render` prints, without a cluster, the NimbusPolicies the core operator would write and the engine
 *   policies every adapter would create, with their own builders.
 * - `nimbus validate` checks manifests (schema, intent IDs, parameters, references) with file:line:col.
 * - `nimbus status` shows what became of each binding in a cluster.
 *
 * {@link main} runs the whole CLI against a {@link CliIo}, so it can be embedded and tested without spawning
 * processes; the pure parts (rendering, validation) are exported for tools that want the data, not the text.
 *
 * @packageDocumentation
 */
export { type AdapterKind, AdapterRegistry, BUILTIN_ADAPTERS } from './adapters.js';
export { type MainOptions, main } from './cli.js';
export { ExitCode, type ExitCodeValue } from './exit-codes.js';
export type { FieldPath, LocatedObject, Position, SyntaxProblem } from './input/documents.js';
export { parseManifests } from './input/documents.js';
export { classifyManifests, type Manifest, type ManifestSet } from './input/manifests.js';
export { type ReadSourcesOptions, readSources, type SourceText } from './input/sources.js';
export { type CliIo, type OutputStream, processIo } from './io.js';
export { type ApplyReadyOptions, applyReady, isSyntheticUid } from './render/apply-ready.js';
export { renderingAsEnvelope, renderingAsList, renderingAsYaml } from './render/format.js';
export type { OperatorPlanOptions } from './render/operator-plan.js';
export { type RenderContext, renderManifests } from './render/render.js';
export type { RenderedObject, RenderedPolicy, Rendering, RenderNote } from './render/rendering.js';
export { SYNTHETIC_UID_PREFIX, syntheticUid } from './render/synthetic-uid.js';
export { NimbusSchemas } from './schema/crd-schemas.js';
export type { SchemaIssue } from './schema/schema-issue.js';
export { type ClusterReader, collectStatus, type StatusScope } from './status/collect.js';
export type * from './status/model.js';
export { type Style, styleFor } from './style.js';
export { type Diagnostic, formatDiagnostic, type Severity } from './validate/diagnostic.js';
export { type ValidationContext, type ValidationReport, validateSources } from './validate/validate.js';
